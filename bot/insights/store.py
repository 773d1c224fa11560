"""InsightsStore: what the dialogue calls to keep, show and delete co-production data.

This module decides whether and when a write happens; every SQL statement is in
``queries.py``. Rules it enforces so the dialogue layer cannot get them wrong:

* Consent first. Needs, feedback, ratings and search events need ``insights`` consent,
  preferences need ``personalisation``; without it nothing is stored (not even the person)
  and the write returns ``WriteStatus.NO_CONSENT``. Consent is checked in the same
  transaction as the insert, so a withdrawal stops collection at once.
* Redact first. Free text goes through ``bot.privacy.redact`` before it is stored or spooled.
* Pseudonyms only. Records refuse anything that is not a 32-hex pseudonym as a person.
* Anonymous search events (``person=None``) need no consent: they are knowledge-gap logs
  ("what did nobody find?") linked to no one: no person id, the query redacted and cut to
  200 characters, the time cut to the hour so they cannot be joined back to a conversation
  by timestamp, and removed by retention. Residual risk, accepted for now: a name typed
  into a query is not something redaction recognises.
* Hand-offs are stored without insights consent: the person asked for a human and the
  (redacted) summary is what the human needs. "Forget me" and retention cover them.
* Never crash the conversation. When the database is unreachable a write is appended to the
  spool (``spool.py``) and returns ``SPOOLED``; ``flush_spool()`` replays it later, checking
  consent as of the replay. Only when the spool cannot be written either does a write raise
  ``StoreUnavailable``. After a failure the database is left alone for ``retry_after``
  seconds, so a down server costs one connect timeout, not one per message.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Type, TypeVar, Union

from pydantic import BaseModel
from sqlalchemy.engine import Engine, make_url

from bot.insights.database import Database, StoreUnavailable
from bot.insights.queries import NO_CONSENT, SINGLE_STATEMENT, Queries
from bot.insights.records import (
    AuditEntry,
    Consent,
    ContactChannel,
    DataSummary,
    Erasure,
    Feedback,
    FeedbackKind,
    FitRating,
    Handoff,
    NeedRecord,
    NeedUpdate,
    Preference,
    Purpose,
    SatisfactionRating,
    SearchEvent,
    Urgency,
    Withdrawal,
    WriteResult,
    WriteStatus,
)
from bot.insights.spool import DEFAULT_SPOOL_PATH, Spool, SpoolEntry
from bot.privacy.pseudonym import is_pseudonymous_id
from bot.privacy.redaction import redact
from bot.taxonomy import SERVICE_AREAS

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
MAX_ANONYMOUS_QUERY_CHARS = 200
E = TypeVar("E", bound=enum.Enum)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def clean_text(text: Optional[str]) -> str:
    """Redacted, then cut: redacting the whole text first cuts no identifier in two."""
    return redact(text or "")[:MAX_TEXT_CHARS]


def _clean_optional(text: Optional[str]) -> Optional[str]:
    return clean_text(text) if text else None


def _enum(kind: Type[E], value: Optional[str]) -> Optional[E]:
    return kind(value) if value else None


def _person(person: str) -> str:
    if not is_pseudonymous_id(person):
        raise ValueError("person must be a pseudonymous id from bot.privacy.pseudonymous_id")
    return person


class InsightsStore:
    """Consent, needs, feedback, preferences and search logs, with "forget me" and retention."""

    def __init__(
        self,
        url: str,
        *,
        spool_path: Union[str, Path] = DEFAULT_SPOOL_PATH,
        retry_after: float = 30.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = Database(url, retry_after)
        self.spool = Spool(Path(spool_path))
        self._queries = Queries()
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Any) -> InsightsStore:
        """A store for ``bot.settings.Settings``: a relative SQLite path and the spool resolved
        against the project root and ``data_dir``."""
        url = make_url(settings.insights.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            url = url.set(database=str(settings.resolve(Path(url.database))))
        spool = settings.resolve(Path(settings.data_dir)) / "spool" / "insights.jsonl"
        return cls(url.render_as_string(hide_password=False), spool_path=spool)

    def open(self) -> InsightsStore:
        """Creates the engine (no connection yet): start-up code calls this, never an import."""
        self.db.open()
        return self

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> InsightsStore:
        return self.open()

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self.db.open()

    def migrate(self) -> None:
        """Alembic ``upgrade head``; raises StoreUnavailable when the database is unreachable."""
        self.db.migrate()

    # -- consent -----------------------------------------------------------------------------

    def grant(self, person: str, purpose: Union[Purpose, str], policy_version: str) -> WriteResult:
        """Records consent; granting a new policy version closes the grant of the old one."""
        consent = Consent(person=person, purpose=Purpose(purpose), policy_version=policy_version,
                          granted_at=self._clock())
        return self._write("grant", consent)

    def withdraw(self, person: str, purpose: Union[Purpose, str]) -> WriteResult:
        """Stops collection for ``purpose`` at once; ``NOT_FOUND`` if there was no consent.

        Withdrawing ``personalisation`` also deletes the preferences, which serve no other
        purpose. Needs and feedback already given stay for the aggregates until "forget me".
        """
        return self._write("withdraw", Withdrawal(person=person, purpose=Purpose(purpose),
                                                  at=self._clock()))

    def has_consent(self, person: str, purpose: Union[Purpose, str]) -> bool:
        """Fails closed: False when the database is down or a withdrawal is still spooled."""
        purpose = Purpose(purpose)
        if not self.spool.is_empty():
            self._flush_quietly()
            if self._withdrawal_waiting(_person(person), purpose):
                return False
        try:
            with self.db.transaction() as connection:
                return self._queries.consented(connection, _person(person), purpose)
        except StoreUnavailable:
            return False

    def followup_recipients(self, category: str) -> List[str]:
        """Pseudonyms with a need in ``category`` and a current ``followup`` consent.

        Fails closed like ``has_consent``: a withdrawal or erasure still in the spool excludes
        the person, and a database that is down raises StoreUnavailable (no guessing).
        """
        if category not in SERVICE_AREAS:
            raise ValueError(f"unknown service area {category!r}; use an id from bot.taxonomy")
        self._flush_quietly()
        with self.db.transaction(force=True) as connection:
            people = self._queries.followup_recipients(connection, category)
        if self.spool.is_empty():
            return people
        return [p for p in people if not self._withdrawal_waiting(p, Purpose.FOLLOWUP)]

    def _withdrawal_waiting(self, person: str, purpose: Purpose) -> bool:
        """Whether the spool still holds a withdrawal of ``purpose`` or an erasure for ``person``."""
        return any(entry.op == "forget" or (entry.op == "withdraw"
                                            and entry.data.get("purpose") == purpose.value)
                   for entry in self.spool.about(person))

    def consents(self, person: str) -> List[Consent]:
        """Every grant, current and withdrawn, oldest first."""
        with self.db.transaction() as connection:
            return self._queries.consents(connection, _person(person))

    # -- writes that need consent ------------------------------------------------------------

    def record_need(
        self, person: str, *, category: str, target_group: Optional[str] = None,
        city: Optional[str] = None, district: Optional[str] = None,
        urgency: Optional[str] = None, contact_channel: Optional[str] = None,
        free_text: str = "", matched_service_ids: Sequence[str] = (),
        fit_rating: Optional[str] = None, fit_reason: Optional[str] = None,
        confirmed: bool = False, language: str = "zh-TW", channel: str = "",
    ) -> WriteResult:
        """A need the person described (``insights`` consent); ``id`` is the new need's id."""
        now = self._clock()
        need = NeedRecord(
            person=person, category=category, target_group=target_group, city=city,
            district=district, urgency=_enum(Urgency, urgency),
            contact_channel=_enum(ContactChannel, contact_channel),
            free_text=clean_text(free_text), matched_service_ids=list(matched_service_ids),
            fit_rating=_enum(FitRating, fit_rating), fit_reason=_clean_optional(fit_reason),
            language=language, channel=channel, created_at=now,
            confirmed_at=now if confirmed else None,
        )
        return self._write("need", need)

    def update_need(
        self, person: str, need_id: int, *, fit_rating: Optional[str] = None,
        fit_reason: Optional[str] = None, confirmed: bool = False,
    ) -> WriteResult:
        """The person's verdict on a need's matches, or its confirmation (``insights``)."""
        change = NeedUpdate(
            person=person, need_id=need_id, fit_rating=_enum(FitRating, fit_rating),
            fit_reason=_clean_optional(fit_reason),
            confirmed_at=self._clock() if confirmed else None,
        )
        return self._write("need_update", change)

    def record_feedback(
        self, person: str, text: str, *, kind: str = FeedbackKind.SUGGESTION,
        service_id: Optional[str] = None, language: str = "zh-TW", channel: str = "",
    ) -> WriteResult:
        """A suggestion (the default), complaint or praise (``insights`` consent)."""
        feedback = Feedback(
            person=person, text=clean_text(text), kind=FeedbackKind(kind), service_id=service_id,
            language=language, channel=channel, created_at=self._clock(),
        )
        return self._write("feedback", feedback)

    def record_search(
        self, person: Optional[str], query: str, *, top_ids: Sequence[str] = (),
        top_scores: Sequence[float] = (), answered: bool, language: str = "zh-TW",
        channel: str = "",
    ) -> WriteResult:
        """A search and whether it was answered; ``person=None`` logs it anonymously."""
        created, cleaned = self._clock(), clean_text(query)
        if person is None:
            created = created.replace(minute=0, second=0, microsecond=0)
            cleaned = cleaned[:MAX_ANONYMOUS_QUERY_CHARS]
        event = SearchEvent(
            person=person, query=cleaned, top_ids=list(top_ids),
            top_scores=[float(score) for score in top_scores], answered=answered,
            language=language, channel=channel, created_at=created,
        )
        return self._write("search", event)

    def record_rating(self, person: str, score: int, *, service_id: Optional[str] = None
                      ) -> WriteResult:
        """A 1–5 satisfaction score (``insights`` consent)."""
        rating = SatisfactionRating(person=person, score=score, service_id=service_id,
                                    created_at=self._clock())
        return self._write("rating", rating)

    def set_preference(self, person: str, key: str, value: str) -> WriteResult:
        """Sets one preference, e.g. ``district`` (``personalisation`` consent)."""
        preference = Preference(person=person, key=key, value=clean_text(value)[:500],
                                updated_at=self._clock())
        return self._write("preference", preference)

    def open_handoff(self, person: str, summary: str, *, open_need_id: Optional[int] = None
                     ) -> WriteResult:
        """A request for a human; kept because the person asked for it (no consent needed)."""
        handoff = Handoff(person=person, summary=clean_text(summary), open_need_id=open_need_id,
                          created_at=self._clock())
        return self._write("handoff", handoff)

    # -- reads -------------------------------------------------------------------------------

    def preferences(self, person: str) -> Dict[str, str]:
        """Preferences for re-ranking; empty without ``personalisation`` consent or database."""
        return self.personalisation(person) or {}

    def personalisation(self, person: str) -> Optional[Dict[str, str]]:
        """The preferences, or None without ``personalisation`` consent: what a profile needs,
        with one consent check (it runs on every search)."""
        if not self.has_consent(person, Purpose.PERSONALISATION):
            return None
        with contextlib.suppress(StoreUnavailable), self.db.transaction() as connection:
            return self._queries.preferences(connection, person)
        return {}

    def needs(self, person: str) -> List[NeedRecord]:
        """The person's needs, oldest first."""
        with self.db.transaction() as connection:
            return self._queries.needs(connection, _person(person))

    def summary(self, person: str) -> DataSummary:
        """What "show my data" shows; raises StoreUnavailable when the database is down."""
        person = _person(person)
        with self.db.transaction() as connection:
            person = self._queries.canonical(connection, person)
            consents = self._queries.consents(connection, person)
            preferences = self._queries.preferences(connection, person)
            counts = self._queries.counts(connection, person)
            screens = [channel for _, channel in self._queries.identities(connection, person)]
        return DataSummary(person=person, consents=consents, preferences=preferences,
                           counts=counts, pending=len(self.spool.about(person)),
                           linked_channels=screens)

    def identities(self, person: str) -> List[str]:
        """The person a pseudonym belongs to, then the pseudonyms of their other linked
        screens (just ``[person]`` when not linked); raises StoreUnavailable when down."""
        with self.db.transaction() as connection:
            return self._queries.group(connection, _person(person))

    def record_audit(self, actor: str, action: str, subject: Optional[str],
                     detail: Dict[str, Any]) -> None:
        """One audit row for a staff action outside the store (e.g. follow-up messages sent);
        ``detail`` must hold no free text. Raises StoreUnavailable when the database is down."""
        with self.db.transaction(force=True) as connection:
            self._queries.audit(connection, actor, action, subject, detail, self._clock())

    def audit_log(self, subject: Optional[str] = None, limit: int = 100) -> List[AuditEntry]:
        """The newest audit entries, optionally only those about one pseudonym."""
        with self.db.transaction() as connection:
            return self._queries.audit_log(connection, subject, limit)

    # -- deletion ----------------------------------------------------------------------------

    def forget(self, person: str, actor: str = "citizen") -> int:
        """Deletes every row about ``person`` and returns how many (0 the second time).

        A linked person is deleted whole, through any of their screens: the records, the
        links and link codes of every screen linked to them (bot/insights/links.py).

        The audit row keeps only the pseudonym, the actor and counts. When the database is
        down the person's spooled entries are deleted at once, the request itself is spooled,
        and ``StoreUnavailable(spooled=True)`` tells the caller it completes later.
        """
        person = _person(person)
        self._flush_quietly()
        purged = self.spool.remove_person(person)
        erasure = Erasure(person=person, actor=actor, at=self._clock(), spool_purged=purged)
        if self.spool.is_empty():
            with contextlib.suppress(StoreUnavailable):
                return int(self._apply("forget", erasure, force=False))
        self._spool("forget", erasure)
        raise StoreUnavailable("erasure queued until the database is back", spooled=True)

    def retain(self, days: int, actor: str) -> int:
        """Deletes needs, feedback, search events, ratings and hand-offs older than ``days``,
        and, whatever ``days``, expired link codes and day-old wrong-code attempts."""
        if days < 1:
            raise ValueError("days must be at least 1")
        now = self._clock()
        with self.db.transaction(force=True) as connection:
            return self._queries.retain(connection, now - timedelta(days=days), days, actor, now)

    # -- writing through, or to the spool ------------------------------------------------------

    def flush_spool(self) -> int:
        """Replays spooled writes in order, checking consent as of now; returns how many were
        applied or refused. Stops, keeping the rest, while the database is still down."""
        return self._replay_spool(force=True)

    def spool_pending(self) -> int:
        return len(self.spool.entries())

    def _replay_spool(self, force: bool) -> int:
        def replay(entry: SpoolEntry) -> None:
            record = self._queries.model(entry.op).parse_obj(entry.data)
            if self._apply(entry.op, record, force) == NO_CONSENT:
                log.info("insights: spooled %s not stored: no consent any more", entry.op)

        return self.spool.replay(replay, lambda error: isinstance(error, StoreUnavailable))

    def _flush_quietly(self) -> None:
        if not self.spool.is_empty():
            self._replay_spool(force=False)

    def _apply(self, op: str, record: BaseModel, force: bool) -> Any:
        with self.db.transaction(force, single_statement=op in SINGLE_STATEMENT) as connection:
            return self._queries.apply(connection, op, record)

    def _spool(self, op: str, record: BaseModel) -> WriteResult:
        try:
            self.spool.append(op, json.loads(record.json()))
        except OSError as error:
            log.error("insights: database and spool both unavailable; %s not kept", op)
            raise StoreUnavailable("insights database and spool both unavailable") from error
        return WriteResult(WriteStatus.SPOOLED)

    def _write(self, op: str, record: BaseModel) -> WriteResult:
        self._flush_quietly()
        if self.spool.is_empty():  # otherwise queue behind the waiting entries, in order
            with contextlib.suppress(StoreUnavailable):
                result: WriteResult = self._apply(op, record, force=False)
                return result
        return self._spool(op, record)
