"""``coserve insights …`` end to end through argparse: exit codes, files, audit rows."""

from __future__ import annotations

import argparse
import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any, List

import pytest
from sqlalchemy import create_engine, insert, select

from bot.insights import commands, schema
from bot.insights.records import Purpose
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id
from bot.privacy.tracker_store import _metadata, events
from bot.settings import Settings

from .support import POLICY, Clock, rows
from .test_aggregate import MONDAY, need, people

SETTINGS_KEY = "test-key-0123456789"  # COSERVE_PSEUDONYM_KEY of the settings fixture


@pytest.fixture(autouse=True)
def configured(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(commands, "_settings", lambda: settings)
    return settings


def run(store: InsightsStore, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="coserve")
    commands.register(parser.add_subparsers(dest="group", required=True))
    args = parser.parse_args(["insights", argv[0], "--database-url", store.db.url, *argv[1:]])
    return int(args.handler(args))


def actions(store: InsightsStore) -> List[Any]:
    return [(e.action, e.actor) for e in store.audit_log()]


@pytest.mark.parametrize("argv,message", [
    (["--from", "2026-13-01", "--to", "2026-12-31"], "not a date"),
    (["--from", "2026-11-01", "--to", "yesterday"], "not a date"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"], "invalid choice"),
])
def test_bad_input_is_a_usage_error(store: InsightsStore, argv: List[str], message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(store, "export", *argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_from_after_to_and_a_tiny_k_are_usage_errors(store: InsightsStore,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run(store, "export", "--from", "2026-11-30", "--to", "2026-11-01") == 2
    assert "is after" in capsys.readouterr().err
    assert run(store, "export", "--from", "2026-11-01", "--to", "2026-11-30", "--k", "1") == 2
    assert "at least 2" in capsys.readouterr().err


def test_export_defaults_to_the_data_directory(store: InsightsStore, configured: Settings) -> None:
    assert run(store, "export", "--from", "2020-01-06", "--to", "2020-01-12", "--no-clusters",
               "--quiet") == 0
    out = configured.resolve(configured.data_dir) / "exports" / "insights-2020-01-06-2020-01-12-csv"
    assert (out / "needs.csv").exists() and (out / "data_dictionary.json").exists()


def test_an_empty_period_exports_with_a_note(store: InsightsStore, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "empty"
    assert run(store, "export", "--from", "2020-01-01", "--to", "2020-01-31", "--format", "json",
               "--lang", "en", "--out", str(out), "--no-clusters", "--quiet") == 0
    assert "not enough data" in capsys.readouterr().out
    assert json.loads((out / "insights.json").read_text("utf-8"))["tables"]["needs"] == []


def test_export_writes_files_and_an_audit_row(store: InsightsStore, clock: Clock, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for person in people(store, 6):
        need(store, clock, person, MONDAY)
        store.record_feedback(person, "希望有夜間門診")
    out = tmp_path / "export"
    assert run(store, "export", "--from", "2026-11-02", "--to", "2026-11-08", "--format", "csv",
               "--out", str(out), "--no-clusters", "--polis", "--actor", "staff:lin",
               "--k", "5", "--quiet") == 0
    assert (out / "needs.csv").exists() and (out / "polis" / "comments.csv").exists()
    (entry,) = [e for e in store.audit_log() if e.action == "insights.export"]
    assert entry.actor == "staff:lin" and entry.detail["format"] == "csv" and entry.subject is None
    assert "wrote" in capsys.readouterr().out


def test_export_area_filter(store: InsightsStore, clock: Clock, tmp_path: Path) -> None:
    for person in people(store, 5):
        need(store, clock, person, MONDAY, district="xinyi")
    out = tmp_path / "area"
    assert run(store, "export", "--from", "2026-11-02", "--to", "2026-11-08", "--out", str(out),
               "--district", "daan", "--no-clusters", "--quiet", "--k", "5") == 0
    assert (out / "needs.csv").read_text("utf-8-sig").count("\n") == 1  # header only


def test_freeze_freezes_due_weeks_once_and_audits(store: InsightsStore, clock: Clock,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for person in people(store, 5):
        need(store, clock, person, MONDAY)  # 2026-W45: due on 11-16 (7 days after it ends)
        need(store, clock, person, MONDAY + timedelta(weeks=1))  # W46: due on 11-23
    assert run(store, "freeze", "--today", "2026-11-20", "--actor", "cron", "--quiet") == 0
    assert "froze 1 week (1 published cell, k=5); weeks up to 2026-W45" in capsys.readouterr().out
    assert run(store, "freeze", "--today", "2026-11-20", "--actor", "cron", "--quiet") == 0
    assert "froze 0 weeks" in capsys.readouterr().out
    assert run(store, "freeze", "--today", "2026-11-20", "--after-days", "0", "--quiet") == 0
    assert "froze 1 week " in capsys.readouterr().out
    freezes = [(e.actor, e.detail["weeks"], e.detail["first"], e.detail["on_demand"])
               for e in store.audit_log() if e.action == "insights.freeze"]
    assert freezes == [("cli", 1, "2026-W46", False), ("cron", 0, None, False),
                       ("cron", 1, "2026-W45", False)]
    with pytest.raises(SystemExit):
        run(store, "freeze", "--after-days", "-1")
    assert run(store, "stats") == 0
    stats = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert stats["frozen_weeks"] == "2" and stats["frozen_cells"] == "2"


def test_an_export_of_a_frozen_week_is_the_same_after_a_forget(store: InsightsStore, clock: Clock,
                                                               tmp_path: Path) -> None:
    crowd = people(store, 6)
    for person in crowd:
        need(store, clock, person, MONDAY)  # W45: frozen by the first export (due since 11-16)
        need(store, clock, person, MONDAY + timedelta(weeks=1))  # W46: not due yet, computed live

    def export(name: str) -> List[dict]:
        out = tmp_path / name
        assert run(store, "export", "--from", "2026-11-02", "--to", "2026-11-15", "--out", str(out),
                   "--no-clusters", "--quiet", "--k", "5", "--today", "2026-11-20") == 0
        assert json.loads((out / "metadata.json").read_text("utf-8"))["frozen_weeks"] == ["2026-W45"]
        return list(csv.DictReader((out / "needs.csv").read_text("utf-8-sig").splitlines()))

    before = export("before")
    assert run(store, "forget", "--person", crowd[0], "--actor", "staff:chen", "--no-trackers") == 0
    after = export("after")
    assert [r for r in after if r["iso_week"] == "2026-W45"] == [r for r in before if r["iso_week"] == "2026-W45"]
    assert [r["people"] for r in before if r["iso_week"] == "2026-W46"] == ["6"]
    assert [r["people"] for r in after if r["iso_week"] == "2026-W46"] == ["5"]
    (entry,) = [e for e in store.audit_log() if e.action == "insights.freeze"]
    assert entry.actor == "cli" and entry.detail["on_demand"] is True


def tracker_events(url: str, sender: str, channel: str) -> None:
    engine = create_engine(url)
    _metadata.create_all(engine)
    with engine.begin() as connection:
        for kind in ("action", "user", "bot"):
            data = {"event": kind, "text": "我的電話0912345678", "input_channel": channel}
            connection.execute(insert(events).values(sender_id=sender, type_name=kind, timestamp=1.0,
                                                     data=json.dumps(data)))
    engine.dispose()


def test_forget_removes_insights_and_conversations_and_audits(
        store: InsightsStore, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    person = pseudonymous_id(SETTINGS_KEY, "telegram", "12345")
    store.grant(person, Purpose.INSIGHTS, POLICY)
    need(store, clock, person, MONDAY)
    trackers = f"sqlite:///{tmp_path / 'trackers.db'}"
    tracker_events(trackers, "12345", "telegram")
    tracker_events(trackers, "67890", "telegram")
    assert run(store, "forget", "--person", person, "--actor", "staff:chen",
               "--tracker-store", trackers) == 0
    assert "deleted 3 events in 1 conversations" in capsys.readouterr().out
    engine = create_engine(trackers)
    with engine.connect() as connection:
        assert {r[0] for r in connection.execute(select(events.c.sender_id))} == {"67890"}
    engine.dispose()
    assert store.needs(person) == []
    entries = {e.action: e for e in store.audit_log(person)}
    assert entries["forget"].actor == "staff:chen"
    assert entries["forget.conversations"].detail == {"conversations": 1, "events": 3}
    assert "12345" not in json.dumps([e.detail for e in entries.values()])
    assert run(store, "forget", "--person", "12345", "--actor", "x", "--no-trackers") == 2


def test_forget_a_linked_person_removes_every_screens_conversation(
        store: InsightsStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.insights.links import IdentityLinks

    telegram = pseudonymous_id(SETTINGS_KEY, "telegram", "12345")
    web = pseudonymous_id(SETTINGS_KEY, "socketio", "abcdef")
    links = IdentityLinks(store.db, SETTINGS_KEY)
    assert links.redeem(web, "socketio", links.issue(telegram, "telegram").code).linked
    trackers = f"sqlite:///{tmp_path / 'trackers.db'}"
    for sender, channel in (("12345", "telegram"), ("abcdef", "socketio"), ("67890", "telegram")):
        tracker_events(trackers, sender, channel)
    assert run(store, "forget", "--person", web, "--actor", "staff:chen", "--tracker-store", trackers) == 0
    assert "deleted 6 events in 2 conversations" in capsys.readouterr().out
    engine = create_engine(trackers)
    with engine.connect() as connection:
        assert {r[0] for r in connection.execute(select(events.c.sender_id))} == {"67890"}
    engine.dispose()
    assert links.resolve(web) == web and rows(store, schema.identity_links) == []


def test_retain_flush_and_stats(store: InsightsStore, clock: Clock, configured: Settings,
                                capsys: pytest.CaptureFixture[str]) -> None:
    for person in people(store, 2):
        need(store, clock, person, MONDAY - timedelta(days=400))
    assert run(store, "retain", "--days", "365", "--actor", "cron") == 0
    assert rows(store, schema.needs) == []
    with pytest.raises(SystemExit):
        run(store, "retain", "--days", "0", "--actor", "cron")
    spool = InsightsStore(store.db.url, spool_path=configured.resolve(configured.data_dir)
                          / "spool" / "insights.jsonl")
    spool.spool.append("search", {"person": None, "query": "q", "top_ids": [], "top_scores": [],
                                  "answered": False, "language": "en", "channel": "",
                                  "created_at": MONDAY.isoformat()})
    assert run(store, "flush", "--actor", "staff:wu") == 0
    assert "replayed 1 of 1" in capsys.readouterr().out
    assert ("retain", "cron") in actions(store) and ("spool.flush", "staff:wu") in actions(store)
    assert run(store, "stats") == 0
    output = capsys.readouterr().out
    assert "search_events" in output and "spool_pending" in output
