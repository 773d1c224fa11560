"""Marking a category addressed tells the people who opted in, through bot.followup.notify,
with a real SQL tracker store and a fake Rasa HTTP API (tests/followup_support.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from followup_support import NOTE_EN, NOTE_ZH, FakeRasa, populate, save_conversations

from bot.dashboard.announce import FollowupTarget
from bot.dashboard.state import DASHBOARD
from bot.insights.store import InsightsStore

from .support import STAFF, csrf_of, sign_in, tables

KEY = "followup-test-key-not-secret"


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = await FakeRasa().start()
    yield fake
    await fake.close()


async def mark(client: Any) -> None:
    """Marks elderly care addressed, then waits for the worker thread to finish the sending
    (off the event loop, which the fake Rasa needs to answer)."""
    await sign_in(client)
    token = csrf_of(await (await client.get("/addressed")).text())
    response = await client.post("/addressed", data={"csrf": token, "category": "elderly_care",
                                                     "note_zh": NOTE_ZH, "note_en": NOTE_EN})
    assert response.status == 200
    done = client.server.app[DASHBOARD].heavy.submit(lambda: None)
    await asyncio.get_running_loop().run_in_executor(None, done.result, 30)


async def test_people_who_opted_in_are_told(make_client: Any, store: InsightsStore, rasa: FakeRasa,
                                            tmp_path: Path) -> None:
    populate(store, KEY)
    trackers = f"sqlite:///{tmp_path / 'trackers.db'}"
    await save_conversations(trackers)
    client = await make_client(followup=FollowupTarget(rasa.url, trackers, KEY))
    await mark(client)
    assert len(rasa.senders) == 3  # alice, erin and frank; gina has no conversation
    (row,) = tables(await (await client.get("/addressed")).text())["markers-table"][1:]
    assert row[-1] == "已通知 2／4 人"  # erin's REST channel cannot push
    runs = [e for e in store.audit_log() if e.action == "followup.notify" and e.subject is None]
    assert runs and runs[0].actor == f"staff:{STAFF}"


async def test_a_follow_up_that_cannot_be_sent_says_so(make_client: Any, store: InsightsStore,
                                                       tmp_path: Path) -> None:
    unreachable = FollowupTarget("http://127.0.0.1:9", f"sqlite:///{tmp_path / 't.db'}", KEY)
    client = await make_client(followup=unreachable)
    await mark(client)
    (row,) = tables(await (await client.get("/addressed")).text())["markers-table"][1:]
    assert row[-1] == "未送出（RasaUnreachable）"
    (entry,) = [e for e in store.audit_log() if e.action == "dashboard.followup_not_sent"]
    assert entry.detail == {"category": "elderly_care", "marker": 1, "error": "RasaUnreachable"}
