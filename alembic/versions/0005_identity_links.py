"""One person, many screens: identity links, one-time link codes and wrong-code attempts.

``identity_links`` points a screen's pseudonym (LINE, Telegram, web…) at the person whose
records it shares; ``link_codes`` holds the six-digit codes as an HMAC, with an optional
redacted need draft to carry over; ``link_attempts`` counts wrong codes per screen, so codes
cannot be guessed. All three are personal data: "forget me" deletes them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PERSON = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "identity_links",
        sa.Column("identity_id", PERSON, nullable=False),
        sa.Column("person_id", PERSON, sa.ForeignKey("persons.id", name="fk_identity_links_person_id_persons"),
                  nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("identity_id", name="pk_identity_links"),
    )
    op.create_index("ix_identity_links_person_id", "identity_links", ["person_id"])
    op.create_table(
        "link_codes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("person_id", PERSON, nullable=False),
        sa.Column("issuer_id", PERSON, nullable=False),
        sa.Column("issuer_channel", sa.String(32), nullable=False),
        sa.Column("need_draft", sa.JSON()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_link_codes"),
    )
    op.create_index("ix_link_codes_code_hash", "link_codes", ["code_hash"])
    op.create_index("ix_link_codes_person_id", "link_codes", ["person_id"])
    op.create_index("ix_link_codes_expires_at", "link_codes", ["expires_at"])
    op.create_table(
        "link_attempts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("identity_id", PERSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_attempts"),
    )
    op.create_index("ix_link_attempts_identity_id", "link_attempts", ["identity_id"])
    op.create_index("ix_link_attempts_created_at", "link_attempts", ["created_at"])


def downgrade() -> None:
    op.drop_table("link_attempts")
    op.drop_table("link_codes")
    op.drop_table("identity_links")
