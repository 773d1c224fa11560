"""Forgetting conversations in Rasa's SQL tracker store, with real SQLTrackerStores on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.privacy.pseudonym import pseudonymous_id
from bot.privacy.tracker_store import (
    FORGET_SLOT,
    ForgettingSQLTrackerStore,
    conversations_of,
    forget_conversations,
    tracker_store_url,
)
from bot.settings import PROJECT_ROOT

KEY = "tracker-test-key-not-secret"
ADMIN_URL = os.environ.get("COSERVE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DOMAIN = Domain.from_dict({"slots": {
    FORGET_SLOT: {"type": "bool", "influence_conversation": False, "mappings": [{"type": "custom"}]},
    "language": {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]},
}})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty tracker-store database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trackers.db'}"
        return
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - no server to test on
        pytest.skip(f"PostgreSQL unreachable: {type(error).__name__}")
    name = f"coserve_trackers_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def conversation(text_: str, channel: Any = "telegram") -> List[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(text_, {"name": "greet", "confidence": 1.0}, input_channel=channel),
            BotUttered("hello"), ActionExecuted("action_listen")]


def stored(url: str, sender: str) -> List[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).all()
    engine.dispose()
    return [json.loads(row[0]) for row in rows]


def open_store(url: str, kind: type = SQLTrackerStore) -> Any:
    return kind(domain=DOMAIN, host=url)


async def save(store: Any, sender: str, events: List[Event]) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)
    await store.save(tracker)
    return tracker


async def test_forget_conversations_deletes_only_that_persons_events(url: str) -> None:
    store = open_store(url)
    await save(store, "alice", conversation("我叫王小明，住在大安區"))
    await save(store, "bob", conversation("hi", channel="line"))
    await save(store, "carol", conversation("hello", channel=None))  # no channel: "rest"
    store.engine.dispose()
    alice = pseudonymous_id(KEY, "telegram", "alice")
    assert forget_conversations(url, pseudonymous_id("another-key", "telegram", "alice"), KEY
                                ).events == 0
    result = forget_conversations(url, alice, KEY)
    assert (result.conversations, result.events) == (1, 6)
    assert stored(url, "alice") == [] and len(stored(url, "bob")) == 6
    assert forget_conversations(url, alice, KEY).events == 0  # a second time: nothing left
    carol = forget_conversations(create_engine(url), pseudonymous_id(KEY, "rest", "carol"), KEY)
    assert (carol.conversations, carol.events) == (1, 6) and stored(url, "carol") == []


async def test_conversations_of_many_people_in_one_pass(url: str, tmp_path: Path) -> None:
    store = open_store(url)
    await save(store, "alice", conversation("hi"))
    await save(store, "bob", conversation("hi", channel="line"))
    store.engine.dispose()
    alice, bob = pseudonymous_id(KEY, "telegram", "alice"), pseudonymous_id(KEY, "line", "bob")
    nobody = pseudonymous_id(KEY, "telegram", "nobody")
    assert conversations_of(url, [alice, bob, nobody], KEY) == {alice: ["alice"], bob: ["bob"], nobody: []}
    assert conversations_of(f"sqlite:///{tmp_path / 'none.db'}", [alice], KEY) == {alice: []}


async def test_forget_conversations_on_a_store_rasa_never_created(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'none.db'}"
    assert forget_conversations(empty, pseudonymous_id(KEY, "rest", "x"), KEY).events == 0


async def test_forgetting_store_keeps_only_what_follows_the_marker(url: str) -> None:
    store = open_store(url, ForgettingSQLTrackerStore)
    assert isinstance(store, SQLTrackerStore)
    await save(store, "bob", conversation("bob stays"))
    tracker = await save(store, "alice", conversation("我的電話是0912345678"))
    tracker = await store.retrieve("alice")
    for event in [UserUttered("請刪除我的資料", {"name": "affirm"}, input_channel="telegram"),
                  ActionExecuted("action_answer_yes_no"), BotUttered("已刪除"),
                  SlotSet(FORGET_SLOT, True), SlotSet("language", "en"),
                  ActionExecuted("action_listen")]:
        tracker.update(event)
    await store.save(tracker)
    kept = stored(url, "alice")
    assert [e["event"] for e in kept] == ["slot", "action"]
    assert "0912345678" not in json.dumps(kept) and "請刪除" not in json.dumps(kept)
    tracker.update(UserUttered("hello again", input_channel="telegram"))
    await store.save(tracker)  # the same object again: no duplicates, nothing lost
    assert [e["event"] for e in stored(url, "alice")] == ["slot", "action", "user"]
    fresh = await store.retrieve("alice")
    assert fresh is not None and fresh.get_slot(FORGET_SLOT) is None
    assert fresh.get_slot("language") == "en"
    fresh.update(BotUttered("welcome back"))
    await store.save(fresh)  # no marker any more: Rasa's own save appends
    assert [e["event"] for e in stored(url, "alice")] == ["slot", "action", "user", "bot"]
    assert len(stored(url, "bob")) == 6
    store.engine.dispose()


async def test_forgetting_store_saves_like_rasa_without_a_marker(url: str) -> None:
    stores = {"plain": open_store(url), "forgetting": open_store(url, ForgettingSQLTrackerStore)}
    for sender, store in stores.items():
        await save(store, sender, conversation("hi"))
        tracker = await store.retrieve(sender)
        tracker.update(SlotSet(FORGET_SLOT, False))
        await store.save(tracker)
        store.engine.dispose()
    plain, forgetting = stored(url, "plain"), stored(url, "forgetting")
    assert len(forgetting) == 7
    assert [e["event"] for e in forgetting] == [e["event"] for e in plain]


def test_tracker_store_url_reads_endpoints_like_rasa(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: bot.privacy.tracker_store.ForgettingSQLTrackerStore\n"
                         "  dialect: sqlite\n  db: var/trackers.db\n", "utf-8")
    assert tracker_store_url(endpoints) == f"sqlite:///{PROJECT_ROOT / 'var/trackers.db'}"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.local\n"
                         "  port: 5433\n  db: rasa\n  username: rasa\n", "utf-8")
    assert tracker_store_url(endpoints) == "postgresql://rasa@db.local:5433/rasa"
    endpoints.write_text("tracker_store:\n  type: redis\n", "utf-8")
    assert tracker_store_url(endpoints) is None


def test_forgetting_linked_screens_in_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    from bot.privacy.tracker_store import forget_conversations_of

    missing = tmp_path / "never-created.db"
    result = forget_conversations_of(f"sqlite:///{missing}", [pseudonymous_id(KEY, "telegram", "1")], KEY)
    assert (result.conversations, result.events) == (0, 0) and not missing.exists()
    assert forget_conversations_of(f"sqlite:///{missing}", [], KEY).events == 0
