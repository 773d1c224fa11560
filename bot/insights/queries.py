"""Every SQL statement of the insights store, in one class.

``Queries`` runs on a connection the store has opened in a transaction, so each write's
consent check and insert are atomic: a withdrawal committed a moment earlier is seen. The
store decides *whether* to write (directly, or later from the spool); this class decides
*how*. ``apply`` is the single entry point for writes, used both live and on replay.

The writes made for every message (needs, searches, feedback, ratings) are one statement
each, ``INSERT … SELECT … WHERE EXISTS (consent)``, that also resolves the person through
the identity links: one round trip instead of three, and the consent check is part of the
insert itself. Statements are built once and reused, so SQLAlchemy compiles each once.
"""

from __future__ import annotations

import enum
import functools
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, case, delete, exists, func, insert, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from bot.insights import schema as t
from bot.insights import snapshot
from bot.insights.records import (
    AuditEntry,
    Consent,
    Erasure,
    Feedback,
    Handoff,
    NeedRecord,
    NeedUpdate,
    Preference,
    Purpose,
    SatisfactionRating,
    SearchEvent,
    Withdrawal,
    WriteResult,
    WriteStatus,
)

NO_CONSENT = WriteResult(WriteStatus.NO_CONSENT)
NOT_FOUND = WriteResult(WriteStatus.NOT_FOUND)
# Writes that are one statement which resolves the person through the identity links and
# checks consent itself (``consented_insert``): atomic without a surrounding transaction.
SINGLE_STATEMENT = frozenset({"need", "feedback", "search", "rating"})
COUNTED_TABLES = (t.needs, t.feedback, t.search_events, t.satisfaction_ratings, t.handoffs,
                  t.preferences)


def _values(record: BaseModel, *exclude: str) -> Dict[str, Any]:
    """Column values of a record: ``person`` becomes ``person_id``, enums their values.

    Read from the validated fields directly (records hold only flat values), not through
    ``record.dict()``, which copies every value: this runs for every message.
    """
    values = {"person_id" if name == "person" else name: value.value if isinstance(value, enum.Enum)
              else value for name, value in record.__dict__.items() if name not in exclude}
    values.pop("id", None)
    return values


@functools.cache
def plain_insert(table: Table) -> Insert:
    """``INSERT INTO table``, the values given at execution: one statement object per table,
    so its compiled form is cached instead of a new statement (and cache key) per row."""
    return insert(table)


@functools.cache
def consented_insert(table: Table, purpose: Purpose, returning: bool) -> Insert:
    """``INSERT INTO table (…) SELECT owner, :values WHERE EXISTS (current consent)``.

    ``owner`` is the person ``:person_id`` is linked to (bot/insights/links.py), else
    ``:person_id`` itself, so the row lands on the one person and is checked against that
    person's consent in the same statement. No row is inserted without consent.
    """
    link, consent = t.identity_links.c, t.consents.c
    person = bindparam("person_id", type_=table.c.person_id.type)
    linked = select(link.person_id).where(link.identity_id == person).scalar_subquery()
    owner = select(func.coalesce(linked, person).label("person_id")).subquery("owner")
    consented = exists().where(consent.person_id == owner.c.person_id,
                               consent.purpose == purpose.value, consent.withdrawn_at.is_(None))
    columns = [column for column in table.c if column.name not in ("id", "person_id")]
    values = select(owner.c.person_id, *(bindparam(c.name, type_=c.type) for c in columns))
    statement = insert(table).from_select(["person_id", *(c.name for c in columns)],
                                          values.where(consented))
    return statement.returning(table.c.id) if returning else statement


