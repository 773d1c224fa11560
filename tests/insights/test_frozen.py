"""Frozen weeks (bot/insights/frozen.py), on SQLite and PostgreSQL: once a week is frozen, a
"forget me", retention, a late record or a late spool flush no longer changes any of its
published rows, while the same change does show in the rows computed from the records.
Freezing is idempotent, waits for the grace period, keeps only published cells, and the
weekly grid's differencing guarantee holds across frozen and live weeks alike.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot.insights import frozen
from bot.insights.aggregate import TABLES, Aggregates, Period, aggregate
from bot.insights.frozen import Freezing, published
from bot.insights.records import NeedRecord
from bot.insights.snapshot import frozen_cells, frozen_weeks
from bot.insights.store import InsightsStore
from bot.insights.synthetic import generate
from bot.taxonomy import TAIPEI_DISTRICTS

from .support import Clock, rows
from .test_aggregate import MONDAY, K, need, people
from .test_aggregate_differencing import difference

WEEK = MONDAY.date()  # 2026-11-02, 2026-W45: ends Sunday 11-08, due with 7 days' grace on 11-16
NEXT = WEEK + timedelta(weeks=1)
DUE = date(2026, 11, 16)  # WEEK is due, NEXT is not (due 11-23)
TWO_WEEKS = Period(WEEK, NEXT + timedelta(days=6), WEEK, NEXT + timedelta(days=6))


def when(today: date = DUE, after_days: int = 7) -> Freezing:
    return Freezing.on(today, after_days, "staff:test")


def seed(store: InsightsStore, clock: Clock, week: date = WEEK, count: int = 6,
         prefix: str = "p") -> List[str]:
    """``count`` people in ``week``, each with a need (and a poor fit), a rating and a search,
    so every weekly table has a published cell of ``count`` people."""
    crowd = people(store, count, prefix)
    moment = MONDAY + (week - WEEK)
    for person in crowd:
        need(store, clock, person, moment, matched_service_ids=["elderly_care/day_care"],
             fit_rating="partly")
        assert store.record_rating(person, 4, service_id="elderly_care/day_care").stored
        assert store.record_search(person, "喘息服務", answered=False).stored
    return crowd


def shown(store: InsightsStore, freezing: Freezing | None = None) -> Aggregates:
    """What an export or the dashboard shows of the two weeks (frozen weeks from the snapshot)."""
    with store.db.transaction() as connection:
        return published(connection, TWO_WEEKS, K, freezing=freezing)


def live(store: InsightsStore) -> Aggregates:
    """The same weeks computed from the records: what every export showed before freezing."""
    with store.engine.connect() as connection:
        return aggregate(connection, TWO_WEEKS, K)


def week_rows(result: Aggregates, week: date) -> Dict[str, List[Dict[str, Any]]]:
    return {name: [row for row in getattr(result, name) if row["week_start"] == week]
            for name in TABLES}


def forget_one(store: InsightsStore, clock: Clock, crowd: List[str]) -> None:
    store.forget(crowd[0], actor="citizen")


def retention(store: InsightsStore, clock: Clock, crowd: List[str]) -> None:
    clock.now = MONDAY + timedelta(days=30)
    assert store.retain(20, actor="cron") > 0  # every record of WEEK is older than 20 days


def late_record(store: InsightsStore, clock: Clock, crowd: List[str]) -> None:
    (late,) = people(store, 1, "late")
    need(store, clock, late, MONDAY + timedelta(days=3), matched_service_ids=["elderly_care/day_care"],
         fit_rating="partly")


def late_spool_flush(store: InsightsStore, clock: Clock, crowd: List[str]) -> None:
    """A need written during an outage in WEEK, replayed only after the week was frozen."""
    (late,) = people(store, 1, "spooled")
    record = NeedRecord(person=late, category="elderly_care", target_group="elderly",
                        city="taipei", district="daan", channel="line",
                        created_at=MONDAY + timedelta(days=2))
    store.spool.append("need", json.loads(record.json()))
    assert store.flush_spool() == 1


CHANGES: Dict[str, Callable[[InsightsStore, Clock, List[str]], None]] = {
    "forget": forget_one, "retention": retention, "late_record": late_record,
    "late_spool_flush": late_spool_flush,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_frozen_week_keeps_every_published_row(store: InsightsStore, clock: Clock,
                                                 change: str) -> None:
    crowd = seed(store, clock)
    before = shown(store, when())  # freezes WEEK on demand
    assert before.frozen == [WEEK] and all(week_rows(before, WEEK).values())
    CHANGES[change](store, clock, crowd)
    after = shown(store, when())
    assert week_rows(after, WEEK) == week_rows(before, WEEK)  # frozen: every table unchanged
    assert week_rows(live(store), WEEK) != week_rows(before, WEEK)  # without freezing it would differ


def test_weeks_not_yet_frozen_still_change(store: InsightsStore, clock: Clock) -> None:
    crowd = seed(store, clock) + seed(store, clock, NEXT, prefix="n")
    before = shown(store, when())
    assert before.frozen == [WEEK]  # NEXT ends 11-15; with 7 days' grace it is due on 11-23
    store.forget(crowd[0])  # one of WEEK's people
    store.forget(crowd[-1])  # one of NEXT's
    after = shown(store, when())
    assert week_rows(after, WEEK) == week_rows(before, WEEK)
    assert [row["people"] for row in week_rows(after, NEXT)["needs"]] == [5]
    assert [row["people"] for row in week_rows(before, NEXT)["needs"]] == [6]


def read_only_url(store: InsightsStore) -> str:
    """The same database through a connection that may only read: a read-only SQLite file
    handle, or PostgreSQL sessions that are read-only as on a hot standby."""
    url = make_url(str(store.db.url))
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    return url.update_query_dict({"options": "-c default_transaction_read_only=on"}
                                 ).render_as_string(hide_password=False)


def test_a_read_only_database_shows_due_weeks_computed_live(store: InsightsStore, clock: Clock,
                                                            tmp_path: Path) -> None:
    seed(store, clock)
    reader = InsightsStore(read_only_url(store), spool_path=tmp_path / "reader.jsonl", clock=clock)
    try:
        seen = shown(reader, when())  # WEEK is due, but this connection cannot freeze it
        assert seen.frozen == [] and week_rows(seen, WEEK) == week_rows(live(store), WEEK)
        assert all(week_rows(seen, WEEK).values())
    finally:
        reader.close()
    assert rows(store, frozen_weeks) == [] and rows(store, frozen_cells) == []
    assert [e for e in store.audit_log() if e.action == frozen.FREEZE] == []
    assert shown(store, when()).frozen == [WEEK], "the writable store still freezes it"


def test_a_week_is_due_only_after_the_grace_period(store: InsightsStore, clock: Clock) -> None:
    seed(store, clock)
    assert not when(DUE - timedelta(days=1)).due(WEEK) and when(DUE).due(WEEK)
    assert when(date(2026, 11, 9), after_days=0).due(WEEK)  # the Monday after, without grace
    assert shown(store, when(DUE - timedelta(days=1))).frozen == []
    assert rows(store, frozen_weeks) == []
    assert shown(store, when(DUE)).frozen == [WEEK]


def test_the_snapshot_gives_back_exactly_the_computed_rows(store: InsightsStore, clock: Clock) -> None:
    """Frozen and live rows side by side are the rows of one grid, in the one order."""
    generate(store.engine, people=120, records=2500, start=WEEK, days=14, seed=11)
    seed(store, clock, NEXT, prefix="n")
    computed = live(store)
    assert shown(store, when()).frozen == [WEEK]
    for freezing in (None, when(date(2026, 12, 31))):  # WEEK frozen; then both weeks frozen
        result = shown(store, freezing)
        for name in TABLES:
            assert getattr(result, name) == getattr(computed, name), name
    assert shown(store).frozen == [WEEK, NEXT]


def test_freezing_is_idempotent(store: InsightsStore, clock: Clock) -> None:
    crowd = seed(store, clock)
    with store.db.transaction() as connection:
        first = frozen.freeze(connection, [WEEK, NEXT], K, when())
    assert list(first) == [WEEK] and first[WEEK] == 4  # needs, searches, satisfaction, fit
    cells = rows(store, frozen_cells)
    store.forget(crowd[0])
    with store.db.transaction() as connection:
        assert frozen.freeze(connection, [WEEK, NEXT], K, when()) == {}
    shown(store, when())
    assert rows(store, frozen_cells) == cells and len(rows(store, frozen_weeks)) == 1


def test_a_week_claimed_meanwhile_is_not_written_twice(store: InsightsStore, clock: Clock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes that both saw the week unfrozen: the second one's claim fails, so it
    writes no cells (the frozen_weeks row is the claim)."""
    seed(store, clock)
    shown(store, when())
    cells = rows(store, frozen_cells)
    monkeypatch.setattr(frozen, "frozen", lambda *args: set())
    with store.db.transaction() as connection:
        assert frozen.freeze(connection, [WEEK], K, when()) == {}
    assert rows(store, frozen_cells) == cells


