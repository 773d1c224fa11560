"""Helpers shared by the insights tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from sqlalchemy import select

from bot.insights.store import InsightsStore

KEY = "insights-test-key-not-secret"
START = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
POLICY = "2026-11"
NEED_TEXT = "我媽媽85歲，身分證A123456789，住臺北市大安區復興南路一段390號3樓，手機0912-345-678"


def rows(store: InsightsStore, table: Any) -> List[Dict[str, Any]]:
    """Raw rows as stored, read past the store's API, to check what really reached the disk."""
    with store.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table)).mappings().all()]


class Clock:
    """A clock the tests move by hand, for retention and timestamps."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
