"""Follow-up end to end: a LINE conversation opts in through the trained model, then
``notify`` reaches it through Rasa's real HTTP API, the SQL tracker store and LINE's push
(a local stand-in), in the person's language."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List

import pytest
from aiohttp import web
from test_needs_conversations import ANSWERS_ZH  # tests/e2e is on sys.path (no __init__.py)

from bot.followup import Status, notify
from bot.i18n import t
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

pytestmark = pytest.mark.e2e
KEY = "e2e-test-key"  # the action server's COSERVE_PSEUDONYM_KEY
NOTE_ZH, NOTE_EN = "大安區新開日間照顧中心，週一至週六 8:00–18:00", "a new day-care centre in Da'an"


@pytest.fixture
def sql_agent(agent_with_store: Callable[..., Any], tmp_path: Path) -> Any:
    """The trained model with Rasa's SQL tracker store on SQLite, as endpoints.yml has it."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(domain=None, host=f"sqlite:///{tmp_path / 'trackers.db'}")
    return agent_with_store(store, "EXTERNAL_need_addressed")


@pytest.fixture
async def line_push() -> AsyncIterator[Dict[str, Any]]:
    """LINE's push endpoint, recording bodies."""
    pushed: List[Dict[str, Any]] = []

    async def push(request: web.Request) -> web.Response:
        pushed.append(await request.json())
        return web.json_response({"sentMessages": []})

    app = web.Application()
    app.router.add_post("/v2/bot/message/push", push)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield {"url": f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", "pushed": pushed}  # type: ignore[union-attr]
    await runner.cleanup()


async def rasa_server(agent: Any, line_api: str) -> Any:
    """`rasa run --enable-api` with the LINE channel, in this event loop."""
    from rasa.core.channels.channel import register
    from rasa.server import create_app
    from sanic import Sanic

    from channels.line import LineInput

    Sanic.test_mode = True
    app = create_app(agent=agent)
    register([LineInput("secret", "token", api_base=line_api)], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_opt_in_on_line_then_the_city_follows_up(
    sql_agent: Any, line_push: Dict[str, Any], e2e_data: Path, tmp_path: Path
) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    user = "U" + uuid.uuid4().hex

    async def say(text: str) -> List[str]:
        collector = CollectingOutputChannel()
        await sql_agent.handle_message(UserMessage(text, collector, user, input_channel="line"))
        return [m.get("text", "") for m in collector.messages]

    await say("/consent_give")
    replies = await say("我住大安區，家裡的長輩最近跌倒，白天需要有人照顧")
    for _ in range(6):  # the form's questions, answered as in test_needs_conversations
        if any(r.startswith("我整理一下您的需求") for r in replies):
            break
        question = next(prefix for prefix in ANSWERS_ZH if any(r.startswith(prefix) for r in replies))
        replies = await say(ANSWERS_ZH[question])
    await say("對")
    asked = await say('/rate_fit{"fit":"fits"}')
    assert asked[-1] == t("ask_followup", "zh-TW", area="長者與長期照顧")
    assert await say("好啊") == [t("followup_granted", "zh-TW")]

    server, rasa_url = await rasa_server(sql_agent, line_push["url"])
    store = InsightsStore(f"sqlite:///{e2e_data / 'coserve.db'}", spool_path=e2e_data / "spool" / "insights.jsonl")
    try:
        summary = await notify("elderly_care", NOTE_ZH, NOTE_EN, rasa_url,
                               f"sqlite:///{tmp_path / 'trackers.db'}", KEY, store=store.open())
    finally:
        store.close()
        await server.before_stop()
        await server.close()
        await server.after_stop()
    mine = next(o for o in summary.outcomes if o.person == pseudonymous_id(KEY, "line", user))
    assert (mine.status, mine.conversations) == (Status.SENT, 1)
    (push,) = [p for p in line_push["pushed"] if p["to"] == user]
    assert push["messages"] == [{"type": "text", "text": t(
        "need_addressed", "zh-TW", area="長者與長期照顧", note=NOTE_ZH)}]
