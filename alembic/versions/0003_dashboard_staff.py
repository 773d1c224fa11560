"""Agency dashboard: staff sign-in accounts and "need category addressed" markers.

Both tables are the dashboard's (bot/dashboard/tables.py); neither holds anything about a
citizen, so "forget me" and retention leave them alone. The follow-up service reads
``addressed_categories`` to know what to tell people who opted in.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("name", name="uq_staff_users_name"),
    )
    op.create_table(
        "addressed_categories",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("note_zh", sa.Text(), nullable=False),
        sa.Column("note_en", sa.Text(), nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_addressed_categories"),
    )
    op.create_index("ix_addressed_categories_category", "addressed_categories", ["category"])
    op.create_index("ix_addressed_categories_at", "addressed_categories", ["at"])


def downgrade() -> None:
    op.drop_index("ix_addressed_categories_at", table_name="addressed_categories")
    op.drop_index("ix_addressed_categories_category", table_name="addressed_categories")
    op.drop_table("addressed_categories")
    op.drop_table("staff_users")
