"""The hand-off queue: redacted summaries, oldest first, every view audited."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from insights.support import Clock
from sqlalchemy import update

from bot.insights import schema
from bot.insights.store import InsightsStore

from .support import STAFF, open_handoffs, tables

WHEN = datetime(2026, 11, 25, 1, 5, tzinfo=timezone.utc)  # 09:05 in Taipei


async def test_waiting_handoffs_are_listed_oldest_first(staff: Any, store: InsightsStore,
                                                        clock: Clock) -> None:
    open_handoffs(store, clock, ["我媽媽需要長照，手機0912-345-678", "<b>need</b> a person"], WHEN)
    response = await staff.get("/handoffs")
    html = await response.text()
    assert response.status == 200 and "共 2 件等待中" in html
    rows = tables(html)["handoffs-table"][1:]
    assert [row[0] for row in rows] == ["2026-11-25 09:05"] * 2
    assert "0912-345-678" not in html  # redacted when stored
    assert "&lt;b&gt;need&lt;/b&gt;" in html and "<b>need</b>" not in html


async def test_closed_handoffs_are_not_waiting(staff: Any, store: InsightsStore, clock: Clock) -> None:
    open_handoffs(store, clock, ["one", "two"], WHEN)
    with store.engine.begin() as connection:
        connection.execute(update(schema.handoffs).where(schema.handoffs.c.summary == "one")
                           .values(status="closed"))
    html = await (await staff.get("/handoffs")).text()
    assert "共 1 件等待中" in html and ">one<" not in html


async def test_viewing_handoffs_is_audited(staff: Any, store: InsightsStore, clock: Clock) -> None:
    open_handoffs(store, clock, ["a", "b"], WHEN)
    await staff.get("/handoffs")
    (entry,) = [e for e in store.audit_log() if e.action == "dashboard.view_handoffs"]
    assert entry.actor == f"staff:{STAFF}" and entry.detail == {"waiting": 2, "handoffs": [1, 2]}


async def test_an_empty_queue_says_so(staff: Any) -> None:
    html = await (await staff.get("/handoffs?lang=en")).text()
    assert "0 waiting." in html and "No hand-offs are waiting." in html
