"""Weekly aggregates of needs, searches, ratings and fit, with small cells suppressed.

Why a fixed weekly grid: every number we publish is a cell of one grid of whole ISO weeks
(Monday–Sunday, Taipei time) computed from that week's records alone, and then suppressed
or merged by a rule that looks at that week's grid only. An export for any period or area
is a *selection of rows* of that grid, never a recomputation, so two overlapping exports
share identical rows and subtracting one from the other yields only published cells.
Totals are never published from raw data; charts sum published cells ("人次").

Suppression: a cell describing fewer than ``k`` distinct people is not published; its
records move up to a coarser cell (``"*"`` in the dimension rolled up, in a fixed order)
that gathers only other suppressed records, and that cell is published if it reaches ``k``.
What is still below ``k`` at the coarsest level is dropped. See docs/insights.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Connection

from bot.taxonomy import TAIPEI_DISTRICTS

LOCAL = timezone(timedelta(hours=8), "Asia/Taipei")  # Taiwan has no daylight saving time
LOCAL_OFFSET_SECONDS = 8 * 3600
EPOCH = date(1970, 1, 1)
MERGED = "*"  # a dimension rolled up into "other"
FIT_PROBLEMS = ("partly", "not_at_all")


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks (Monday to Sunday, local time) covering what was asked for.

    The week that has not ended yet is left out: its cells would change as people keep
    writing, and two exports of it taken a day apart could be subtracted.
    """

    requested_from: date
    requested_to: date
    start: date  # a Monday
    end: date  # a Sunday, or start - 1 day when no complete week is covered

    @classmethod
    def covering(cls, first: date, last: date, today: Optional[date] = None) -> Period:
        if first > last:
            raise ValueError(f"--from {first} is after --to {last}")
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        today = today or datetime.now(LOCAL).date()
        last_complete_sunday = today - timedelta(days=today.weekday() + 1)
        end = max(min(end, last_complete_sunday), start - timedelta(days=1))
        return cls(first, last, start, end)

    @property
    def empty(self) -> bool:
        return self.end < self.start

    @property
    def widened(self) -> bool:
        return (self.start, self.end) != (self.requested_from, self.requested_to)

    def weeks(self) -> List[date]:
        return [self.start + timedelta(weeks=i) for i in range(((self.end - self.start).days + 1) // 7)]

    def utc_bounds(self) -> Tuple[datetime, datetime]:
        """[start, end] as an aware half-open UTC interval."""
        start = datetime.combine(self.start, time(), LOCAL).astimezone(timezone.utc)
        return start, start + timedelta(days=(self.end - self.start).days + 1)


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(day_number: int) -> date:
    """The Monday of the week containing local day ``day_number`` (days since 1970-01-01)."""
    return EPOCH + timedelta(days=day_number - (day_number - 4) % 7)  # 1970-01-05 was a Monday


@dataclass(frozen=True)
class Cube:
    """One suppressed weekly table: ``dims`` in grid order, ``rollup`` the order they merge in."""

    name: str
    dims: Tuple[str, ...]
    rollup: Tuple[str, ...]
    sums: Tuple[str, ...] = ("records",)


NEEDS = Cube("needs", ("category", "target_group", "city", "district", "channel"),
             ("channel", "target_group", "district", "city"))
SEARCHES = Cube("searches", ("answered", "language", "channel"), ("channel", "language"), ("events",))
SATISFACTION = Cube("satisfaction", ("service_area", "service_id"), ("service_id", "service_area"),
                    ("ratings", "score_sum"))
FIT = Cube("fit", ("fit_rating", "category", "service_id"), ("service_id", "category"))


def _local_day(connection: Connection, column: str) -> str:
    if connection.dialect.name == "sqlite":
        return f"((CAST(strftime('%s', {column}) AS INTEGER) + {LOCAL_OFFSET_SECONDS}) / 86400)"
    return f"CAST(FLOOR((EXTRACT(EPOCH FROM {column}) + {LOCAL_OFFSET_SECONDS}) / 86400) AS INTEGER)"


def fetch_rows(connection: Connection, period: Period, columns: str, table: str, where: str = ""
           ) -> List[Tuple[Any, ...]]:
    """Rows of ``table`` in the period, the local day first.

    Straight from the DBAPI cursor: a year is a million rows, and SQLAlchemy's Row objects
    would double the time. Times are compared in the form each backend stores them.
    """
    start, end = (moment.replace(tzinfo=None) for moment in period.utc_bounds())
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    sql = (f"SELECT {_local_day(connection, 'created_at')}, {columns} FROM {table} "
           f"WHERE created_at >= {marker} AND created_at < {marker} {where}")
    params: Tuple[Any, ...] = (start, end)
    if sqlite:  # SQLAlchemy stores SQLite times as text of this form
        params = tuple(m.strftime("%Y-%m-%d %H:%M:%S.%f") for m in (start, end))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


SUMS = ("records", "events", "ratings", "score_sum")


def _facts(rows: Sequence[Tuple[Any, ...]], names: Sequence[str]) -> pa.Table:
    """An Arrow table of facts: ``day`` then ``names``; missing strings become ''.

    Converted as one struct array (in C), not column by column in Python.
    """
    fields = [("day", pa.int64())] + [(n, pa.int64() if n in SUMS else pa.string()) for n in names]
    table = pa.Table.from_struct_array(pa.array(rows, type=pa.struct(fields)))
    for index, (name, kind) in enumerate(fields):
        if kind == pa.string():
            table = table.set_column(index, name, table.column(name).fill_null(""))
    return table


def need_facts(connection: Connection, period: Period) -> pa.Table:
    """Districts outside Taipei's list (free text for other cities) publish as ``unlisted``."""
    rows = fetch_rows(connection, period,
                  "category, target_group, city, district, channel, person_id, 1", "needs")
    facts = _facts(rows, ["category", "target_group", "city", "district", "channel", "person",
                          "records"])
    district = facts.column("district")
    listed = pc.is_in(district, pa.array(["", *TAIPEI_DISTRICTS]))
    unlisted = pc.if_else(listed, district, pa.scalar("unlisted"))
    return facts.set_column(facts.schema.get_field_index("district"), "district", unlisted)


def search_facts(connection: Connection, period: Period) -> pa.Table:
    """Anonymous searches count as one person each (``anon:<id>``): an upper bound."""
    person = "COALESCE(person_id, 'anon:' || CAST(id AS VARCHAR(20)))"
    answered = "CASE WHEN answered THEN 'answered' ELSE 'unanswered' END"
    rows = fetch_rows(connection, period, f"{answered}, language, channel, {person}, 1", "search_events")
    return _facts(rows, ["answered", "language", "channel", "person", "events"])


def rating_facts(connection: Connection, period: Period) -> pa.Table:
    rows = fetch_rows(connection, period, "service_id, service_id, person_id, 1, score",
                  "satisfaction_ratings")
    rows = [(r[0], _area(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
    return _facts(rows, ["service_area", "service_id", "person", "ratings", "score_sum"])


def fit_facts(connection: Connection, period: Period) -> pa.Table:
    rows = fetch_rows(connection, period, "fit_rating, category, matched_service_ids, person_id, 1",
                  "needs", "AND fit_rating IS NOT NULL")
    return _facts([(r[0], r[1], r[2], _first(r[3]), r[4], r[5]) for r in rows],
                  ["fit_rating", "category", "service_id", "person", "records"])


def _first(ids: Any) -> Optional[str]:
    if isinstance(ids, str):  # a driver that does not decode JSON
        import json

        ids = json.loads(ids)
    return str(ids[0]) if ids else None


def _area(service_id: Optional[str]) -> Optional[str]:
    """Knowledge-base service ids are ``<service area>/<slug>``."""
    return service_id.split("/", 1)[0] if service_id else None


def suppress(facts: pa.Table, cube: Cube, k: int) -> List[Dict[str, Any]]:
    """Published cells of ``cube``: each counts at least ``k`` distinct people.

    Vectorised: every string is dictionary-encoded (the merged ``*`` is one extra code),
    a cell is one int64 key, and distinct people per cell come from ``np.unique`` on
    (key, person) pairs, so a year of records takes well under a second per level.
    Rows carry ``week`` (a Monday), the dims (None: not given, "*": merged), ``people``,
    the sums and ``level`` (how many dims were rolled up).
    """
    days = facts.column("day").to_numpy()
    weeks, week_codes = np.unique(days - (days - 4) % 7, return_inverse=True)
    codes, labels = {"week": week_codes.astype(np.int64)}, {"week": list(weeks)}
    for name in (*cube.dims, "person"):
        encoded = facts.column(name).combine_chunks().dictionary_encode()
        codes[name] = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        labels[name] = encoded.dictionary.to_pylist() + [MERGED]  # last code: merged
    sums = {name: facts.column(name).to_numpy().astype(np.int64) for name in cube.sums}
    keys = ["week", *cube.dims]
    radix = [len(labels[name]) for name in keys]
    people_radix = max(1, len(labels["person"]))
    if float(np.prod(radix, dtype=np.float64)) * people_radix >= 2**62:
        raise ValueError(f"{cube.name}: too many distinct values to encode a cell in 64 bits")
    out: List[Dict[str, Any]] = []
    for level in range(len(cube.rollup) + 1):
        if not len(codes["week"]):
            break
        cell = np.zeros(len(codes["week"]), dtype=np.int64)
        for name, size in zip(keys, radix, strict=True):
            cell = cell * size + codes[name]
        pairs, pair_of_fact = np.unique(cell * people_radix + codes["person"], return_inverse=True)
        cells, cell_of_pair, people = np.unique(pairs // people_radix, return_inverse=True,
                                                return_counts=True)
        cell_of_fact = cell_of_pair[pair_of_fact]
        totals = {n: np.bincount(cell_of_fact, weights=v, minlength=len(cells)) for n, v in sums.items()}
        for index in np.flatnonzero(people >= k):
            row, rest = {}, int(cells[index])
            for name, size in reversed(list(zip(keys, radix, strict=True))):
                rest, code = divmod(rest, size)
                row[name] = labels[name][code]
            row.update(people=int(people[index]), **{n: int(t[index]) for n, t in totals.items()})
            out.append(_row(row, level))
        if level == len(cube.rollup):
            break
        small = people[cell_of_fact] < k
        codes = {name: values[small] for name, values in codes.items()}
        sums = {name: values[small] for name, values in sums.items()}
        rolled = cube.rollup[level]
        codes[rolled] = np.full(len(codes[rolled]), len(labels[rolled]) - 1, dtype=np.int64)
    return sort_rows(out, cube)


def sort_rows(rows: List[Dict[str, Any]], cube: Cube) -> List[Dict[str, Any]]:
    """Published rows in their one order (week, level, dims), computed or read from a snapshot."""
    rows.sort(key=lambda r: (r["week_start"], r["level"], *(str(r[d]) for d in cube.dims)))
    return rows


def _row(values: Dict[str, Any], level: int) -> Dict[str, Any]:
    week = week_of(int(values.pop("week")))  # a day number that is a Monday
    row: Dict[str, Any] = {"week_start": week, "iso_week": iso_week(week)}
    row.update({k: (None if v == "" else v) for k, v in values.items()})
    row["level"] = level
    return row


@dataclass
class Aggregates:
    """Every weekly table of one period, all already suppressed."""

    period: Period
    k: int
    needs: List[Dict[str, Any]] = field(default_factory=list)
    searches: List[Dict[str, Any]] = field(default_factory=list)
    satisfaction: List[Dict[str, Any]] = field(default_factory=list)
    fit: List[Dict[str, Any]] = field(default_factory=list)
    frozen: List[date] = field(default_factory=list)  # weeks read from the snapshot (frozen.py)

    @property
    def empty(self) -> bool:
        return not (self.needs or self.searches or self.satisfaction or self.fit)

    def select(self, city: Optional[str] = None, districts: Optional[Sequence[str]] = None
               ) -> Aggregates:
        """The needs rows of one area: a selection of published rows, never a recount, so
        an export of an area minus one district differs from the whole area only by that
        district's published rows. Other tables have no place and are kept whole."""
        needs = [row for row in self.needs if (city is None or row["city"] == city)
                 and (districts is None or row["district"] in districts)]
        return replace(self, needs=needs)


CUBES: Dict[str, Cube] = {cube.name: cube for cube in (NEEDS, SEARCHES, SATISFACTION, FIT)}
TABLES = tuple(CUBES)  # every weekly table
MAIN_VIEW = ("needs", "searches")  # what the dashboard opens on


def compute(connection: Connection, period: Period, k: int, tables: Sequence[str] = TABLES
            ) -> Dict[str, List[Dict[str, Any]]]:
    """The published rows of ``tables`` for ``period``, computed from the records now."""
    facts = {"needs": need_facts, "searches": search_facts, "satisfaction": rating_facts,
             "fit": fit_facts}
    if period.empty:
        return {name: [] for name in tables}
    return {name: suppress(facts[name](connection, period), CUBES[name], k) for name in tables}


def assemble(period: Period, k: int, rows: Dict[str, List[Dict[str, Any]]]) -> Aggregates:
    """Aggregates from published rows; mean scores are computed inside published cells."""
    for row in rows.get("satisfaction", []):
        row["mean_score"] = round(row["score_sum"] / row["ratings"], 2)
    return Aggregates(period, k, needs=rows.get("needs", []), searches=rows.get("searches", []),
                      satisfaction=rows.get("satisfaction", []), fit=rows.get("fit", []))


def main_view(connection: Connection, period: Period, k: int) -> Aggregates:
    """Needs and searches by week, computed from the records (``bot.insights.frozen.published``
    reads frozen weeks from their snapshot instead)."""
    return assemble(period, k, compute(connection, period, k, MAIN_VIEW))


def aggregate(connection: Connection, period: Period, k: int) -> Aggregates:
    """Every weekly table for ``period``, computed from the records."""
    return assemble(period, k, compute(connection, period, k))
