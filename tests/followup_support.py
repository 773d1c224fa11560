"""What the follow-up tests share: people with needs and consents, their conversations in a
real SQLTrackerStore, and a fake of Rasa's HTTP API that records trigger_intent calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Set, Tuple

import pytest
from aiohttp import web
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.followup import EXTERNAL_INTENT
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

POLICY = "2026-11"
NOTE_ZH, NOTE_EN = "大安區新開日間照顧中心", "a new day-care centre in Da'an"
# name: (channel, sender id, need category, follow-up consent: None / "granted" / "withdrawn")
PEOPLE: Dict[str, Tuple[str, str, str, Optional[str]]] = {
    "alice": ("telegram", "1001", "elderly_care", "granted"),
    "bob": ("line", "U0000000000000000000000000000b0b", "elderly_care", None),  # no follow-up consent
    "carol": ("telegram", "1003", "housing", "granted"),  # another category
    "dave": ("telegram", "1004", "elderly_care", "withdrawn"),
    "erin": ("rest", "web-erin", "elderly_care", "granted"),  # REST cannot push
    "frank": ("line", "Cgroup000000000000000000000000001:Ufrank", "elderly_care", "granted"),
    "gina": ("telegram", "1007", "elderly_care", "granted"),  # no conversation kept
}
WITHOUT_CONVERSATION = {"gina"}


def person(name: str, key: str) -> str:
    channel, sender, _, _ = PEOPLE[name]
    return pseudonymous_id(key, channel, sender)


def populate(store: InsightsStore, key: str) -> None:
    """Every person's need (with insights consent) and follow-up consent as in PEOPLE."""
    for name, (_, _, category, followup) in PEOPLE.items():
        pseudonym = person(name, key)
        store.grant(pseudonym, "insights", POLICY)
        store.record_need(pseudonym, category=category, free_text="需要協助")
        if followup:
            store.grant(pseudonym, "followup", POLICY)
        if followup == "withdrawn":
            store.withdraw(pseudonym, "followup")


async def save_conversations(url: str) -> None:
    """One conversation per person (but gina), saved by Rasa's own SQL tracker store."""
    rasa_store = SQLTrackerStore(domain=Domain.empty(), host=url)
    for name, (channel, sender, _, _) in PEOPLE.items():
        if name in WITHOUT_CONVERSATION:
            continue
        events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("我需要幫忙", {"name": "describe_need", "confidence": 1.0}, input_channel=channel),
                  BotUttered("好的"), ActionExecuted("action_listen")]
        await rasa_store.save(DialogueStateTracker.from_events(sender, events))
    rasa_store.engine.dispose()


@dataclass
class FakeRasa:
    """Answers like `rasa run --enable-api`: the dialogue "says" one message, which the
    conversation's channel sends, except REST (collected into the answer); ``fail`` and
    ``silent`` name conversations that answer 500 or say nothing."""

    fail: Set[str] = field(default_factory=set)
    silent: Set[str] = field(default_factory=set)
    calls: List[Tuple[str, Dict[str, str], Dict[str, Any]]] = field(default_factory=list)
    url: str = ""
    _runner: Optional[web.AppRunner] = None

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_get("/version", self._version)
        app.router.add_post("/conversations/{sender}/trigger_intent", self._trigger)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def senders(self) -> List[str]:
        return sorted(sender for sender, _, _ in self.calls)

    async def _version(self, _: web.Request) -> web.Response:
        return web.json_response({"version": "3.6.21", "minimum_compatible_version": "3.5.0"})

    async def _trigger(self, request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        self.calls.append((sender, dict(request.query), await request.json()))
        if sender in self.fail:
            return web.json_response({"status": "failure", "reason": "ConversationError",
                                      "message": f"An unexpected error occurred in {sender}"}, status=500)
        external = {"event": "user", "text": f"EXTERNAL: {EXTERNAL_INTENT}", "metadata": {"is_external": True}}
        said = [] if sender in self.silent else [{"event": "bot", "text": "您提過的…"}]
        body: Dict[str, Any] = {"tracker": {"sender_id": sender, "events": [external, *said]}}
        if any(s == sender and c == "rest" for c, s, _, _ in PEOPLE.values()):
            body["messages"] = [{"recipient_id": sender, "text": e["text"]} for e in said]
        return web.json_response(body)


# Fixtures shared by tests/test_followup.py and tests/test_followup_commands.py (imported there).
@pytest.fixture
async def trackers(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    await save_conversations(url)
    return url


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = await FakeRasa().start()
    yield fake
    await fake.close()
