"""Initial insights schema: persons, consents, needs, preferences, feedback, search events,
satisfaction ratings, hand-offs and the audit log.

Written out by hand rather than imported from bot.insights.schema, so that later changes to
the schema need a migration of their own; tests/insights/test_migrations.py checks that the
two agree.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PERSON = sa.String(32)


def _id() -> sa.Column:
    return sa.Column("id", ID, primary_key=True, autoincrement=True)


def _person(table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        "person_id",
        PERSON,
        sa.ForeignKey("persons.id", name=f"fk_{table}_person_id_persons"),
        nullable=nullable,
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{columns[0]}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", PERSON, nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_persons"),
    )
    op.create_table(
        "consents",
        _id(),
        _person("consents"),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(32), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    _index("consents", "person_id")
    op.create_table(
        "needs",
        _id(),
        _person("needs"),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("target_group", sa.String(64)),
        sa.Column("city", sa.String(64)),
        sa.Column("district", sa.String(64)),
        sa.Column("urgency", sa.String(16)),
        sa.Column("contact_channel", sa.String(16)),
        sa.Column("free_text", sa.Text(), nullable=False),
        sa.Column("matched_service_ids", sa.JSON(), nullable=False),
        sa.Column("fit_rating", sa.String(16)),
        sa.Column("fit_reason", sa.Text()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_needs"),
    )
    _index("needs", "person_id")
    _index("needs", "created_at")
    op.create_table(
        "preferences",
        sa.Column(
            "person_id",
            PERSON,
            sa.ForeignKey("persons.id", name="fk_preferences_person_id_persons"),
            nullable=False,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "key", name="pk_preferences"),
    )
    op.create_table(
        "feedback",
        _id(),
        _person("feedback"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("service_id", sa.String(128)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    _index("feedback", "person_id")
    _index("feedback", "created_at")
    op.create_table(
        "search_events",
        _id(),
        _person("search_events", nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("top_ids", sa.JSON(), nullable=False),
        sa.Column("top_scores", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_events"),
    )
    _index("search_events", "person_id")
    _index("search_events", "created_at")
    op.create_table(
        "satisfaction_ratings",
        _id(),
        _person("satisfaction_ratings"),
        sa.Column("service_id", sa.String(128)),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_satisfaction_ratings"),
        sa.CheckConstraint(
            "score BETWEEN 1 AND 5", name="ck_satisfaction_ratings_score_range"
        ),
    )
    _index("satisfaction_ratings", "person_id")
    _index("satisfaction_ratings", "created_at")
    op.create_table(
        "handoffs",
        _id(),
        _person("handoffs"),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "open_need_id",
            ID,
            sa.ForeignKey("needs.id", name="fk_handoffs_open_need_id_needs", ondelete="SET NULL"),
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
    )
    _index("handoffs", "person_id")
    _index("handoffs", "created_at")
    op.create_table(
        "audit_log",
        _id(),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", PERSON),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    _index("audit_log", "at")
    _index("audit_log", "subject")


def downgrade() -> None:
    for table in (
        "audit_log",
        "handoffs",
        "satisfaction_ratings",
        "search_events",
        "feedback",
        "preferences",
        "needs",
        "consents",
        "persons",
    ):
        op.drop_table(table)
