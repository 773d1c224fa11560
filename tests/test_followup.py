"""bot/followup.py with a real SQLTrackerStore on SQLite, a real insights store and a fake Rasa
HTTP API (aiohttp) that records every trigger_intent call."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp import web
from followup_support import NOTE_EN, NOTE_ZH, FakeRasa, populate
from followup_support import person as person_with_key

from bot.followup import RasaUnreachable, Status, note_id, notify, recipients
from bot.insights.store import InsightsStore

KEY = "followup-test-key-not-secret"


def person(name: str) -> str:
    return person_with_key(name, KEY)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[InsightsStore]:
    insights = InsightsStore(f"sqlite:///{tmp_path / 'coserve.db'}", spool_path=tmp_path / "spool.jsonl")
    insights.open().migrate()
    populate(insights, KEY)
    yield insights
    insights.close()



async def send(store: InsightsStore, trackers: str, rasa_url: str, **kwargs: Any) -> Any:
    return await notify("elderly_care", NOTE_ZH, NOTE_EN, rasa_url, trackers, KEY, store=store, **kwargs)


def test_recipients_need_both_a_need_in_the_category_and_current_consent(store: InsightsStore) -> None:
    opted_in = [person(name) for name in ("alice", "erin", "frank", "gina")]
    assert recipients(store, "elderly_care") == sorted(opted_in)  # not bob (no consent), not dave
    assert recipients(store, "housing") == [person("carol")]  # carol's need, not alice's consent
    assert recipients(store, "tax") == []
    with pytest.raises(ValueError, match="unknown service area"):
        recipients(store, "long_term_care")


async def test_each_recipients_conversation_gets_the_external_intent(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    summary = await send(store, trackers, rasa.url, actor="staff:lin")
    assert rasa.senders == sorted(["1001", "web-erin", "Cgroup000000000000000000000000001:Ufrank"])
    for _, query, body in rasa.calls:
        assert query == {"output_channel": "latest"}
        assert body == {"name": "EXTERNAL_need_addressed", "entities": {
            "service_area": "elderly_care", "note_zh": NOTE_ZH, "note_en": NOTE_EN}}
    statuses = {o.person: o.status for o in summary.outcomes}
    assert statuses == {person("alice"): Status.SENT, person("frank"): Status.SENT,
                        person("erin"): Status.UNDELIVERED, person("gina"): Status.NO_CONVERSATION}
    assert summary.counts() == {"sent": 2, "undelivered": 1, "no_conversation": 1}
    assert not summary.complete


async def test_every_outcome_is_audited_without_the_note_or_sender_ids(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    await send(store, trackers, rasa.url, actor="staff:lin")
    entries = [e for e in store.audit_log(limit=50) if e.action == "followup.notify"]
    assert {e.subject for e in entries} == {person("alice"), person("erin"), person("frank"), person("gina"), None}
    assert {e.actor for e in entries} == {"staff:lin"}
    (run,) = [e for e in entries if e.subject is None]
    assert run.detail == {"category": "elderly_care", "note": note_id(NOTE_ZH, NOTE_EN),
                          "sent": 2, "undelivered": 1, "no_conversation": 1}
    text = repr([e.detail for e in entries])
    assert NOTE_ZH not in text and "1001" not in text and "Ufrank" not in text


async def test_a_failure_is_reported_for_that_person_and_the_others_still_go(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    rasa.fail.add("1001")
    rasa.silent.add("Cgroup000000000000000000000000001:Ufrank")
    summary = await send(store, trackers, rasa.url)
    outcomes = {o.person: o for o in summary.outcomes}
    assert outcomes[person("alice")].status is Status.FAILED
    assert outcomes[person("alice")].reason == "HTTP 500 ConversationError"  # not Rasa's message
    assert outcomes[person("frank")].status is Status.SKIPPED
    assert len(rasa.calls) == 3


async def test_running_it_again_reaches_only_the_people_it_missed(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    rasa.fail.add("1001")
    await send(store, trackers, rasa.url)
    rasa.fail.clear()
    rasa.calls.clear()
    summary = await send(store, trackers, rasa.url)
    assert rasa.senders == ["1001", "web-erin"]  # frank got it the first time; erin's was undelivered
    outcomes = {o.person: o.status for o in summary.outcomes}
    assert outcomes[person("alice")] is Status.SENT and outcomes[person("frank")] is Status.ALREADY_SENT
    rasa.calls.clear()
    await notify("elderly_care", NOTE_ZH, "another announcement", rasa.url, trackers, KEY, store=store)
    assert len(rasa.calls) == 3  # a new note is news to everyone


async def test_rasa_down_stops_before_anything_is_sent(
    store: InsightsStore, trackers: str, unused_tcp_port: int
) -> None:
    with pytest.raises(RasaUnreachable, match="did not answer"):
        await send(store, trackers, f"http://127.0.0.1:{unused_tcp_port}")
    assert [e for e in store.audit_log() if e.action == "followup.notify"] == []


async def test_a_rasa_without_the_http_api_is_named(store: InsightsStore, trackers: str) -> None:
    runner = web.AppRunner(web.Application())  # `rasa run` without --enable-api: no /version
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        with pytest.raises(RasaUnreachable, match="--enable-api"):
            await send(store, trackers, url)
    finally:
        await runner.cleanup()


async def test_a_dry_run_contacts_nobody_and_writes_nothing(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    summary = await send(store, trackers, rasa.url, dry_run=True)
    assert rasa.calls == [] and summary.dry_run
    assert summary.counts() == {"would_send": 3, "no_conversation": 1}
    assert [e for e in store.audit_log() if e.action == "followup.notify"] == []


async def test_withdrawing_before_the_run_is_respected(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    store.withdraw(person("alice"), "followup")
    await send(store, trackers, rasa.url)
    assert "1001" not in rasa.senders


@pytest.mark.parametrize("category, zh, en, message", [
    ("long_term_care", NOTE_ZH, NOTE_EN, "unknown category"),
    ("elderly_care", " ", NOTE_EN, "note_zh is empty"),
    ("elderly_care", NOTE_ZH, "x" * 1001, "note_en is longer"),
])
async def test_bad_requests_are_refused_before_anything_happens(
    store: InsightsStore, trackers: str, category: str, zh: str, en: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await notify(category, zh, en, "http://127.0.0.1:9", trackers, KEY, store=store)


async def test_a_linked_person_is_reached_on_the_screens_they_linked(
    store: InsightsStore, trackers: str, rasa: FakeRasa
) -> None:
    """gina opted in on a Telegram chat that kept no conversation, then linked bob's LINE chat
    (one person, many screens): the note reaches her there."""
    from bot.insights.links import IdentityLinks

    links = IdentityLinks(store.db, KEY)
    assert links.redeem(person("bob"), "line", links.issue(person("gina"), "telegram").code).linked
    summary = await send(store, trackers, rasa.url)
    (gina,) = [o for o in summary.outcomes if o.person == person("gina")]
    assert (gina.status, gina.conversations) == (Status.SENT, 1)
    assert "U0000000000000000000000000000b0b" in rasa.senders
