"""channels/line.py refuses bad webhook bodies with a clear 4xx, processes nothing, and keeps
serving; fuzzed bodies, content types and event types never crash it."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Dict

import pytest
from fake_line import FakeLineApi
from harness import LINE_SECRET, Client, FakeDialogue, line_signature, payload, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.common import MAX_BODY_BYTES, RetryPolicy
from channels.line import LineInput

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Webhook:
    def __init__(self, url: str, client: Client, dialogue: FakeDialogue, channel: LineInput) -> None:
        self.url, self.client, self.dialogue, self.channel = url, client, dialogue, channel

    async def post(
        self, raw: bytes, content_type: str = "application/json", **kwargs: Any
    ) -> tuple[int, Any]:
        headers = {"Content-Type": content_type, "X-Line-Signature": line_signature(raw)}
        return await self.client.post(self.url, raw, headers, **kwargs)

    async def still_serves(self) -> None:
        """A valid request after the bad ones is processed normally."""
        before = len(self.dialogue.received)
        body = payload("line_text_user")
        body["events"][0]["webhookEventId"] = f"still-serving-{before}"
        assert (await self.post(json.dumps(body).encode()))[0] == 200
        await self.channel.tasks.drain(timeout=10)
        assert len(self.dialogue.received) == before + 1


@pytest.fixture
async def webhook(line_api: FakeLineApi, client: Client) -> AsyncIterator[Webhook]:
    channel = LineInput(LINE_SECRET, line_api.token, api_base=line_api.url, retry=RetryPolicy(1, 0.01, 1))
    dialogue = FakeDialogue()
    server = await serve(channel, dialogue)
    yield Webhook(server.url, client, dialogue, channel)
    await channel.tasks.drain(timeout=10)
    await server.stop()


@pytest.mark.parametrize(
    "raw, content_type, status, error",
    [
        (b"{not json", "application/json", 400, "body is not valid JSON"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "body is not valid JSON"),
        (b"[" * 100_000, "application/json", 400, "body is not valid JSON"),
        (b"[]", "application/json", 400, "body must be a JSON object"),
        (b'{"destination": "x"}', "application/json", 400, "body must have an 'events' array of objects"),
        (
            b'{"events": {"type": "message"}}',
            "application/json",
            400,
            "body must have an 'events' array of objects",
        ),
        (b'{"events": ["message"]}', "application/json", 400, "body must have an 'events' array of objects"),
        (b'{"events": []}', "text/plain", 400, "Content-Type must be application/json"),
        (
            b'{"events": []}',
            "application/x-www-form-urlencoded",
            400,
            "Content-Type must be application/json",
        ),
    ],
)
async def test_bad_bodies_get_a_clear_400(
    webhook: Webhook, raw: bytes, content_type: str, status: int, error: str
) -> None:
    assert await webhook.post(raw, content_type) == (status, {"error": error})
    assert webhook.dialogue.received == []
    await webhook.still_serves()


async def test_the_console_verify_request_with_no_events_is_ok(webhook: Webhook) -> None:
    assert await webhook.post(b'{"destination": "U123", "events": []}') == (200, {"status": "ok"})


async def test_a_body_over_one_megabyte_is_refused_by_its_content_length(webhook: Webhook) -> None:
    raw = b'{"events": [], "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    status, body = await webhook.post(raw)
    assert status == 413 and "larger than" in body["error"]
    await webhook.still_serves()


async def test_a_chunked_body_over_one_megabyte_is_refused_while_reading(webhook: Webhook) -> None:
    async def chunks():
        yield b'{"events": [], "pad": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}'

    headers = {"Content-Type": "application/json", "X-Line-Signature": "irrelevant"}
    status, body = await webhook.client.post(webhook.url, chunks(), headers)
    assert status == 413 and "larger than" in body["error"]
    await webhook.still_serves()


@FUZZ
@given(raw=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
async def test_fuzzed_signed_bodies_never_crash_or_reach_the_dialogue_unless_valid(
    webhook: Webhook, raw: bytes
) -> None:
    status, body = await webhook.post(raw)
    assert status in (200, 400), body
    assert "error" in body if status == 400 else body == {"status": "ok"}
    await webhook.channel.tasks.drain(timeout=10)
    assert webhook.dialogue.received == []


@FUZZ
@given(
    content_type=st.sampled_from(["application/json; charset=utf-8", "Application/JSON", "application/jsonp"])
    | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
)
async def test_fuzzed_content_types_are_refused_unless_json(webhook: Webhook, content_type: str) -> None:
    status, body = await webhook.post(b'{"events": []}', content_type or "x/y")
    is_json = (content_type or "x/y").split(";")[0].strip().lower() == "application/json"
    assert status == (200 if is_json else 400)


@FUZZ
@given(
    event=st.dictionaries(
        st.sampled_from(
            [
                "type",
                "source",
                "mode",
                "message",
                "postback",
                "replyToken",
                "webhookEventId",
                "deliveryContext",
            ]
        ),
        st.text(max_size=10)
        | st.integers()
        | st.none()
        | st.sampled_from(["message", "follow", "postback", "unfollow"])
        | st.just({"type": "user", "userId": "U1"})
        | st.just({"type": "group", "groupId": "C1"})
        | st.just({"type": "text", "text": "你好"})
        | st.just({"data": "/help"}),
        max_size=7,
    )
)
async def test_fuzzed_events_are_acknowledged_and_never_crash(
    webhook: Webhook, event: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    assert (await webhook.post(json.dumps({"events": [event]}).encode()))[0] == 200
    await webhook.channel.tasks.drain(timeout=10)
    assert len(webhook.channel.tasks) == 0 and "background task" not in caplog.text


@FUZZ
@given(
    event_type=st.text(min_size=1, max_size=30).filter(lambda t: t not in ("message", "follow", "postback"))
)
async def test_unknown_event_types_in_a_valid_body_are_ignored(webhook: Webhook, event_type: str) -> None:
    body = payload("line_text_user")
    body["events"][0]["type"] = event_type
    body["events"][0]["webhookEventId"] = f"unknown-{event_type}"
    assert await webhook.post(json.dumps(body).encode()) == (200, {"status": "ok"})
    await webhook.channel.tasks.drain(timeout=10)
    assert webhook.dialogue.received == []