class Queries:
    """Stateless; one instance is shared by a store."""

    def __init__(self) -> None:
        self._writes: Dict[str, Tuple[Type[BaseModel], Callable[[Connection, Any], Any]]] = {
            "grant": (Consent, self.grant),
            "withdraw": (Withdrawal, self.withdraw),
            "need": (NeedRecord, lambda c, r: self.insert_consented(c, t.needs, r)),
            "need_update": (NeedUpdate, self.update_need),
            "feedback": (Feedback, lambda c, r: self.insert_consented(c, t.feedback, r)),
            "search": (SearchEvent, lambda c, r: self.insert_consented(c, t.search_events, r)),
            "rating": (SatisfactionRating,
                       lambda c, r: self.insert_consented(c, t.satisfaction_ratings, r)),
            "preference": (Preference, self.set_preference),
            "handoff": (Handoff, self.open_handoff),
            "forget": (Erasure, self.forget),
        }

    def model(self, op: str) -> Type[BaseModel]:
        """The record type an operation takes, to parse it back from the spool."""
        return self._writes[op][0]

    def apply(self, connection: Connection, op: str, record: BaseModel) -> Any:
        """Runs a write for the person a screen is linked to (bot/insights/links.py), so a
        write spooled or queued before a link, or made while links could not be read, still
        lands on the one person. The inserts of ``SINGLE_STATEMENT`` resolve it themselves."""
        person = getattr(record, "person", None)
        if person is not None and op not in SINGLE_STATEMENT:
            canonical = self.canonical(connection, person)
            if canonical != person:
                record = record.copy(update={"person": canonical})
        return self._writes[op][1](connection, record)

    # -- identity links ----------------------------------------------------------------------

    def canonical(self, connection: Connection, identity: str) -> str:
        """The person a screen's pseudonym is linked to; the pseudonym itself when unlinked."""
        links = t.identity_links.c
        row = connection.execute(select(links.person_id).where(links.identity_id == identity)).first()
        return str(row.person_id) if row else identity

    def identities(self, connection: Connection, person: str) -> List[Tuple[str, str]]:
        """(pseudonym, channel) of every screen linked to ``person``, in the order they were
        linked (the person's own screen first); empty when the person has no linked screens."""
        links = t.identity_links.c
        own_first = case((links.identity_id == links.person_id, 0), else_=1)
        query = (select(links.identity_id, links.channel).where(links.person_id == person)
                 .order_by(links.linked_at, own_first, links.identity_id))
        return [(row.identity_id, row.channel) for row in connection.execute(query)]

    def group(self, connection: Connection, person: str) -> List[str]:
        """The person (resolved first) and the pseudonyms of all their linked screens."""
        canonical = self.canonical(connection, person)
        others = [identity for identity, _ in self.identities(connection, canonical) if identity != canonical]
        return [canonical, *others]

    # -- consent -----------------------------------------------------------------------------

    def consented(self, connection: Connection, person: str, purpose: Purpose) -> bool:
        c = t.consents.c
        query = select(c.id).where(
            c.person_id == person, c.purpose == purpose.value, c.withdrawn_at.is_(None)
        )
        return connection.execute(query.limit(1)).first() is not None

    def consents(self, connection: Connection, person: str) -> List[Consent]:
        query = select(t.consents).where(t.consents.c.person_id == person)
        rows = connection.execute(query.order_by(t.consents.c.id)).mappings().all()
        return [Consent(person=row["person_id"], **row) for row in rows]

    def grant(self, connection: Connection, consent: Consent) -> WriteResult:
        c = t.consents.c
        self.ensure_person(connection, consent.person, consent.granted_at)
        active = connection.execute(
            select(c.id, c.policy_version).where(
                c.person_id == consent.person,
                c.purpose == consent.purpose.value,
                c.withdrawn_at.is_(None),
            )
        ).all()
        for row in active:
            if row.policy_version == consent.policy_version:
                return WriteResult(WriteStatus.STORED, row.id)  # already granted
        if active:  # a new policy version replaces consent to the old one
            closing = update(t.consents).where(c.id.in_([row.id for row in active]))
            connection.execute(closing.values(withdrawn_at=consent.granted_at))
        result = self._insert(connection, t.consents, consent)
        detail = {"purpose": consent.purpose.value, "policy_version": consent.policy_version}
        self.audit(connection, "citizen", "consent.grant", consent.person, detail,
                   consent.granted_at)
        return result

    def withdraw(self, connection: Connection, withdrawal: Withdrawal) -> WriteResult:
        c = t.consents.c
        closed = connection.execute(
            update(t.consents)
            .where(c.person_id == withdrawal.person, c.purpose == withdrawal.purpose.value,
                   c.withdrawn_at.is_(None))
            .values(withdrawn_at=withdrawal.at)
        ).rowcount
        if not closed:
            return NOT_FOUND
        dropped = 0
        if withdrawal.purpose is Purpose.PERSONALISATION:  # preferences serve nothing else
            dropped = connection.execute(
                delete(t.preferences).where(t.preferences.c.person_id == withdrawal.person)
            ).rowcount
        detail = {"purpose": withdrawal.purpose.value, "preferences_deleted": dropped}
        self.audit(connection, "citizen", "consent.withdraw", withdrawal.person, detail,
                   withdrawal.at)
        return WriteResult(WriteStatus.STORED)

    # -- records -----------------------------------------------------------------------------

    def insert_consented(self, connection: Connection, table: Table, record: BaseModel
                         ) -> WriteResult:
        """Inserts an insights record if its person (when there is one), resolved through the
        identity links, has consented: one statement (see ``consented_insert``)."""
        if getattr(record, "person", None) is None:  # an anonymous search: no person, no consent
            return self._insert(connection, table, record)
        returning = bool(getattr(connection.dialect, "full_returning", False))
        result = connection.execute(consented_insert(table, Purpose.INSIGHTS, returning),
                                    _values(record))
        if returning:
            row = result.first()
            return NO_CONSENT if row is None else WriteResult(WriteStatus.STORED, row[0])
        if result.rowcount < 1:  # SQLite (no RETURNING in SQLAlchemy 1.4): the rowid inserted
            return NO_CONSENT
        return WriteResult(WriteStatus.STORED, result.lastrowid)

    def update_need(self, connection: Connection, change: NeedUpdate) -> WriteResult:
        values = {k: v for k, v in _values(change, "need_id").items() if v is not None}
        values.pop("person_id")
        if not self.consented(connection, change.person, Purpose.INSIGHTS):
            return NO_CONSENT
        if not values:
            return NOT_FOUND
        updated = connection.execute(
            update(t.needs)
            .where(t.needs.c.id == change.need_id, t.needs.c.person_id == change.person)
            .values(**values)
        ).rowcount
        return WriteResult(WriteStatus.STORED, change.need_id) if updated else NOT_FOUND

    def set_preference(self, connection: Connection, preference: Preference) -> WriteResult:
        p = t.preferences.c
        if not self.consented(connection, preference.person, Purpose.PERSONALISATION):
            return NO_CONSENT
        connection.execute(
            delete(t.preferences).where(p.person_id == preference.person,
                                        p.key == preference.key)
        )
        return self._insert(connection, t.preferences, preference)

    def open_handoff(self, connection: Connection, handoff: Handoff) -> WriteResult:
        self.ensure_person(connection, handoff.person, handoff.created_at)
        if handoff.open_need_id is not None:
            mine = select(t.needs.c.id).where(
                t.needs.c.id == handoff.open_need_id, t.needs.c.person_id == handoff.person
            )
            if connection.execute(mine).first() is None:  # gone, or another person's
                handoff = handoff.copy(update={"open_need_id": None})
        return self._insert(connection, t.handoffs, handoff)

    # -- reads -------------------------------------------------------------------------------

    def preferences(self, connection: Connection, person: str) -> Dict[str, str]:
        p = t.preferences.c
        rows = connection.execute(select(p.key, p.value).where(p.person_id == person)).all()
        return {row.key: row.value for row in rows}

    def needs(self, connection: Connection, person: str) -> List[NeedRecord]:
        query = select(t.needs).where(t.needs.c.person_id == person).order_by(t.needs.c.id)
        rows = connection.execute(query).mappings().all()
        return [NeedRecord(person=row["person_id"], **row) for row in rows]

    def followup_recipients(self, connection: Connection, category: str) -> List[str]:
        """People with a need in ``category`` and a current ``followup`` consent, each once."""
        n, c = t.needs.c, t.consents.c
        consented = select(c.person_id).where(c.purpose == Purpose.FOLLOWUP.value,
                                              c.withdrawn_at.is_(None))
        query = (select(n.person_id).where(n.category == category, n.person_id.in_(consented))
                 .distinct().order_by(n.person_id))
        return [row.person_id for row in connection.execute(query)]

    def counts(self, connection: Connection, person: str) -> Dict[str, int]:
        """Rows per kind of record about ``person`` (consents and the person row left out)."""
        return {
            table.name: connection.execute(
                select(func.count()).select_from(table).where(table.c.person_id == person)
            ).scalar_one()
            for table in COUNTED_TABLES
        }

    def table_counts(self, connection: Connection) -> Dict[str, int]:
        """Rows per table, frozen-week snapshot included, for ``coserve insights stats``."""
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in [*t.metadata.sorted_tables, *snapshot.metadata.sorted_tables]
        }

    def audit_log(self, connection: Connection, subject: Optional[str], limit: int
                  ) -> List[AuditEntry]:
        query = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(t.audit_log.c.subject == subject)
        return [AuditEntry(**row) for row in connection.execute(query).mappings().all()]

    # -- deletion ----------------------------------------------------------------------------

    def forget(self, connection: Connection, erasure: Erasure) -> int:
        """Deletes the person's rows, and those of every screen linked to them, links included."""
        group = self.group(connection, erasure.person)
        deleted = {}
        for table in t.PERSONAL_TABLES:  # children first
            deleted[table.name] = connection.execute(
                delete(table).where(t.person_column(table).in_(group))
            ).rowcount
        total = sum(deleted.values())
        detail = {"deleted": total, "by_table": {k: v for k, v in deleted.items() if v},
                  "spool_purged": erasure.spool_purged}
        self.audit(connection, erasure.actor, "forget", erasure.person, detail, erasure.at)
        return total

    def retain(self, connection: Connection, cutoff: datetime, days: int, actor: str,
               at: datetime) -> int:
        deleted = {
            table.name: connection.execute(delete(table).where(table.c.created_at < cutoff)).rowcount
            for table in t.EVENT_TABLES  # hand-offs before the needs they point to
        }
        deleted.update(self.prune_links(connection, at))
        total = sum(deleted.values())
        detail = {"days": days, "deleted": total, "by_table": deleted}
        self.audit(connection, actor, "retain", None, detail, at)
        return total

    def prune_links(self, connection: Connection, now: datetime) -> Dict[str, int]:
        """Link codes lose their need draft once expired and go a day later (so a late try can
        still be told "expired"); wrong-code attempts go after a day. Run by retention and
        whenever a code is issued or tried."""
        codes, attempts = t.link_codes, t.link_attempts
        connection.execute(update(codes).where(codes.c.expires_at < now, codes.c.need_draft.isnot(None))
                           .values(need_draft=null()))
        day_ago = now - timedelta(days=1)
        return {
            codes.name: connection.execute(delete(codes).where(codes.c.expires_at < day_ago)).rowcount,
            attempts.name: connection.execute(delete(attempts).where(attempts.c.created_at < day_ago)).rowcount,
        }

    def audit(self, connection: Connection, actor: str, action: str, subject: Optional[str],
              detail: Dict[str, Any], at: datetime) -> None:
        entry = AuditEntry(actor=actor, action=action, subject=subject, detail=detail, at=at)
        connection.execute(insert(t.audit_log).values(**entry.dict(exclude={"id"})))

    # -- helpers -----------------------------------------------------------------------------

    def _insert(self, connection: Connection, table: Table, record: BaseModel) -> WriteResult:
        key = connection.execute(plain_insert(table), _values(record)).inserted_primary_key
        return WriteResult(WriteStatus.STORED, key[0] if key and len(key) == 1 else None)

    def ensure_person(self, connection: Connection, person: str, at: datetime) -> None:
        dialect = {"sqlite": sqlite, "postgresql": postgresql}[connection.dialect.name]
        statement = dialect.insert(t.persons).values(id=person, first_seen=at)
        connection.execute(statement.on_conflict_do_nothing())