def test_each_k_has_its_own_snapshot(store: InsightsStore, clock: Clock) -> None:
    seed(store, clock)
    with store.db.transaction() as connection:
        assert published(connection, TWO_WEEKS, K, freezing=when()).frozen == [WEEK]
        six = published(connection, TWO_WEEKS, 6, freezing=when())
        assert six.frozen == [WEEK] and [r["people"] for r in six.needs] == [6]
        assert published(connection, TWO_WEEKS, 7, freezing=when()).needs == []
    assert sorted(row["k"] for row in rows(store, frozen_weeks)) == [K, 6, 7]


def test_the_snapshot_holds_published_cells_only_and_no_person(store: InsightsStore,
                                                               clock: Clock) -> None:
    crowd = seed(store, clock)
    for person in people(store, 3, "few"):  # a cell of 3 people: suppressed, so not frozen
        need(store, clock, person, MONDAY, category="tax")
    shown(store, when())
    cells = rows(store, frozen_cells)
    assert cells and all(cell["people"] >= cell["k"] == K for cell in cells)
    assert "tax" not in json.dumps([cell["dims"] for cell in cells])
    text = json.dumps(cells, default=str)
    assert not any(person in text for person in crowd)
    assert not any("person" in column.name for column in (*frozen_cells.c, *frozen_weeks.c))
    with pytest.raises(IntegrityError), store.engine.begin() as connection:  # the database checks k
        connection.execute(insert(frozen_cells).values(
            week_start=WEEK, k=K, cube="needs", level=0, dims={}, people=K - 1, total=K - 1))


