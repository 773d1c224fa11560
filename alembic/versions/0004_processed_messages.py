"""Processed broker messages: the insights consumer's idempotency keys and need tickets.

The consumer (bot/insights/consumer.py) claims a message's id here in the same transaction
as the write it carries, so a message delivered twice is applied once; ``ref``/``result_id``
map a need's ticket, given out before the need reached the database, to its id. No person
id: nothing here is personal data.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_messages",
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(32), nullable=False),
        sa.Column("ref", sa.BigInteger()),
        sa.Column("result_id", sa.BigInteger()),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_processed_messages"),
    )
    op.create_index("ix_processed_messages_ref", "processed_messages", ["ref"])
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_table("processed_messages")
