"""Proof that suppressed cells cannot be recovered by subtracting two overlapping exports.

The argument (docs/insights.md): every export is a selection of rows of one fixed weekly
grid in which every row counts ≥ k people, so the difference of any two exports' totals
is a sum of published rows: 0 or ≥ k, never a suppressed cell. Each test also shows that
the naive way (counting people over the requested period and area, then suppressing)
does leak in the same situation, so the test would catch a regression to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations
from typing import Any, Dict, List, Sequence, Tuple

from sqlalchemy import text

from bot.insights.aggregate import MERGED
from bot.insights.store import InsightsStore
from bot.insights.synthetic import generate
from bot.taxonomy import TAIPEI_DISTRICTS

from .support import Clock
from .test_aggregate import MONDAY, K, aggregate_of, need, people

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 15)


def totals(rows: Sequence[Dict[str, Any]]) -> Dict[Tuple[Any, ...], int]:
    """What a reader would compute: people summed per (week, category)."""
    found: Dict[Tuple[Any, ...], int] = {}
    for row in rows:
        key = (row["week_start"], row["category"])
        found[key] = found.get(key, 0) + row["people"]
    return found


def difference(a: Sequence[Dict[str, Any]], b: Sequence[Dict[str, Any]]) -> Dict[Tuple[Any, ...], int]:
    ta, tb = totals(a), totals(b)
    return {key: ta.get(key, 0) - tb.get(key, 0) for key in set(ta) | set(tb)}


def naive_people(store: InsightsStore, districts: Sequence[str]) -> int:
    """Distinct people with an elderly-care need in the districts: the leaky way."""
    names = ", ".join(f"'{d}'" for d in districts)
    with store.engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT COUNT(DISTINCT person_id) FROM needs WHERE category = 'elderly_care' "
            f"AND district IN ({names})")).scalar_one())


def seed_area(store: InsightsStore, clock: Clock) -> None:
    """Da'an 6 and Xinyi 6 people; Nangang 2 and Wenshan 3, both below k=5."""
    crowd = iter(people(store, 17))
    for district, count in (("daan", 6), ("xinyi", 6), ("nangang", 2), ("wenshan", 3)):
        for _ in range(count):
            need(store, clock, next(crowd), MONDAY, district=district)


def test_area_minus_one_district_reveals_no_suppressed_cell(store: InsightsStore, clock: Clock) -> None:
    seed_area(store, clock)
    whole = aggregate_of(store, FIRST, LAST).select(city="taipei")
    without_nangang = [d for d in TAIPEI_DISTRICTS if d != "nangang"] + [MERGED]
    part = whole.select(city="taipei", districts=without_nangang)
    # The naive way leaks: 17 people in the area, 15 without Nangang, so Nangang has 2.
    assert naive_people(store, list(TAIPEI_DISTRICTS)) - naive_people(store, without_nangang[:-1]) == 2
    # Here Nangang's 2 and Wenshan's 3 are one merged row, in both exports alike.
    assert {(r["district"], r["people"]) for r in whole.needs} == {("daan", 6), ("xinyi", 6),
                                                                    (MERGED, 5)}
    assert part.needs == whole.needs
    assert set(difference(whole.needs, part.needs).values()) == {0}


def test_date_ranges_a_day_apart_give_identical_rows(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 9)
    for person in crowd[:6]:
        need(store, clock, person, MONDAY + timedelta(days=1))
    for person in crowd[6:]:  # 3 people on the last Sunday: the naive difference would be 3
        need(store, clock, person, MONDAY + timedelta(days=6))
    a = aggregate_of(store, FIRST, date(2026, 11, 8))
    b = aggregate_of(store, FIRST, date(2026, 11, 7))
    assert b.period.end == a.period.end == date(2026, 11, 8)  # both whole weeks
    assert a.needs == b.needs and [r["people"] for r in a.needs] == [9]


def test_overlapping_periods_share_their_weeks_rows(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 8)
    for week in range(3):
        for person in crowd[: 5 + week]:
            need(store, clock, person, MONDAY + timedelta(weeks=week))
    long = aggregate_of(store, FIRST, date(2026, 11, 22))
    short = aggregate_of(store, date(2026, 11, 9), date(2026, 11, 15))
    assert short.needs == [r for r in long.needs if r["week_start"] == date(2026, 11, 9)]


def _exports(store: InsightsStore) -> List[List[Dict[str, Any]]]:
    """Many overlapping exports: periods a day apart at either end, areas minus a district."""
    found = []
    start = date(2026, 11, 2)
    for first, last in [(start, start + timedelta(days=d)) for d in (6, 7, 12, 13, 20, 27)] + [
            (start + timedelta(days=d), start + timedelta(days=27)) for d in (1, 7, 8, 14)]:
        aggregates = aggregate_of(store, first, last)
        found.append(aggregates.needs)
        districts = list(TAIPEI_DISTRICTS)
        for dropped in districts[:4]:
            found.append(aggregates.select("taipei", [d for d in districts if d != dropped]).needs)
    return found


def _key(row: Dict[str, Any]) -> Tuple[Any, ...]:
    return tuple(sorted(row.items()))


def test_every_export_is_a_selection_of_one_grid(store: InsightsStore) -> None:
    """Brute force on realistic data with many small cells: every export's rows are rows of
    the one published grid (so combining exports tells nothing the grid does not), and
    when one export contains another, every difference of their totals is 0 or at least k."""
    generate(store.engine, people=150, records=2500, start=date(2026, 11, 2), days=28, seed=7)
    grid = {_key(row) for row in aggregate_of(store, FIRST, date(2026, 11, 29)).needs}
    exports = _exports(store)
    assert any(exports) and min(r["people"] for e in exports for r in e) >= K
    for export in exports:
        assert {_key(row) for row in export} <= grid
    nested = 0
    for a, b in combinations(exports, 2):
        rows_a, rows_b = {_key(r) for r in a}, {_key(r) for r in b}
        if rows_a <= rows_b or rows_b <= rows_a:
            nested += 1
            for value in difference(a, b).values():
                assert value == 0 or abs(value) >= K
    assert nested > 20
