"""Weekly aggregates: distinct people, Taipei weeks, suppression and roll-up, on both backends.

Also holds the helpers the other insights export tests share (people with consent, needs
at a given time, a fake encoder), so they are written once.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Sequence

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insights.aggregate import (
    MERGED,
    NEEDS,
    Period,
    aggregate,
    iso_week,
    main_view,
    suppress,
    week_of,
)
from bot.insights.records import Purpose
from bot.insights.report import rising
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

from .support import KEY, POLICY, Clock

K = 5
TODAY = date(2027, 6, 1)  # every test week is complete
MONDAY = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 Taipei, Monday of 2026-W45


def people(store: InsightsStore, count: int, prefix: str = "p") -> List[str]:
    """``count`` people who consented to insights."""
    found = [pseudonymous_id(KEY, "line", f"{prefix}-{i}") for i in range(count)]
    for person in found:
        store.grant(person, Purpose.INSIGHTS, POLICY)
    return found


def need(store: InsightsStore, clock: Clock, person: str, when: datetime, **fields: Any) -> None:
    clock.now = when
    values = {"category": "elderly_care", "target_group": "elderly", "city": "taipei",
              "district": "daan", "channel": "line", **fields}
    assert store.record_need(person, **values).stored


def period(first: date, last: date) -> Period:
    return Period.covering(first, last, today=TODAY)


def aggregate_of(store: InsightsStore, first: date, last: date, k: int = K) -> Any:
    with store.engine.connect() as connection:
        return aggregate(connection, period(first, last), k)


class FakeEncoder:
    """Character-bigram hashing: similar strings get similar vectors, instantly, offline."""

    dim = 256

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            digest = hashlib.md5(text[i:i + 2].encode()).digest()
            vector[digest[0]] += 1.0
        return vector / max(float(np.linalg.norm(vector)), 1e-9)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    encode_passages = encode_queries


def facts(rows: Sequence[Dict[str, Any]]) -> pa.Table:
    """Arrow facts for NEEDS from dicts with day, person and any dims (others default)."""
    columns: Dict[str, List[Any]] = {name: [] for name in ("day", *NEEDS.dims, "person", "records")}
    for row in rows:
        for name in columns:
            columns[name].append(row.get(name, 1 if name == "records" else "x"))
    return pa.table({name: pa.array(values, pa.int64() if name in ("day", "records") else pa.string())
                     for name, values in columns.items()})


DAY = (date(2026, 11, 2) - date(1970, 1, 1)).days  # a Monday, as a local day number


def test_period_widens_to_whole_weeks_and_leaves_out_the_running_week() -> None:
    p = Period.covering(date(2026, 11, 4), date(2026, 11, 18), today=date(2026, 11, 26))
    assert (p.start, p.end) == (date(2026, 11, 2), date(2026, 11, 22)) and p.widened
    assert [iso_week(w) for w in p.weeks()] == ["2026-W45", "2026-W46", "2026-W47"]
    running = Period.covering(date(2026, 11, 23), date(2026, 11, 26), today=date(2026, 11, 26))
    assert running.empty and running.weeks() == []
    with pytest.raises(ValueError):
        Period.covering(date(2026, 11, 5), date(2026, 11, 4))


def test_week_of_a_day_number_is_its_monday() -> None:
    assert week_of(DAY) == week_of(DAY + 6) == date(2026, 11, 2)
    assert week_of(DAY + 7) == date(2026, 11, 9)


def test_small_cells_merge_upwards_and_what_stays_small_is_dropped() -> None:
    rows = ([{"day": DAY, "person": f"a{i}", "channel": "line"} for i in range(6)]
            + [{"day": DAY, "person": f"b{i}", "channel": "telegram"} for i in range(2)]
            + [{"day": DAY, "person": f"c{i}", "channel": "rest"} for i in range(3)]
            + [{"day": DAY, "person": "lonely", "category": "tax"}])
    published = suppress(facts(rows), NEEDS, K)
    assert [(r["channel"], r["people"], r["level"]) for r in published] == [
        ("line", 6, 0), (MERGED, 5, 1)]  # telegram (2) + rest (3) merged; the tax cell is gone
    assert all(r["people"] >= K for r in published)


def test_people_are_counted_once_per_cell(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 5)
    for _ in range(6):
        need(store, clock, crowd[0], MONDAY)
    for person in crowd[1:]:
        need(store, clock, person, MONDAY + timedelta(days=2))
    (row,) = aggregate_of(store, date(2026, 11, 2), date(2026, 11, 8)).needs
    assert (row["people"], row["records"], row["iso_week"], row["level"]) == (5, 10, "2026-W45", 0)
    assert aggregate_of(store, date(2026, 11, 2), date(2026, 11, 8), k=6).needs == []


def test_weeks_follow_taipei_time(store: InsightsStore, clock: Clock) -> None:
    sunday_night_utc = datetime(2026, 11, 8, 20, 0, tzinfo=timezone.utc)  # Monday 04:00 Taipei
    for person in people(store, 5):
        need(store, clock, person, sunday_night_utc)
    (row,) = aggregate_of(store, date(2026, 11, 2), date(2026, 11, 15)).needs
    assert row["week_start"] == date(2026, 11, 9)


def test_districts_of_other_cities_are_published_as_unlisted(store: InsightsStore,
                                                            clock: Clock) -> None:
    for person in people(store, 5):
        need(store, clock, person, MONDAY, city="new_taipei", district="板橋區 文化路一段")
    (row,) = aggregate_of(store, date(2026, 11, 2), date(2026, 11, 8)).needs
    assert (row["city"], row["district"]) == ("new_taipei", "unlisted")


def test_every_table_is_suppressed(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 7)
    for index, person in enumerate(crowd):
        need(store, clock, person, MONDAY, matched_service_ids=["elderly_care/day_care"],
             fit_rating="not_at_all" if index < 5 else "fits")
        clock.now = MONDAY
        store.record_rating(person, 2 + index % 2, service_id="elderly_care/day_care")
        store.record_search(person, "喘息服務", answered=False)
    store.record_search(None, "anonymous", answered=True)
    result = aggregate_of(store, date(2026, 11, 2), date(2026, 11, 8))
    (fit,) = result.fit  # the 2 "fits" are fewer than k: gone, not merged into the others
    assert (fit["fit_rating"], fit["people"], fit["service_id"]) == ("not_at_all", 5,
                                                                      "elderly_care/day_care")
    (rating,) = result.satisfaction
    assert (rating["people"], rating["ratings"], rating["mean_score"]) == (7, 7, 2.43)
    (search,) = result.searches
    assert (search["answered"], search["people"]) == ("unanswered", 7)


def test_rising_uses_published_cells(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 12)
    for person in crowd[:5]:
        need(store, clock, person, MONDAY)
    for person in crowd[:7]:
        need(store, clock, person, MONDAY + timedelta(weeks=1))
    for person in crowd[:3]:  # below k in both weeks: never seen
        need(store, clock, person, MONDAY, category="tax")
        need(store, clock, person, MONDAY + timedelta(weeks=1), category="tax")
    p = period(date(2026, 11, 2), date(2026, 11, 15))
    with store.engine.connect() as connection:
        result = main_view(connection, p, K)
    (top,) = rising(result.needs, "category", p.weeks())
    assert (top["key"], top["previous"], top["current"], top["change_pct"]) == (
        "elderly_care", 5, 7, 40.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 30), st.sampled_from("ab"),
                          st.sampled_from(["line", "rest", "telegram"]),
                          st.sampled_from(["daan", "xinyi", None])), max_size=120),
       st.integers(2, 6))
def test_published_rows_of_a_week_depend_on_that_week_alone(records: List[Any], k: int) -> None:
    """The fixed grid: any period's rows for week w equal the rows computed from w alone,
    and no published row describes fewer than k people."""
    rows = [{"day": DAY + day, "person": f"p{who}", "category": category, "channel": channel,
             "district": district or ""} for day, who, category, channel, district in records]
    everything = suppress(facts(rows), NEEDS, k)
    assert all(row["people"] >= k for row in everything)
    for week in sorted({row["week_start"] for row in everything}):
        alone = suppress(facts([r for r in rows if week_of(r["day"]) == week]), NEEDS, k)
        assert alone == [row for row in everything if row["week_start"] == week]


def test_synthetic_data_is_seeded_and_complete(store: InsightsStore) -> None:
    from sqlalchemy import func, select

    from bot.insights import schema as t
    from bot.insights.synthetic import Generator, generate

    counts = generate(store.engine, people=40, records=400, start=date(2026, 11, 2), days=14, seed=3)
    with store.engine.connect() as connection:
        stored = {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (t.persons, t.needs, t.search_events, t.feedback)}
    assert stored == {"persons": 40, "needs": counts.needs, "search_events": counts.searches,
                      "feedback": counts.feedback} and counts.records == 400
    one, two = Generator(5, date(2026, 11, 2), seed=9), Generator(5, date(2026, 11, 2), seed=9)
    assert one.need(one.persons[0]) == two.need(two.persons[0])
    result = aggregate_of(store, date(2026, 11, 2), date(2026, 11, 15))
    assert result.needs and all(row["people"] >= K for row in result.needs)
