"""The snapshot of frozen weeks (migration 0006): published cells, written once per week and k.

Kept apart from ``bot.insights.schema`` because nothing here is about a person: only cells
that were published (each counts at least ``k`` people, which the database checks too), by
week, with no person id, text or record id. "Forget me" therefore has nothing to delete
here; see docs/insights.md for what that means. ``bot.insights.frozen`` writes and reads it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from bot.insights.schema import NAMING, Id, UTCDateTime

metadata = MetaData(naming_convention=NAMING)

# One row per frozen (week, k): that the week is frozen, even when it published no cell.
frozen_weeks = Table(
    "frozen_weeks",
    metadata,
    Column("week_start", Date(), primary_key=True),  # a Monday (Taipei time)
    Column("k", Integer(), primary_key=True),
    Column("cells", Integer(), nullable=False),
    Column("frozen_at", UTCDateTime(), nullable=False),
    Column("actor", String(128), nullable=False),
)

# The week's published cells of every weekly table (``cube``: needs, searches, satisfaction,
# fit). ``dims`` maps the cube's dimensions to values (null: not given, "*": merged);
# ``total`` is the cube's first sum (records, events or ratings), ``score_sum`` the second.
frozen_cells = Table(
    "frozen_cells",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("week_start", Date(), nullable=False),
    Column("k", Integer(), nullable=False),
    Column("cube", String(16), nullable=False),
    Column("level", Integer(), nullable=False),
    Column("dims", JSON(), nullable=False),
    Column("people", Integer(), nullable=False),
    Column("total", BigInteger(), nullable=False),
    Column("score_sum", BigInteger()),
    ForeignKeyConstraint(["week_start", "k"], ["frozen_weeks.week_start", "frozen_weeks.k"],
                         name="fk_frozen_cells_week_frozen_weeks"),
    CheckConstraint("people >= k", name="at_least_k"),
    Index("ix_frozen_cells_lookup", "k", "cube", "week_start"),
)
