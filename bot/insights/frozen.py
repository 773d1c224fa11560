"""Frozen weeks: once a week is over (and a grace period has passed), its published cells
are written once and read from then on, so later changes to its records no longer show.

Why: every published number is a cell of the fixed weekly grid (``aggregate.py``), computed
from that week's records. Those records still change after the week: a late spool flush
adds some, "forget me" and retention delete some. Two exports of the same week taken before
and after would then differ by exactly the people who changed, a handful, below ``k``.
Freezing closes that. ``after_days`` days after a week ends (Sunday midnight, Taipei time:
the grace for spool flushes and queued broker messages), the week is *due*; freezing writes
its published cells of every weekly table to the snapshot (``snapshot.py``) once, and
exports, the dashboard and its charts then read that week from there. Weeks not yet frozen
are computed from the records, as before.

* Once per (week, k), idempotent: the week's ``frozen_weeks`` row is the claim, so two
  processes freezing the same week leave one snapshot and the later one writes nothing.
* Only what was published: cells of at least ``k`` people (the database checks it too),
  without person ids. What "forget me" means for them is in docs/insights.md.
* ``coserve insights freeze`` freezes every due week (run it daily, e.g. from cron);
  ``published`` also freezes the due weeks of the period asked for, so what staff saw of a
  due week is what it stays. Every freeze is audited (``insights.freeze``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.insights import schema as t
from bot.insights.aggregate import (
    CUBES,
    LOCAL,
    TABLES,
    Aggregates,
    Period,
    assemble,
    compute,
    iso_week,
    sort_rows,
)
from bot.insights.database import is_read_only
from bot.insights.queries import Queries
from bot.insights.snapshot import frozen_cells, frozen_weeks

DEFAULT_AFTER_DAYS = 7
FREEZE = "insights.freeze"  # the audit action
Row = Dict[str, Any]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Freezing:
    """Who freezes, when, and the grace: a week is due ``after_days`` days after it ends."""

    after_days: int
    now: datetime  # aware
    actor: str

    @classmethod
    def on(cls, today: date, after_days: int, actor: str) -> Freezing:
        """As of noon, Taipei time, of ``today`` (commands' and tests' fixed dates)."""
        return cls(after_days, datetime.combine(today, time(12), LOCAL), actor)

    @property
    def today(self) -> date:
        return self.now.astimezone(LOCAL).date()

    def due(self, week: date) -> bool:
        """Whether the week starting on Monday ``week`` may be frozen now."""
        return week + timedelta(days=7 + self.after_days) <= self.today

    @property
    def last_due(self) -> date:
        """The Monday of the latest due week."""
        day = self.today - timedelta(days=7 + self.after_days)
        return day - timedelta(days=day.weekday())


def frozen(connection: Connection, k: int, first: date, last: date) -> Set[date]:
    """Mondays of the weeks from ``first`` to ``last`` that are frozen at ``k``."""
    w = frozen_weeks.c
    query = select(w.week_start).where(w.k == k, w.week_start >= first, w.week_start <= last)
    return {row.week_start for row in connection.execute(query)}


def runs(weeks: Sequence[date]) -> List[Period]:
    """Consecutive weeks as periods, so each run is read from the records in one query."""
    found: List[Period] = []
    for week in sorted(weeks):
        if found and found[-1].end + timedelta(days=1) == week:
            previous = found[-1]
            found[-1] = Period(previous.start, week + timedelta(days=6), previous.start,
                               week + timedelta(days=6))
        else:
            found.append(Period(week, week + timedelta(days=6), week, week + timedelta(days=6)))
    return found


def _cell(name: str, k: int, row: Row) -> Row:
    cube = CUBES[name]
    return {"week_start": row["week_start"], "k": k, "cube": name, "level": row["level"],
            "dims": {dim: row[dim] for dim in cube.dims}, "people": row["people"],
            "total": row[cube.sums[0]],
            "score_sum": row[cube.sums[1]] if len(cube.sums) > 1 else None}


def _row(name: str, cell: Any) -> Row:
    """A snapshot cell as the published row ``aggregate.suppress`` made of it."""
    cube, week = CUBES[name], cell.week_start
    row: Row = {"week_start": week, "iso_week": iso_week(week), **cell.dims,
                "people": cell.people, cube.sums[0]: cell.total}
    if len(cube.sums) > 1:
        row[cube.sums[1]] = cell.score_sum
    row["level"] = cell.level
    return row


def _claim(connection: Connection, week: date, k: int, cells: int, freezing: Freezing) -> bool:
    """Inserts the week's ``frozen_weeks`` row unless it is there: whether this call froze it."""
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[connection.dialect.name]
    statement = dialect.insert(frozen_weeks).values(
        week_start=week, k=k, cells=cells, frozen_at=freezing.now, actor=freezing.actor)
    return bool(connection.execute(statement.on_conflict_do_nothing()).rowcount)


