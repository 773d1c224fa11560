"""A database that is down never breaks the conversation and never loses what was agreed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import event

from bot.insights import schema as t
from bot.insights.database import StoreUnavailable
from bot.insights.records import Purpose, WriteStatus
from bot.insights.store import InsightsStore

from .support import NEED_TEXT, POLICY, Clock, rows

CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/test"


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "spool" / "insights.jsonl"


@pytest.fixture
def down(spool_path: Path, clock: Clock) -> Iterator[InsightsStore]:
    """A store whose PostgreSQL server is not listening."""
    store = InsightsStore(CLOSED_PORT_URL, spool_path=spool_path, clock=clock)
    yield store
    store.close()


@pytest.fixture
def up(store: InsightsStore, spool_path: Path, clock: Clock) -> Iterator[InsightsStore]:
    """The working database of the backend under test, sharing the spool with ``down``."""
    shared = InsightsStore(store.db.url, spool_path=spool_path, clock=clock)
    yield shared
    shared.close()


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody can create files in. Root ignores permission bits, so as root
    this is /sys, which is read-only for root too."""
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        yield Path("/sys") if os.access(directory, os.W_OK) else directory
    finally:
        directory.chmod(0o755)


def spooled_lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_writes_are_spooled_redacted_when_postgresql_is_down(down: InsightsStore, person: str,
                                                              spool_path: Path) -> None:
    assert down.grant(person, Purpose.INSIGHTS, POLICY).status is WriteStatus.SPOOLED
    assert down.record_need(person, category="elderly_care", free_text=NEED_TEXT).status is (
        WriteStatus.SPOOLED)
    assert down.record_search(None, "0912345678", answered=False).status is WriteStatus.SPOOLED
    assert not down.has_consent(person, Purpose.INSIGHTS)  # fails closed
    assert down.preferences(person) == {}
    lines = spooled_lines(spool_path)
    assert [line["op"] for line in lines] == ["grant", "need", "search"]
    raw = spool_path.read_text("utf-8")
    assert "A123456789" not in raw and "0912" not in raw and "[ADDRESS]" in raw
    with pytest.raises(StoreUnavailable):
        down.summary(person)
    with pytest.raises(StoreUnavailable):
        down.migrate()


def test_flush_writes_the_spool_in_order(down: InsightsStore, up: InsightsStore, person: str,
                                         spool_path: Path) -> None:
    down.grant(person, Purpose.INSIGHTS, POLICY)
    down.record_need(person, category="housing", free_text="A123456789")
    down.record_feedback(person, "太慢了", kind="complaint")
    down.record_search(None, "社宅", answered=False)
    assert up.spool_pending() == 4
    assert up.flush_spool() == 4
    assert up.spool.is_empty() and up.flush_spool() == 0
    assert up.has_consent(person, Purpose.INSIGHTS)
    assert [n.free_text for n in up.needs(person)] == ["[ID_NUMBER]"]
    assert rows(up, t.feedback)[0]["kind"] == "complaint"
    assert up.summary(person).total_records == 2


def test_withdrawal_while_spooled_still_stops_collection(down: InsightsStore, up: InsightsStore,
                                                         person: str) -> None:
    down.grant(person, Purpose.INSIGHTS, POLICY)
    down.record_need(person, category="housing")
    down.withdraw(person, Purpose.INSIGHTS)
    down.record_need(person, category="tax")  # said after withdrawing: must not be kept
    assert up.flush_spool() == 4
    assert [n.category for n in up.needs(person)] == ["housing"]
    assert not up.has_consent(person, Purpose.INSIGHTS)


def test_next_write_drains_the_spool_first(down: InsightsStore, up: InsightsStore,
                                           person: str) -> None:
    down.grant(person, Purpose.INSIGHTS, POLICY)
    down.record_need(person, category="housing")
    assert up.record_need(person, category="tax").stored
    assert [n.category for n in up.needs(person)] == ["housing", "tax"]
    assert up.spool.is_empty()


