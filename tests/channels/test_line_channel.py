"""channels/line.py over real HTTP: signatures, events, one reply per turn, retries and push."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, List, Optional

import pytest
from fake_line import FakeLineApi
from harness import LINE_SECRET, Client, FakeDialogue, Server, line_signature, payload, serve
from rasa.core.channels.channel import UserMessage

from bot.render.response import Button, Card, Response
from channels.common import RetryPolicy
from channels.line import LineInput

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0)


def consent_turn(message: UserMessage) -> List[Dict[str, Any]]:
    """What the dialogue says to "/greet": a greeting, then the consent question with buttons."""
    if message.text != "/greet":
        return [{"text": f"您說：{message.text}"}]
    ask = Response(
        "您同意嗎？", buttons=[Button("同意", "/consent_give"), Button("不同意", "/consent_decline")]
    )
    return [
        {"text": "您好！我是臺北市民服務小幫手。"},
        {"text": ask.text, "buttons": ask.to_rasa_message()["buttons"]},
    ]


@dataclass
class Line:
    channel: LineInput
    dialogue: FakeDialogue
    server: Server
    api: FakeLineApi
    client: Client

    async def post(self, body: Any, signature: Optional[str] = None, **headers: str) -> tuple[int, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", "X-Line-Signature": signature or line_signature(raw)}
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        return await self.client.post(self.server.url, raw, {k: v for k, v in sent.items() if v != "-"})

    async def settle(self) -> None:
        await self.channel.tasks.drain(timeout=10)


@pytest.fixture
async def line(line_api: FakeLineApi, client: Client) -> AsyncIterator[Line]:
    channel = LineInput(LINE_SECRET, line_api.token, api_base=line_api.url, retry=FAST)
    dialogue = FakeDialogue(consent_turn)
    server = await serve(channel, dialogue)
    yield Line(channel, dialogue, server, line_api, client)
    await channel.tasks.drain(timeout=10)
    await server.stop()


def event_body(name: str, **changes: Any) -> Dict[str, Any]:
    body = payload(name)
    body["events"][0].update(changes)
    return body


# Signatures ------------------------------------------------------------------------------


async def test_valid_signature_is_accepted_and_processed(line: Line) -> None:
    status, body = await line.post(payload("line_text_user"))
    await line.settle()
    assert (status, body) == (200, {"status": "ok"})
    assert [m.text for m in line.dialogue.received] == ["@All @example Good Morning!! (love)"]


@pytest.mark.parametrize(
    "sign, reason",
    [
        (lambda raw: "-", "missing X-Line-Signature header"),
        (
            lambda raw: line_signature(raw, "another-channel-secret"),
            "X-Line-Signature does not match the body",
        ),
        (lambda raw: "not-base64!!", "X-Line-Signature does not match the body"),
    ],
)
async def test_missing_or_wrong_signature_is_refused(line: Line, sign: Any, reason: str) -> None:
    raw = json.dumps(payload("line_text_user")).encode()
    status, body = await line.post(raw, signature=sign(raw))
    await line.settle()
    assert (status, body) == (401, {"error": reason})
    assert line.dialogue.received == [] and line.api.calls == []


async def test_a_body_altered_by_one_byte_is_refused(line: Line) -> None:
    raw = json.dumps(payload("line_text_user")).encode()
    signature = line_signature(raw)
    tampered = raw.replace(b"Good Morning", b"Good Mornint")
    status, _ = await line.post(tampered, signature=signature)
    await line.settle()
    assert status == 401 and line.dialogue.received == []


async def test_a_redelivered_event_is_processed_once(line: Line) -> None:
    first = payload("line_text_user")
    again = payload("line_text_user")
    again["events"][0]["deliveryContext"]["isRedelivery"] = True
    assert (await line.post(first))[0] == 200
    assert (await line.post(again))[0] == 200
    await line.settle()
    assert len(line.dialogue.received) == 1 and len(line.api.deliveries) == 1


# Events ----------------------------------------------------------------------------------


async def test_text_in_a_group_is_per_person_and_the_reply_uses_the_token(line: Line) -> None:
    await line.post(payload("line_text_group"))
    [delivery] = await line.api.wait_for_deliveries(1)
    [message] = line.dialogue.received
    assert message.sender_id == "Ca56f94637c...:U4af4980629..."
    assert message.input_channel == "line" and message.message_id == "444573844083572737"
    assert message.metadata == {"event": "message", "chat_type": "group"}
    assert delivery.endpoint == "reply"
    assert delivery.body == {
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        "messages": [{"type": "text", "text": "您說：@All @example Good Morning!! (love)"}],
    }


async def test_follow_greets_and_asks_consent_in_one_reply(line: Line) -> None:
    line.api.profiles["U3d3edab4f36c6292e6d8a8131f141b8b"] = {"language": "en"}
    await line.post(payload("line_follow"))
    [delivery] = await line.api.wait_for_deliveries(1)
    [message] = line.dialogue.received
    assert message.text == "/greet" and message.metadata == {
        "event": "follow",
        "chat_type": "user",
        "language": "en",
    }
    messages = delivery.body["messages"]
    assert [m["text"] for m in messages] == ["您好！我是臺北市民服務小幫手。", "您同意嗎？"]
    items = messages[-1]["quickReply"]["items"]
    assert [i["action"]["data"] for i in items] == ["/consent_give", "/consent_decline"]


async def test_follow_without_a_profile_language_still_greets(line: Line) -> None:
    await line.post(payload("line_follow"))
    await line.api.wait_for_deliveries(1)
    assert "language" not in line.dialogue.received[0].metadata


async def test_unfollow_sends_nothing(line: Line) -> None:
    assert (await line.post(payload("line_unfollow")))[0] == 200
    await line.settle()
    assert line.dialogue.received == [] and line.api.calls == []


async def test_postback_data_is_the_payload(line: Line) -> None:
    body = payload("line_postback")
    body["events"][0]["postback"]["data"] = "/consent_give"
    await line.post(body)
    await line.api.wait_for_deliveries(1)
    [message] = line.dialogue.received
    assert message.text == "/consent_give" and message.sender_id == "U91eeaf62d..."


async def test_a_long_payload_round_trips_through_a_stand_in(line: Line) -> None:
    payload_text = '/ask_public_service{"service_area":"' + "長" * 400 + '"}'
    data = line.channel.payloads.shorten(payload_text, lambda p: len(p) <= 300)
    body = payload("line_postback")
    body["events"][0]["postback"]["data"] = data
    await line.post(body)
    await line.api.wait_for_deliveries(1)
    assert line.dialogue.received[0].text == payload_text


async def test_an_expired_stand_in_is_answered_without_the_dialogue(line: Line) -> None:
    body = payload("line_postback")
    body["events"][0]["postback"]["data"] = "~expired-stand-in"
    await line.post(body)
    [delivery] = await line.api.wait_for_deliveries(1)
    assert line.dialogue.received == [] and "expired" in delivery.body["messages"][0]["text"]


async def test_non_text_messages_get_a_polite_bilingual_answer(line: Line) -> None:
    await line.post(payload("line_image"))
    [delivery] = await line.api.wait_for_deliveries(1)
    text = delivery.body["messages"][0]["text"]
    assert "文字" in text and "text" in text and line.dialogue.received == []


@pytest.mark.parametrize("event_type", ["join", "memberJoined", "beacon", "accountLink", "somethingNew"])
async def test_other_event_types_are_acknowledged_and_ignored(line: Line, event_type: str) -> None:
    assert (await line.post(event_body("line_unfollow", type=event_type)))[0] == 200
    await line.settle()
    assert line.dialogue.received == [] and line.api.calls == []


async def test_standby_events_are_left_to_the_active_module(line: Line) -> None:
    await line.post(event_body("line_text_user", mode="standby"))
    await line.settle()
    assert line.dialogue.received == []


async def test_several_events_in_one_webhook_each_get_their_turn(line: Line) -> None:
    body = payload("line_text_user")
    second = dict(body["events"][0], webhookEventId=str(uuid.uuid4()), replyToken="second-token")
    body["events"].append(second)
    await line.post(body)
    await line.api.wait_for_deliveries(2)
    assert len(line.dialogue.received) == 2


async def test_a_whole_turn_with_cards_goes_in_one_reply(line: Line) -> None:
    card = Card(entry_id="x", title="育兒津貼", summary="每月補助", url="https://www.sfaa.gov.tw/")
    results = Response(
        "我找到這些可能符合的服務：", cards=[card], buttons=[Button("轉真人", "/request_human")]
    )
    message = results.to_rasa_message()
    line.dialogue.script = lambda _: [{"text": "好的"}, {**message, "custom": message.pop("json_message")}]
    await line.post(payload("line_text_user"))
    [delivery] = await line.api.wait_for_deliveries(1)
    assert [m["type"] for m in delivery.body["messages"]] == ["text", "text", "flex"]
    assert len(line.api.attempts("reply")) == 1


async def test_a_silent_turn_calls_nobody(line: Line) -> None:
    line.dialogue.script = lambda _: []
    await line.post(payload("line_text_user"))
    await line.settle()
    assert line.api.calls == []


# Replying: retries and push --------------------------------------------------------------


async def test_an_invalid_reply_token_falls_back_to_a_push_to_the_group(line: Line) -> None:
    line.api.fail("reply", 400)
    await line.post(payload("line_text_group"))
    [push] = await line.api.wait_for_deliveries(1)
    assert push.endpoint == "push" and push.body["to"] == "Ca56f94637c..."
    uuid.UUID(push.headers["X-Line-Retry-Key"])
    assert len(line.api.attempts("reply")) == 1, "a 400 is not retried"


async def test_server_errors_are_retried_with_backoff(line: Line) -> None:
    line.api.fail("reply", 500, times=2)
    await line.post(payload("line_text_user"))
    [delivery] = await line.api.wait_for_deliveries(1)
    assert delivery.endpoint == "reply" and [c.status for c in line.api.attempts("reply")] == [500, 500, 200]


async def test_retry_after_is_respected(line: Line) -> None:
    line.api.fail("reply", 429, retry_after="1")
    started = time.monotonic()
    await line.post(payload("line_text_user"))
    await line.api.wait_for_deliveries(1)
    [limited, accepted] = line.api.attempts("reply")
    assert limited.status == 429 and accepted.at - limited.at >= 0.95 and time.monotonic() - started < 5


async def test_a_retry_after_beyond_the_budget_goes_straight_to_push(line: Line) -> None:
    line.api.fail("reply", 429, retry_after="3600")
    await line.post(payload("line_text_user"))
    [delivery] = await line.api.wait_for_deliveries(1)
    assert delivery.endpoint == "push" and len(line.api.attempts("reply")) == 1


async def test_push_retries_reuse_one_retry_key_and_a_409_means_delivered(line: Line) -> None:
    line.api.fail("reply", 500, times=3)
    line.api.fail("push", 500, accepted=True)  # LINE took it, but the answer was lost
    await line.post(payload("line_text_user"))
    await line.settle()
    pushes = line.api.attempts("push")
    assert [p.status for p in pushes] == [500, 409]
    assert len({p.headers["X-Line-Retry-Key"] for p in pushes}) == 1
    assert len(line.api.deliveries) == 1


async def test_permanent_failures_are_logged_and_the_server_keeps_going(
    line: Line, caplog: pytest.LogCaptureFixture
) -> None:
    line.api.fail("reply", 500, times=3)
    line.api.fail("push", 500, times=3)
    await line.post(payload("line_text_user"))
    await line.settle()
    assert "not delivered" in caplog.text and line.api.deliveries == []
    second = event_body("line_text_user", webhookEventId="01HSECOND", replyToken="fresh")
    await line.post(second)
    await line.api.wait_for_deliveries(1)


# Messages Rasa starts itself (trigger_intent with output_channel=latest) -------------------


async def test_rasa_started_messages_are_pushed_to_the_user(line: Line) -> None:
    output = line.channel.get_output_channel()
    await output.send_response("U4af4980629aaaaaaaaaaaaaaaaaaaaaa", {"text": "您提過的需求，現在有新的服務"})
    (push,) = line.api.deliveries
    assert push.endpoint == "push" and push.body["to"] == "U4af4980629aaaaaaaaaaaaaaaaaaaaaa"
    assert push.body["messages"] == [{"type": "text", "text": "您提過的需求，現在有新的服務"}]


async def test_a_group_members_conversation_is_pushed_to_the_group(line: Line) -> None:
    await line.channel.get_output_channel().send_response("Cgroup0001:Umember0001", {"text": "news"})
    (push,) = line.api.deliveries
    assert push.body["to"] == "Cgroup0001"


async def test_a_refused_push_raises_so_rasa_reports_the_trigger_as_failed(line: Line) -> None:
    from channels.common import DeliveryFailed

    line.api.fail("push", 400)
    with pytest.raises(DeliveryFailed, match="LINE push failed"):
        await line.channel.get_output_channel().send_response("Uperson", {"text": "news"})
    assert line.api.deliveries == []
