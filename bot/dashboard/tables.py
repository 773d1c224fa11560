"""The dashboard's own tables, in the insights database (migration 0003).

Kept apart from ``bot.insights.schema`` because nothing here is about a citizen: staff
accounts and the "need category addressed" markers the follow-up service reads. The
migration creates exactly these; tests/dashboard/test_tables.py compares the two.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table, Text, UniqueConstraint

from bot.insights.schema import NAMING, Id, UTCDateTime

metadata = MetaData(naming_convention=NAMING)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),  # scrypt$n$r$p$salt$hash, see users.py
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("name"),
)

addressed_categories = Table(
    "addressed_categories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("category", String(64), nullable=False),  # a service area id from bot.taxonomy
    Column("note_zh", Text(), nullable=False),
    Column("note_en", Text(), nullable=False),
    Column("staff", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index(None, "category"),
    Index(None, "at"),
)
