"""One person, many screens: linking a person's LINE, Telegram and web chats with a code.

Every screen (a channel account, or a web widget session) is known by its own pseudonym, its
*identity*. Linking points identities at one *person*: the pseudonym of the screen that
issued the first code. ``Services.person_id`` resolves every screen to its person, so
consent, preferences, needs and "forget me" follow the person from phone to computer. The
person's own screen has a row too, so the channel of every linked screen is known.

* **Codes.** Six digits from ``secrets``, valid ``code_minutes``, single use, one live code
  per screen. Only an HMAC-SHA256 of the digits (under the pseudonym key) is stored; the
  row is looked up by that HMAC and compared again with ``hmac.compare_digest``, so neither
  the database nor the comparison gives the digits away. A code may carry a snapshot of the
  open need draft, redacted like all free text and cleared once the code is used or expired.
* **Guessing.** Wrong, expired and used codes count as failed attempts of the screen that
  typed them. After ``max_failed_attempts`` within ``attempt_window_minutes`` that screen is
  refused, even with the right code, until the oldest failure ages out; beyond
  ``max_failed_attempts_total`` failures of all screens together everyone is, because a
  new web session costs an attacker nothing.
* **Linking merges.** When a screen redeems a code, its person (with every screen already
  linked to it) joins the issuer's person: records move over, a preference set on both keeps
  the newer value, and a consent withdrawn on either side after it was last given stays
  withdrawn (withdrawing ``personalisation`` deletes preferences, and ``followup`` rests on
  ``insights``, as in the dialogue).
* **Unlinking** removes one screen: the records stay with the screens still linked (when
  the person's own screen leaves, the screen linked longest ago takes them over) and the
  screen that left starts afresh. A group of one is no group: its last row is removed.

Every change is audited (``identity.link``, ``identity.unlink``) without channel ids.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from sqlalchemy import delete, func, insert, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.insights import schema as t
from bot.insights.database import Database
from bot.insights.queries import Queries
from bot.insights.records import Purpose
from bot.insights.store import clean_text, utc_now

CODE_DIGITS = 6
CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
MOVED_TABLES = (t.needs, t.feedback, t.search_events, t.satisfaction_ratings, t.handoffs, t.link_codes)


class RedeemStatus(str, enum.Enum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this screen already belongs to the code's person
    SAME_SCREEN = "same_screen"  # typed on the screen that asked for it; the code stays valid
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY = "too_many"  # too many failed attempts: refused without looking at the code


@dataclass(frozen=True)
class LinkLimits:
    code_minutes: int = 10
    max_failed_attempts: int = 5
    attempt_window_minutes: int = 60
    max_failed_attempts_total: int = 200


@dataclass(frozen=True)
class LinkCode:
    """A code just issued: the digits are shown to the person once and never stored."""

    code: str
    expires_at: datetime
    minutes: int


@dataclass(frozen=True)
class Redemption:
    status: RedeemStatus
    person: Optional[str] = None
    channels: Tuple[str, ...] = ()  # the channel of each screen of the person, when linked
    need_draft: Optional[Dict[str, Any]] = None
    retry_after: Optional[timedelta] = None  # with TOO_MANY

    @property
    def linked(self) -> bool:
        return self.status is RedeemStatus.LINKED


def _cleaned(draft: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """A need draft fit to store: strings redacted and cut, other values only if JSON scalars."""
    if not draft:
        return None
    kept = {str(k): clean_text(v) if isinstance(v, str) else v for k, v in draft.items()
            if v is None or isinstance(v, (str, bool, int, float))}
    return kept or None


class IdentityLinks:
    """Issues and redeems link codes, resolves and unlinks screens, on the insights database."""

    def __init__(self, db: Database, key: Union[str, bytes], limits: LinkLimits = LinkLimits(),
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self._key = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if not self._key:
            raise ValueError("link codes need the pseudonym key")
        self.limits = limits
        self._clock = clock
        self._queries = Queries()

    def code_hash(self, code: str) -> str:
        return hmac.new(self._key, f"link-code:{code}".encode(), hashlib.sha256).hexdigest()

    # -- reads -------------------------------------------------------------------------------

    def resolve(self, identity: str) -> str:
        """The person a screen belongs to (itself when unlinked); StoreUnavailable when down."""
        with self.db.transaction() as connection:
            return self._queries.canonical(connection, identity)

    def channels(self, person: str) -> List[str]:
        """The channel of each screen linked to ``person`` (resolved first); empty if none."""
        with self.db.transaction() as connection:
            canonical = self._queries.canonical(connection, person)
            return [channel for _, channel in self._queries.identities(connection, canonical)]

    # -- codes -------------------------------------------------------------------------------

    def issue(self, identity: str, channel: str, need_draft: Optional[Mapping[str, Any]] = None) -> LinkCode:
        """A new code for the screen ``identity``; its earlier unused codes stop working."""
        now = self._clock()
        expires = now + timedelta(minutes=self.limits.code_minutes)
        c = t.link_codes.c
        with self.db.transaction() as connection:
            self._queries.prune_links(connection, now)
            connection.execute(delete(t.link_codes).where(c.issuer_id == identity, c.used_at.is_(None)))
            person = self._queries.canonical(connection, identity)
            for _ in range(20):  # a clash with a live code is a one-in-a-million event
                code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
                live = select(c.id).where(c.code_hash == self.code_hash(code), c.used_at.is_(None),
                                          c.expires_at >= now)
                if connection.execute(live.limit(1)).first() is None:
                    break
            connection.execute(insert(t.link_codes).values(
                code_hash=self.code_hash(code), person_id=person, issuer_id=identity,
                issuer_channel=channel[:32], need_draft=_cleaned(need_draft), created_at=now,
                expires_at=expires))
        return LinkCode(code, expires, self.limits.code_minutes)

    def redeem(self, identity: str, channel: str, code: str) -> Redemption:
        """Links the screen ``identity`` to the person who issued ``code``."""
        if not CODE.fullmatch(code):
            raise ValueError(f"a link code is {CODE_DIGITS} digits")
        now = self._clock()
        with self.db.transaction() as connection:
            self._queries.prune_links(connection, now)
            wait = self._refused_for(connection, identity, now)
            if wait is not None:
                return Redemption(RedeemStatus.TOO_MANY, retry_after=wait)
            wanted = self.code_hash(code)
            rows = connection.execute(select(t.link_codes).where(t.link_codes.c.code_hash == wanted)
                                      .order_by(t.link_codes.c.id.desc())).all()
            rows = [row for row in rows if hmac.compare_digest(row.code_hash, wanted)]
            live = next((row for row in rows if row.used_at is None and row.expires_at >= now), None)
            if live is None:
                connection.execute(insert(t.link_attempts).values(identity_id=identity, created_at=now))
                status = (RedeemStatus.USED if any(row.used_at for row in rows)
                          else RedeemStatus.EXPIRED if rows else RedeemStatus.WRONG)
                return Redemption(status)
            if live.issuer_id == identity:
                return Redemption(RedeemStatus.SAME_SCREEN)
            return self._link(connection, live, identity, channel, now)

    def _refused_for(self, connection: Connection, identity: str, now: datetime) -> Optional[timedelta]:
        """How long until this screen may try again, or None when it may now."""
        window = timedelta(minutes=self.limits.attempt_window_minutes)
        a = t.link_attempts.c
        recent = select(func.count(), func.min(a.created_at)).where(a.created_at >= now - window)
        mine_count, mine_oldest = connection.execute(recent.where(a.identity_id == identity)).one()
        all_count, all_oldest = connection.execute(recent).one()
        if mine_count >= self.limits.max_failed_attempts:
            return mine_oldest + window - now  # min() keeps the column type: an aware datetime
        if all_count >= self.limits.max_failed_attempts_total:
            return all_oldest + window - now
        return None

    def _link(self, connection: Connection, code: Any, identity: str, channel: str, now: datetime) -> Redemption:
        claimed = connection.execute(
            update(t.link_codes).where(t.link_codes.c.id == code.id, t.link_codes.c.used_at.is_(None))
            .values(used_at=now, need_draft=null())).rowcount
        if not claimed:  # redeemed a moment ago by someone else
            connection.execute(insert(t.link_attempts).values(identity_id=identity, created_at=now))
            return Redemption(RedeemStatus.USED)
        target = self._queries.canonical(connection, code.person_id)
        source = self._queries.canonical(connection, identity)
        if source == target:
            return Redemption(RedeemStatus.ALREADY_LINKED, target, self._channels(connection, target))
        links = t.identity_links
        self._queries.ensure_person(connection, target, now)
        if target == code.issuer_id:  # the person's own screen, named once
            self._insert_ignoring_conflict(connection, identity_id=target, person_id=target,
                                           channel=code.issuer_channel, linked_at=now)
        connection.execute(update(links).where(links.c.person_id == source).values(person_id=target))
        self._insert_ignoring_conflict(connection, identity_id=identity, person_id=target,
                                       channel=channel[:32], linked_at=now)
        moved = self._move_records(connection, source, target, now)
        channels = self._channels(connection, target)
        self._queries.audit(connection, "citizen", "identity.link", target,
                            {"channel": channel[:32], "screens": len(channels), "moved": moved}, now)
        return Redemption(RedeemStatus.LINKED, target, channels, code.need_draft)

    # -- unlinking ---------------------------------------------------------------------------

    def unlink(self, identity: str) -> bool:
        """Takes the screen ``identity`` out of its group; False when it was not linked."""
        now = self._clock()
        links = t.identity_links
        with self.db.transaction() as connection:
            row = connection.execute(select(links).where(links.c.identity_id == identity)).first()
            if row is None:
                return False
            person = row.person_id
            connection.execute(delete(t.link_codes).where(t.link_codes.c.issuer_id == identity,
                                                          t.link_codes.c.used_at.is_(None)))
            connection.execute(delete(links).where(links.c.identity_id == identity))
            remaining = self._queries.identities(connection, person)
            if identity == person and remaining:  # the person's own screen leaves
                heir = remaining[0][0]
                self._queries.ensure_person(connection, heir, now)
                connection.execute(update(links).where(links.c.person_id == person).values(person_id=heir))
                self._move_records(connection, person, heir, now)
                person = heir
            remaining = self._queries.identities(connection, person)
            if len(remaining) == 1:  # a group of one is no group
                connection.execute(delete(links).where(links.c.person_id == person))
            self._queries.audit(connection, "citizen", "identity.unlink", person,
                                {"channel": row.channel, "screens_left": len(remaining)}, now)
        return True

    # -- moving records from one person to another -------------------------------------------

    def _move_records(self, connection: Connection, source: str, target: str, now: datetime) -> int:
        """Everything ``source`` has becomes ``target``'s; the ``source`` person row goes."""
        if source == target:
            return 0
        moved = 0
        for table in MOVED_TABLES:
            moved += connection.execute(update(table).where(table.c.person_id == source)
                                        .values(person_id=target)).rowcount
        moved += self._move_preferences(connection, source, target)
        c = t.consents.c
        moved += connection.execute(update(t.consents).where(c.person_id == source)
                                    .values(person_id=target)).rowcount
        self._settle_consents(connection, target, now)
        connection.execute(delete(t.persons).where(t.persons.c.id == source))
        return moved

    def _move_preferences(self, connection: Connection, source: str, target: str) -> int:
        """A key both have keeps the newer value."""
        p = t.preferences.c
        rows = connection.execute(select(t.preferences).where(p.person_id.in_([source, target]))).all()
        theirs = {row.key: row for row in rows if row.person_id == source}
        mine = {row.key: row for row in rows if row.person_id == target}
        for key, row in theirs.items():
            if key in mine:
                loser = source if mine[key].updated_at >= row.updated_at else target
                connection.execute(delete(t.preferences).where(p.person_id == loser, p.key == key))
        return connection.execute(update(t.preferences).where(p.person_id == source)
                                  .values(person_id=target)).rowcount

    def _settle_consents(self, connection: Connection, person: str, now: datetime) -> None:
        """After a merge, per purpose: a withdrawal later than the newest active grant wins."""
        c = t.consents.c
        rows = connection.execute(select(t.consents).where(c.person_id == person)).all()
        active: Dict[str, bool] = {}
        for purpose in Purpose:
            mine = [row for row in rows if row.purpose == purpose.value]
            grants = [row.granted_at for row in mine if row.withdrawn_at is None]
            withdrawals = [row.withdrawn_at for row in mine if row.withdrawn_at is not None]
            active[purpose.value] = bool(grants) and not (withdrawals and max(withdrawals) > max(grants))
        if not active[Purpose.INSIGHTS.value]:
            active[Purpose.FOLLOWUP.value] = False
        for name, keep in active.items():
            if not keep:
                connection.execute(update(t.consents).where(
                    c.person_id == person, c.purpose == name, c.withdrawn_at.is_(None)).values(withdrawn_at=now))
        if not active[Purpose.PERSONALISATION.value]:
            connection.execute(delete(t.preferences).where(t.preferences.c.person_id == person))

    # -- helpers -----------------------------------------------------------------------------

    def _channels(self, connection: Connection, person: str) -> Tuple[str, ...]:
        return tuple(channel for _, channel in self._queries.identities(connection, person))

    @staticmethod
    def _insert_ignoring_conflict(connection: Connection, **values: Any) -> None:
        dialect = {"sqlite": sqlite, "postgresql": postgresql}[connection.dialect.name]
        connection.execute(dialect.insert(t.identity_links).values(**values).on_conflict_do_nothing())
