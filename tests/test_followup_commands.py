"""``coserve followup send`` through bot.cli: exit codes, per-person lines, nothing half-sent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List

import pytest
from followup_support import NOTE_EN, NOTE_ZH, PEOPLE, FakeRasa, person, populate

from bot import followup_commands
from bot.cli import main
from bot.insights.store import InsightsStore
from bot.settings import Settings

KEY = "test-key-0123456789"  # COSERVE_PSEUDONYM_KEY of the settings fixture


@pytest.fixture(autouse=True)
def configured(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(followup_commands, "_settings", lambda: settings)
    return settings


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'insights.db'}"
    with InsightsStore(url, spool_path=tmp_path / "spool.jsonl") as store:
        store.migrate()
        populate(store, KEY)
    return url



async def send(database: str, trackers: str, rasa_url: str, *extra: str, category: str = "elderly_care") -> int:
    """Runs the command in a worker thread, as from a shell (it starts its own event loop),
    while this loop serves the fake Rasa."""
    argv = ["followup", "send", "--category", category, "--note-zh", NOTE_ZH, "--note-en", NOTE_EN,
            "--rasa-url", rasa_url, "--database-url", database, "--tracker-store", trackers, *extra]
    return await asyncio.get_running_loop().run_in_executor(None, main, argv)


def audit_actions(database: str, tmp_path: Path) -> List[str]:
    with InsightsStore(database, spool_path=tmp_path / "spool.jsonl") as store:
        return [e.action for e in store.audit_log()]


async def test_send_prints_one_line_per_person_and_exits_1_unless_all_reached(
    database: str, trackers: str, rasa: FakeRasa, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await send(database, trackers, rasa.url) == 1  # erin's REST chat and gina cannot be reached
    out = capsys.readouterr().out
    assert f"{person('alice', KEY)}  sent" in out and f"{person('erin', KEY)}  undelivered" in out
    assert f"{person('gina', KEY)}  no_conversation" in out
    assert person("bob", KEY) not in out and person("carol", KEY) not in out  # not recipients
    assert "reached 2 of 4" in out
    assert not any(sender in out for _, sender, _, _ in PEOPLE.values())  # pseudonyms only
    assert len(rasa.calls) == 3


async def test_everyone_reached_exits_0(database: str, trackers: str, rasa: FakeRasa, tmp_path: Path) -> None:
    with InsightsStore(database, spool_path=tmp_path / "spool.jsonl") as store:
        for name in ("erin", "gina"):
            store.withdraw(person(name, KEY), "followup")
    assert await send(database, trackers, rasa.url) == 0
    assert rasa.senders == ["1001", "Cgroup000000000000000000000000001:Ufrank"]


async def test_a_dry_run_sends_nothing(
    database: str, trackers: str, rasa: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await send(database, trackers, rasa.url, "--dry-run") == 1  # gina would not be reached
    out = capsys.readouterr().out
    assert "would reach 3 of 4" in out and f"{person('alice', KEY)}  would_send" in out
    assert rasa.calls == [] and "followup.notify" not in audit_actions(database, tmp_path)


async def test_an_unknown_category_is_a_usage_error(
    database: str, trackers: str, rasa: FakeRasa, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await send(database, trackers, rasa.url, category="long_term_care") == 2
    err = capsys.readouterr().err
    assert "unknown category 'long_term_care'" in err and "elderly_care" in err
    assert rasa.calls == []


async def test_a_tracker_store_that_does_not_exist_is_named(
    database: str, rasa: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "elsewhere.db"
    assert await send(database, f"sqlite:///{missing}", rasa.url) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists() and rasa.calls == []


async def test_rasa_down_exits_2_and_sends_nothing(
    database: str, trackers: str, unused_tcp_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await send(database, trackers, f"http://127.0.0.1:{unused_tcp_port}") == 2
    err = capsys.readouterr().err
    assert "did not answer" in err and "nothing was sent" in err
    assert "followup.notify" not in audit_actions(database, tmp_path)


async def test_a_failure_is_named_for_that_person(
    database: str, trackers: str, rasa: FakeRasa, capsys: pytest.CaptureFixture[str]
) -> None:
    rasa.fail.add("1001")
    assert await send(database, trackers, rasa.url) == 1
    out = capsys.readouterr().out
    assert f"{person('alice', KEY)}  failed  (1 conversations): HTTP 500 ConversationError" in out
    assert f"{person('frank', KEY)}  sent" in out