def test_on_demand_freezing_is_audited(store: InsightsStore, clock: Clock) -> None:
    seed(store, clock)
    shown(store, when())
    shown(store, when())  # nothing new to freeze: no second row
    (entry,) = [e for e in store.audit_log() if e.action == frozen.FREEZE]
    assert entry.actor == "staff:test" and entry.subject is None
    assert entry.detail == {"k": K, "weeks": 1, "cells": 4, "first": "2026-W45", "last": "2026-W45",
                            "after_days": 7, "on_demand": True}


def test_due_weeks_start_at_the_oldest_record(store: InsightsStore, clock: Clock) -> None:
    with store.db.transaction() as connection:
        assert frozen.due_weeks(connection, K, when()) == []
    seed(store, clock)
    with store.db.transaction() as connection:
        assert frozen.due_weeks(connection, K, when(date(2026, 11, 23))) == [WEEK, NEXT]
        frozen.freeze(connection, [WEEK], K, when())
        assert frozen.due_weeks(connection, K, when(date(2026, 11, 23))) == [NEXT]


def test_differencing_reveals_nothing_across_frozen_and_live_weeks(store: InsightsStore,
                                                                   clock: Clock) -> None:
    """tests/insights/test_aggregate_differencing.py's guarantee, with two weeks frozen, then
    a dozen people forgotten and late records added in every week: each export (periods a
    day apart, areas minus a district) is a selection of rows of the one grid shown now, and
    nested exports differ by 0 or at least k."""
    generate(store.engine, people=150, records=2500, start=WEEK, days=28, seed=7)
    freezing = when(date(2026, 11, 23))  # WEEK and NEXT are due; the two weeks after are not
    start = WEEK
    with store.db.transaction() as connection:
        assert published(connection, Period(start, start + timedelta(days=27), start,
                                            start + timedelta(days=27)), K, freezing=freezing
                         ).frozen == [WEEK, NEXT]
        persons = [row[0] for row in connection.exec_driver_sql(
            "SELECT DISTINCT person_id FROM needs ORDER BY person_id LIMIT 12")]
    for person in persons:
        store.forget(person)
    late = people(store, 8, "late")
    for week in range(4):
        for person in late:
            need(store, clock, person, MONDAY + timedelta(weeks=week, days=1), district="nangang")

    def export(first: date, last: date) -> Aggregates:
        with store.db.transaction() as connection:
            return published(connection, Period.covering(first, last, today=date(2026, 12, 31)),
                             K, freezing=freezing)

    grid = {tuple(sorted(r.items())) for r in export(start, start + timedelta(days=27)).needs}
    found = []
    for first, last in [(start, start + timedelta(days=d)) for d in (6, 7, 12, 13, 20, 27)] + [
            (start + timedelta(days=d), start + timedelta(days=27)) for d in (1, 7, 8, 14)]:
        result = export(first, last)
        found.append(result.needs)
        for dropped in list(TAIPEI_DISTRICTS)[:4]:
            found.append(result.select("taipei", [d for d in TAIPEI_DISTRICTS if d != dropped]).needs)
    assert any(found) and min(r["people"] for e in found for r in e) >= K
    for rows_of in found:
        assert {tuple(sorted(r.items())) for r in rows_of} <= grid
    nested = 0
    for a, b in combinations(found, 2):
        keys_a, keys_b = ({tuple(sorted(r.items())) for r in x} for x in (a, b))
        if keys_a <= keys_b or keys_b <= keys_a:
            nested += 1
            assert all(value == 0 or abs(value) >= K for value in difference(a, b).values())
    assert nested > 20


def test_a_person_forgotten_after_freezing_has_no_records_left(store: InsightsStore,
                                                               clock: Clock) -> None:
    """What "forget me" still does for a frozen week: every record about the person goes;
    only the anonymous counts they were one of (≥ k people each) stay."""
    crowd = seed(store, clock)
    shown(store, when())
    assert store.forget(crowd[0]) > 0
    summary = store.summary(crowd[0])
    assert summary.total_records == 0 and summary.consents == []
    assert not any(crowd[0] in json.dumps(row, default=str) for row in rows(store, frozen_cells))
