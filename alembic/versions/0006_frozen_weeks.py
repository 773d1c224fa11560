"""Frozen weeks: the published cells of whole past weeks, written once (bot/insights/frozen.py).

Exports and the dashboard read a frozen week from here instead of recomputing it, so a late
spool flush, a "forget me" or retention no longer changes a week already published. Only
cells of at least k people (checked by the database), no person id: anonymous aggregates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "frozen_weeks",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("week_start", "k", name="pk_frozen_weeks"),
    )
    op.create_table(
        "frozen_cells",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("cube", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("dims", sa.JSON(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("score_sum", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_frozen_cells"),
        sa.ForeignKeyConstraint(["week_start", "k"], ["frozen_weeks.week_start", "frozen_weeks.k"],
                                name="fk_frozen_cells_week_frozen_weeks"),
        sa.CheckConstraint("people >= k", name="ck_frozen_cells_at_least_k"),
    )
    op.create_index("ix_frozen_cells_lookup", "frozen_cells", ["k", "cube", "week_start"])


def downgrade() -> None:
    op.drop_table("frozen_cells")
    op.drop_table("frozen_weeks")
