"""Covering indexes for the weekly insights grid (bot/insights/aggregate.py).

A year's dashboard reads a million needs and searches but only these columns; with them
in one index SQLite (and PostgreSQL, after VACUUM) answers from the index alone instead
of reading whole rows with their free text and JSON, about 2.5 times faster.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEEDS = ["created_at", "category", "target_group", "city", "district", "channel", "person_id"]
SEARCHES = ["created_at", "answered", "language", "channel", "person_id", "id"]


def upgrade() -> None:
    op.create_index("ix_needs_weekly_grid", "needs", NEEDS)
    op.create_index("ix_search_events_weekly_grid", "search_events", SEARCHES)


def downgrade() -> None:
    op.drop_index("ix_search_events_weekly_grid", table_name="search_events")
    op.drop_index("ix_needs_weekly_grid", table_name="needs")