def freeze(connection: Connection, weeks: Sequence[date], k: int, freezing: Freezing
           ) -> Dict[date, int]:
    """Writes the snapshot of each of ``weeks`` that is due and not yet frozen at ``k``;
    returns the number of cells of each week frozen by this call (weeks already frozen, and
    weeks not due, are left alone). Run it in one transaction: a week is frozen whole."""
    weeks = [week for week in weeks if freezing.due(week)]
    if not weeks:
        return {}
    todo = sorted(set(weeks) - frozen(connection, k, min(weeks), max(weeks)))
    written: Dict[date, int] = {}
    for period in runs(todo):
        cells: Dict[date, List[Row]] = defaultdict(list)
        for name, rows in compute(connection, period, k).items():
            for row in rows:
                cells[row["week_start"]].append(_cell(name, k, row))
        for week in period.weeks():
            if _claim(connection, week, k, len(cells[week]), freezing):
                if cells[week]:
                    connection.execute(insert(frozen_cells), cells[week])
                written[week] = len(cells[week])
    return written


def due_weeks(connection: Connection, k: int, freezing: Freezing) -> List[date]:
    """Due weeks not yet frozen at ``k``, from the week of the oldest record kept."""
    oldest = [connection.execute(select(func.min(table.c.created_at))).scalar()
              for table in (t.needs, t.search_events, t.satisfaction_ratings)]
    known = [moment.astimezone(LOCAL).date() for moment in oldest if moment is not None]
    if not known:
        return []
    first = min(known) - timedelta(days=min(known).weekday())
    last = freezing.last_due
    if last < first:
        return []
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    done = frozen(connection, k, first, last)
    return [week for week in weeks if week not in done]


def audit_detail(k: int, written: Dict[date, int], freezing: Freezing, on_demand: bool
                 ) -> Dict[str, Any]:
    """What an ``insights.freeze`` audit row says: weeks, cells, k; nothing about anyone."""
    weeks = sorted(written)
    return {"k": k, "weeks": len(weeks), "cells": sum(written.values()),
            "first": iso_week(weeks[0]) if weeks else None,
            "last": iso_week(weeks[-1]) if weeks else None,
            "after_days": freezing.after_days, "on_demand": on_demand}


def read(connection: Connection, period: Period, k: int, tables: Sequence[str]
         ) -> Dict[str, List[Row]]:
    """The snapshot rows of ``tables`` for the frozen weeks of ``period``."""
    c = frozen_cells.c
    query = (select(c.week_start, c.cube, c.level, c.dims, c.people, c.total, c.score_sum)
             .where(c.k == k, c.cube.in_(list(tables)), c.week_start >= period.start,
                    c.week_start <= period.end))
    rows: Dict[str, List[Row]] = {name: [] for name in tables}
    for cell in connection.execute(query):
        rows[cell.cube].append(_row(cell.cube, cell))
    return rows


def _freeze_if_writable(connection: Connection, weeks: Sequence[date], k: int,
                        freezing: Freezing) -> None:
    """Freezes (and audits) the due weeks in a savepoint. A database this process may only
    read (a standby, a read-only file) still shows its reports: the due weeks are computed
    from the records, as before freezing, and ``coserve insights freeze`` on the primary
    freezes them."""
    try:
        with connection.begin_nested():
            written = freeze(connection, weeks, k, freezing)
            if written:
                Queries().audit(connection, freezing.actor, FREEZE, None,
                                audit_detail(k, written, freezing, on_demand=True), freezing.now)
    except DBAPIError as error:
        if not is_read_only(error):
            raise
        log.warning("insights: read-only database, due weeks not frozen (%s)", type(error.orig).__name__)


def published(connection: Connection, period: Period, k: int, tables: Sequence[str] = TABLES,
              freezing: Optional[Freezing] = None) -> Aggregates:
    """The published rows of ``period``: frozen weeks from the snapshot, the others computed
    from the records. With ``freezing``, the period's due weeks are frozen first (audited)
    where the database can be written."""
    if period.empty:
        return assemble(period, k, {name: [] for name in tables})
    weeks = period.weeks()
    if freezing is not None:
        _freeze_if_writable(connection, weeks, k, freezing)
    done = frozen(connection, k, weeks[0], weeks[-1])
    rows = read(connection, period, k, tables) if done else {name: [] for name in tables}
    for run in runs([week for week in weeks if week not in done]):
        for name, found in compute(connection, run, k, tables).items():
            rows[name].extend(found)
    for name in tables:
        sort_rows(rows[name], CUBES[name])
    result = assemble(period, k, rows)
    result.frozen = sorted(done)
    return result