def test_forget_while_down_purges_the_spool_and_completes_later(
    down: InsightsStore, up: InsightsStore, person: str, other_person: str
) -> None:
    up.grant(person, Purpose.INSIGHTS, POLICY)
    up.record_need(person, category="housing")
    down.record_need(person, category="tax")
    down.grant(other_person, Purpose.INSIGHTS, POLICY)
    with pytest.raises(StoreUnavailable) as raised:
        down.forget(person)
    assert raised.value.spooled
    assert [e.op for e in down.spool.entries()] == ["grant", "forget"]  # tax need purged
    assert not down.has_consent(person, Purpose.INSIGHTS)
    assert up.flush_spool() == 2
    assert up.summary(person).total_records == 0 and up.consents(person) == []
    assert up.has_consent(other_person, Purpose.INSIGHTS)
    (audit,) = [e for e in up.audit_log(person) if e.action == "forget"]
    assert audit.detail["spool_purged"] == 1 and audit.detail["deleted"] == 3


def test_sqlite_in_a_read_only_directory_spools(read_only_dir: Path, spool_path: Path,
                                                person: str) -> None:
    store = InsightsStore(f"sqlite:///{read_only_dir / 'coserve-insights.db'}", spool_path=spool_path)
    with pytest.raises(StoreUnavailable):
        store.migrate()
    assert store.grant(person, Purpose.INSIGHTS, POLICY).status is WriteStatus.SPOOLED
    assert store.record_need(person, category="tax").status is WriteStatus.SPOOLED
    assert len(store.spool.entries()) == 2
    assert not (read_only_dir / "coserve-insights.db").exists()
    store.close()


def test_read_only_sqlite_database_spools(tmp_path: Path, spool_path: Path, person: str) -> None:
    path = tmp_path / "insights.db"
    writable = InsightsStore(f"sqlite:///{path}", spool_path=spool_path)
    writable.migrate()
    writable.close()
    read_only = InsightsStore(f"sqlite:///file:{path}?mode=ro&uri=true", spool_path=spool_path)
    assert read_only.grant(person, Purpose.INSIGHTS, POLICY).status is WriteStatus.SPOOLED
    read_only.close()
    assert writable.flush_spool() == 1 and writable.has_consent(person, Purpose.INSIGHTS)
    writable.close()


def test_database_and_spool_both_down_raises(tmp_path: Path, person: str) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = InsightsStore(CLOSED_PORT_URL, spool_path=blocker / "insights.jsonl")
    with pytest.raises(StoreUnavailable) as raised:
        store.record_need(person, category="tax")
    assert not raised.value.spooled


def test_a_down_database_is_not_retried_on_every_message(spool_path: Path, person: str) -> None:
    for retry_after, expected in ((30.0, 1), (0.0, 3)):
        store = InsightsStore(CLOSED_PORT_URL, spool_path=spool_path, retry_after=retry_after)
        attempts: list = []
        event.listen(store.engine, "do_connect", lambda *args, tally=attempts: tally.append(1))
        for _ in range(3):
            store.record_need(person, category="tax")
        assert len(attempts) == expected
        store.close()
        spool_path.unlink()


def test_unreadable_and_refused_entries_are_set_aside(up: InsightsStore, spool_path: Path,
                                                      person: str) -> None:
    up.spool.append("no_such_op", {"person": person})
    with open(spool_path, "a", encoding="utf-8") as spool:
        spool.write('{"op": "need", "data": {"person": "trunc')  # a crash mid-line
    up.spool.append("search", {"person": None, "query": "q", "answered": False,
                               "created_at": "2026-11-26T09:00:00+00:00"})
    assert up.flush_spool() == 1
    assert up.spool.is_empty()
    rejected = up.spool.rejected_path.read_text("utf-8").splitlines()
    assert len(rejected) == 2 and "no_such_op" in rejected[0]
