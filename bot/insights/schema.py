"""The insights database schema, as SQLAlchemy Core tables.

Core rather than ORM: the store issues a handful of explicit statements (insert, count,
delete by person or by age), and plain tables keep every one of them visible in
``store.py``. The Alembic migrations create exactly these tables; a test compares the two.

Every table that holds something about a person has a ``person_id`` column (a pseudonym) so
that "forget me" is one delete per table. The audit log has no foreign key to ``persons``
on purpose: its rows must outlive the person they record the deletion of.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BIGINT identity on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")
PERSON_ID_LENGTH = 32


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and returns aware UTC, so SQLite and PostgreSQL compare the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _person(nullable: bool = False) -> Column:
    return Column(
        "person_id",
        String(PERSON_ID_LENGTH),
        ForeignKey("persons.id"),
        nullable=nullable,
        index=True,
    )


persons = Table(
    "persons",
    metadata,
    Column("id", String(PERSON_ID_LENGTH), primary_key=True),
    Column("first_seen", UTCDateTime(), nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(),
    Column("purpose", String(32), nullable=False),
    Column("policy_version", String(32), nullable=False),
    Column("granted_at", UTCDateTime(), nullable=False),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
)

needs = Table(
    "needs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(),
    Column("category", String(64), nullable=False),
    Column("target_group", String(64)),
    Column("city", String(64)),
    Column("district", String(64)),
    Column("urgency", String(16)),
    Column("contact_channel", String(16)),
    Column("free_text", Text(), nullable=False),
    Column("matched_service_ids", JSON(), nullable=False),
    Column("fit_rating", String(16)),
    Column("fit_reason", Text()),
    Column("language", String(8), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    Column("confirmed_at", UTCDateTime()),
)

preferences = Table(
    "preferences",
    metadata,
    Column("person_id", String(PERSON_ID_LENGTH), ForeignKey("persons.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", Text(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(),
    Column("text", Text(), nullable=False),
    Column("service_id", String(128)),
    Column("kind", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)

search_events = Table(
    "search_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(nullable=True),
    Column("query", Text(), nullable=False),
    Column("top_ids", JSON(), nullable=False),
    Column("top_scores", JSON(), nullable=False),
    Column("answered", Boolean(), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)

satisfaction_ratings = Table(
    "satisfaction_ratings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(),
    Column("service_id", String(128)),
    Column("score", Integer(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _person(),
    Column("summary", Text(), nullable=False),
    Column("open_need_id", Id, ForeignKey("needs.id", ondelete="SET NULL")),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(PERSON_ID_LENGTH)),
    Column("detail", JSON(), nullable=False),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Index(None, "subject"),
)

# "One person, many screens" (bot/insights/links.py). A screen's own pseudonym (its
# identity) points to the person whose records it shares; the person's own screen has a row
# too, so every screen's channel is known. Codes are kept as an HMAC, never the digits.
identity_links = Table(
    "identity_links",
    metadata,
    Column("identity_id", String(PERSON_ID_LENGTH), primary_key=True),
    _person(),
    Column("channel", String(32), nullable=False),
    Column("linked_at", UTCDateTime(), nullable=False),
)

link_codes = Table(
    "link_codes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, index=True),
    Column("person_id", String(PERSON_ID_LENGTH), nullable=False, index=True),
    Column("issuer_id", String(PERSON_ID_LENGTH), nullable=False),
    Column("issuer_channel", String(32), nullable=False),
    Column("need_draft", JSON(none_as_null=True)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("used_at", UTCDateTime()),
)

# Wrong codes typed, per screen (its own pseudonym), so codes cannot be guessed.
link_attempts = Table(
    "link_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("identity_id", String(PERSON_ID_LENGTH), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)

# Covering indexes for the weekly insights grid (migration 0002, bot/insights/aggregate.py):
# the dashboard's year of needs and searches is read from these alone.
Index("ix_needs_weekly_grid", needs.c.created_at, needs.c.category, needs.c.target_group,
      needs.c.city, needs.c.district, needs.c.channel, needs.c.person_id)
Index("ix_search_events_weekly_grid", search_events.c.created_at, search_events.c.answered,
      search_events.c.language, search_events.c.channel, search_events.c.person_id,
      search_events.c.id)

# Children before parents: the order in which "forget" deletes a person's rows.
PERSONAL_TABLES = (
    link_attempts,
    link_codes,
    identity_links,
    handoffs,
    satisfaction_ratings,
    search_events,
    feedback,
    preferences,
    needs,
    consents,
    persons,
)
# What retention removes after N days: records of events, not consents or preferences.
EVENT_TABLES = (handoffs, satisfaction_ratings, search_events, feedback, needs)
# What retention also clears, whatever the age asked for: link codes past their expiry (they
# may hold a need draft) and wrong-code attempts older than a day.
LINK_TABLES = (link_codes, link_attempts)


def person_column(table: Table) -> Column:
    """The column naming whose row it is: a person, or (link attempts) a screen's identity."""
    if table is persons:
        return table.c.id
    if table is link_attempts:
        return table.c.identity_id
    return table.c.person_id
