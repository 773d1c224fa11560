"""Helpers for the dashboard tests: signing in, reading forms and tables out of pages, seeding.

Seeding reuses the insights tests' helpers (people with consent, needs at a given time), so
the data is written through the store exactly as the assistant writes it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional

from insights.support import Clock
from insights.test_aggregate import MONDAY, need, people

from bot.insights.store import InsightsStore

STAFF, PASSWORD = "lin.staff", "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF field in the page"
    return match.group(1)


async def sign_in(client: Any, name: str = STAFF, password: str = PASSWORD, next: str = "/") -> Any:
    """GET the form (its CSRF cookie and field), then POST it; returns the POST response."""
    form = await (await client.get("/login")).text()
    return await client.post("/login", data={"csrf": csrf_of(form), "name": name,
                                             "password": password, "next": next},
                             allow_redirects=False)


class _Tables(HTMLParser):
    """Cells of every ``<table id=…>``: {id: [[cell text, …], …]} (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: Dict[str, List[List[str]]] = {}
        self._table: Optional[str] = None
        self._cell: Optional[List[str]] = None

    def handle_starttag(self, tag: str, attrs: List[Any]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> Dict[str, List[List[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def seed_small_cells(store: InsightsStore, clock: Clock) -> None:
    """Week of 2026-11-02: 6 people need elderly care in Da'an, 3 in Nangang (below k = 5),
    and 6 childcare needs in Da'an the week after, so a topic rises. The clock is put back."""
    now = clock.now
    crowd = people(store, 6, "daan")
    for person in crowd:
        need(store, clock, person, MONDAY)
    for person in people(store, 3, "nangang"):
        need(store, clock, person, MONDAY, district="nangang")
    for person in crowd:
        need(store, clock, person, MONDAY + timedelta(weeks=1), category="childcare",
             target_group="parenting_family")
    clock.now = now


def open_handoffs(store: InsightsStore, clock: Clock, summaries: List[str], at: datetime) -> None:
    now, clock.now = clock.now, at
    for person, summary in zip(people(store, len(summaries), "handoff"), summaries, strict=True):
        assert store.open_handoff(person, summary).stored
    clock.now = now
