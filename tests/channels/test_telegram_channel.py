"""channels/telegram.py over real HTTP against a fake Bot API: secret token, commands, button
taps, ordered sends, retries, and bad input."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, List, Optional

import pytest
from fake_telegram import FakeTelegramApi
from harness import Client, FakeDialogue, Server, payload, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage

from bot.render.response import Button, Response
from channels.common import MAX_BODY_BYTES, RetryPolicy
from channels.telegram import COMMANDS, TelegramInput, check_secret_token, user_text

SECRET = "test_secret-token"
UPDATE_IDS = itertools.count(50_000)  # fresh ids, so de-duplication does not hide fuzzed updates
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0)


def consent_turn(message: UserMessage) -> List[Dict[str, Any]]:
    if message.text != "/greet":
        return [{"text": f"您說：{message.text}"}]
    ask = Response(
        "您同意嗎？", buttons=[Button("同意", "/consent_give"), Button("不同意", "/consent_decline")]
    )
    return [{"text": "您好！"}, {"text": ask.text, "buttons": ask.to_rasa_message()["buttons"]}]


@dataclass
class Telegram:
    channel: TelegramInput
    dialogue: FakeDialogue
    server: Server
    api: FakeTelegramApi
    client: Client

    async def post(
        self, body: Any, secret: Optional[str] = SECRET, content_type: str = "application/json"
    ) -> tuple[int, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": content_type}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.client.post(self.server.url, raw, headers)

    async def settle(self) -> None:
        await self.channel.tasks.drain(timeout=10)


@pytest.fixture
async def telegram(telegram_api: FakeTelegramApi, client: Client) -> AsyncIterator[Telegram]:
    channel = TelegramInput(telegram_api.token, SECRET, api_base=telegram_api.url, retry=FAST)
    dialogue = FakeDialogue(consent_turn)
    server = await serve(channel, dialogue)
    yield Telegram(channel, dialogue, server, telegram_api, client)
    await channel.tasks.drain(timeout=10)
    await server.stop()


def update(name: str, update_id: int = 10000, **message: Any) -> Dict[str, Any]:
    body = payload(name)
    body["update_id"] = update_id
    body.get("message", {}).update(message)
    return body


# Secret token -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_missing_or_wrong_secret_token_is_refused(telegram: Telegram, secret: Optional[str]) -> None:
    status, body = await telegram.post(update("telegram_message"), secret=secret)
    await telegram.settle()
    assert status == 401 and "X-Telegram-Bot-Api-Secret-Token" in body["error"]
    assert telegram.dialogue.received == [] and telegram.api.calls == []


def test_secret_tokens_telegram_would_refuse_are_refused_at_start_up() -> None:
    for bad in ["", "has space", "ü", "x" * 257]:
        with pytest.raises(ValueError):
            check_secret_token(bad)


# Messages and commands -------------------------------------------------------------------


async def test_start_greets_and_asks_consent_in_order(telegram: Telegram) -> None:
    assert await telegram.post(update("telegram_message")) == (200, {"status": "ok"})
    sent = await telegram.api.wait_for("sendMessage", 2)
    [message] = telegram.dialogue.received
    assert message.text == "/greet" and message.sender_id == "1111111" and message.input_channel == "telegram"
    assert message.metadata == {"event": "command", "chat_type": "private", "language": "zh-TW"}
    assert [s["text"] for s in sent] == ["您好！", "您同意嗎？"]
    assert sent[0]["chat_id"] == 1111111 and "reply_markup" not in sent[0]
    assert sent[1]["reply_markup"]["inline_keyboard"] == [
        [{"text": "同意", "callback_data": "/consent_give"}],
        [{"text": "不同意", "callback_data": "/consent_decline"}],
    ]
    assert all(s["parse_mode"] == "HTML" for s in sent)
    assert [c.method for c in telegram.api.calls][:1] == ["getMe"], "PTB's Bot is initialised first"


@pytest.mark.parametrize("command, payload_text", [(f"/{c}", p) for c, p in COMMANDS.items()])
async def test_commands_map_to_dialogue_payloads(telegram: Telegram, command: str, payload_text: str) -> None:
    await telegram.post(update("telegram_message", text=command))
    await telegram.settle()
    assert telegram.dialogue.received[0].text == payload_text


def test_command_parsing() -> None:
    assert user_text("/lang@coserve_bot") == "/change_language"
    assert user_text("/DELETE") == "/delete_my_data"
    assert user_text("/consent_give") == "consent_give", "no typing intents directly"
    assert user_text("/weather 大安區") == "weather 大安區"
    assert user_text("垃圾車幾點來") == "垃圾車幾點來"


async def test_link_with_a_code_carries_the_code_to_the_dialogue(telegram: Telegram) -> None:
    await telegram.post(update("telegram_message", text="/link 483920"))
    await telegram.post(update("telegram_message", update_id=10001, text="/link"))
    await telegram.settle()
    texts = [m.text for m in telegram.dialogue.received]
    assert texts == ['/link_account{"link_code": "483920"}', "/link_account"]
    assert telegram.dialogue.received[0].input_channel == "telegram"


def test_link_command_parsing() -> None:
    assert user_text("/link@coserve_bot 483920") == '/link_account{"link_code": "483920"}'
    assert user_text("/link 483 920") == '/link_account{"link_code": "483 920"}', "the action reads the digits"
    assert user_text("/link 12345") == '/link_account{"link_code": "12345"}', "a wrong length is pointed out"
    assert user_text("/link please") == "/link_account"
    assert user_text('/link 1"}{"x": "y') == "/link_account", "nothing but digits reaches the payload"
    assert user_text("/unlink") == "/unlink_account"


async def test_text_in_a_group_is_per_person_and_answered_in_the_group(telegram: Telegram) -> None:
    body = update("telegram_message", text="垃圾車幾點來")
    body["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "里民群組"}
    await telegram.post(body)
    [sent] = await telegram.api.wait_for("sendMessage", 1)
    assert telegram.dialogue.received[0].sender_id == "-100123:1111111"
    assert sent["chat_id"] == -100123 and sent["text"] == "您說：垃圾車幾點來"


async def test_html_in_the_answer_is_escaped(telegram: Telegram) -> None:
    telegram.dialogue.script = lambda _: [{"text": "<b>not bold</b> & co"}]
    await telegram.post(update("telegram_message", text="hi"))
    [sent] = await telegram.api.wait_for("sendMessage", 1)
    assert sent["text"] == "&lt;b&gt;not bold&lt;/b&gt; &amp; co"


async def test_a_long_answer_is_split_into_messages_in_order(telegram: Telegram) -> None:
    telegram.dialogue.script = lambda _: [{"text": "一" * 5000 + "\n\n" + "二" * 5000}]
    await telegram.post(update("telegram_message", text="hi"))
    sent = await telegram.api.wait_for("sendMessage", 4)
    assert [s["text"] for s in sent] == ["一" * 4096, "一" * 904, "二" * 4096, "二" * 904]


async def test_non_text_messages_get_a_polite_answer_in_private_only(telegram: Telegram) -> None:
    photo = update("telegram_message")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    await telegram.post(photo)
    [sent] = await telegram.api.wait_for("sendMessage", 1)
    assert "文字" in sent["text"] and "text" in sent["text"] and telegram.dialogue.received == []
    photo["update_id"] += 1
    photo["message"]["chat"] = {"id": -100123, "type": "group", "title": "g"}
    await telegram.post(photo)
    await telegram.settle()
    assert len(telegram.api.sent()) == 1


async def test_a_redelivered_update_is_processed_once(telegram: Telegram) -> None:
    await telegram.post(update("telegram_message", text="hi"))
    await telegram.post(update("telegram_message", text="hi"))
    await telegram.settle()
    assert len(telegram.dialogue.received) == 1


@pytest.mark.parametrize("kind", ["edited_message", "channel_post", "business_message", "something_new"])
async def test_other_update_types_are_acknowledged_and_ignored(telegram: Telegram, kind: str) -> None:
    message = dict(payload("telegram_message")["message"], edit_date=1441645600)
    assert await telegram.post({"update_id": 7, kind: message}) == (200, {"status": "ok"})
    await telegram.settle()
    assert telegram.dialogue.received == [] and telegram.api.calls == []


# Button taps --------------------------------------------------------------------------------


async def test_a_button_tap_is_answered_and_its_payload_sent_to_the_dialogue(telegram: Telegram) -> None:
    body = payload("telegram_callback_query")
    body["callback_query"]["data"] = "/consent_give"
    await telegram.post(body)
    [sent] = await telegram.api.wait_for("sendMessage", 1)
    [answered] = telegram.api.sent("answerCallbackQuery")
    assert answered["callback_query_id"] == "4382bfdwdsb323b2d9"
    [message] = telegram.dialogue.received
    assert message.text == "/consent_give" and message.metadata["language"] == "en"
    assert sent["chat_id"] == 1111111


async def test_a_long_payload_round_trips_through_its_stand_in(telegram: Telegram) -> None:
    long_payload = '/ask_public_service{"service_area":"household_registration"}'
    data = telegram.channel.payloads.shorten(long_payload + "臺北", lambda p: len(p.encode()) <= 64)
    body = payload("telegram_callback_query")
    body["callback_query"]["data"] = data
    await telegram.post(body)
    await telegram.api.wait_for("sendMessage", 1)
    assert telegram.dialogue.received[0].text == long_payload + "臺北"


async def test_an_expired_button_is_answered_without_the_dialogue(telegram: Telegram) -> None:
    body = payload("telegram_callback_query")
    body["callback_query"]["data"] = "~gone"
    await telegram.post(body)
    [sent] = await telegram.api.wait_for("sendMessage", 1)
    assert "expired" in sent["text"] and telegram.dialogue.received == []
    assert len(telegram.api.sent("answerCallbackQuery")) == 1


# Retries -----------------------------------------------------------------------------------


async def test_flood_control_retry_after_is_respected(telegram: Telegram) -> None:
    telegram.api.fail("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    await telegram.post(update("telegram_message", text="hi"))
    await telegram.api.wait_for("sendMessage", 1, timeout=8)
    assert time.monotonic() - started >= 0.95


async def test_server_errors_are_retried(telegram: Telegram) -> None:
    telegram.api.fail("sendMessage", 502, times=2)
    await telegram.post(update("telegram_message", text="hi"))
    await telegram.api.wait_for("sendMessage", 1)
    assert [c.ok for c in telegram.api.calls if c.method == "sendMessage"] == [False, False, True]


async def test_refusals_are_logged_not_raised_and_the_turn_goes_on(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.api.fail("sendMessage", 500, times=3)
    telegram.dialogue.script = lambda _: [{"text": "first"}, {"text": "second"}]
    await telegram.post(update("telegram_message", text="hi"))
    await telegram.settle()
    assert "Telegram sendMessage failed" in caplog.text and telegram.api.token not in caplog.text
    assert [s["text"] for s in telegram.api.sent()] == ["second"]


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, content_type, status, error",
    [
        (b"{nope", "application/json", 400, "body is not valid JSON"),
        (b"[1]", "application/json", 400, "body must be a JSON object"),
        (b'{"message": {}}', "application/json", 400, "body must have an integer 'update_id'"),
        (b'{"update_id": true}', "application/json", 400, "body must have an integer 'update_id'"),
        (
            b'{"update_id": 1, "message": {"text": "no chat"}}',
            "application/json",
            400,
            "body is not a Telegram Update",
        ),
        (b'{"update_id": 1}', "text/plain", 400, "Content-Type must be application/json"),
        (b'{"update_id": 1, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json", 413, None),
    ],
)
async def test_bad_bodies_get_a_clear_4xx_and_nothing_is_processed(
    telegram: Telegram, raw: bytes, content_type: str, status: int, error: Optional[str]
) -> None:
    got_status, body = await telegram.post(raw, content_type=content_type)
    assert got_status == status and body["error"] == (error or body["error"])
    await telegram.settle()
    assert telegram.dialogue.received == [] and telegram.api.calls == []
    await telegram.post(update("telegram_message", update_id=99, text="still there?"))
    await telegram.settle()
    assert [m.text for m in telegram.dialogue.received] == ["still there?"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000) | st.text(max_size=300).map(str.encode))
async def test_fuzzed_bodies_never_crash_and_reach_nobody(telegram: Telegram, raw: bytes) -> None:
    status, body = await telegram.post(raw)
    assert status in (200, 400) and ("error" in body if status == 400 else body == {"status": "ok"})
    await telegram.settle()
    assert telegram.dialogue.received == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    message=st.fixed_dictionaries(
        {},
        optional={
            "message_id": st.integers() | st.text(max_size=3),
            "date": st.integers(0, 2**31),
            "chat": st.just({"id": 1, "type": "private"}) | st.just({"id": "x", "type": 3}) | st.none(),
            "from": st.just({"id": 1, "is_bot": False, "first_name": "a", "language_code": "en"})
            | st.just({"id": 1, "is_bot": False, "first_name": "a", "language_code": 7})
            | st.just({"id": "1"}),
            "text": st.text(max_size=20) | st.integers() | st.sampled_from(["/start", "/lang@x", "/"]),
            "photo": st.just([]),
        },
    )
)
async def test_fuzzed_updates_are_refused_or_handled_never_crash(
    telegram: Telegram, message: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    status, _ = await telegram.post({"update_id": next(UPDATE_IDS), "message": message})
    assert status in (200, 400)
    await telegram.settle()
    assert len(telegram.channel.tasks) == 0 and "background task" not in caplog.text


# Messages Rasa starts itself (trigger_intent with output_channel=latest) -------------------


@pytest.mark.parametrize("sender, chat_id", [("1111111", 1111111), ("-100123:42", -100123)])
async def test_rasa_started_messages_go_to_the_conversations_chat(
    telegram: Telegram, sender: str, chat_id: int
) -> None:
    output = telegram.channel.get_output_channel()
    await output.send_response(sender, {"text": "You told us about a need; there is now: <news>"})
    (sent,) = telegram.api.sent()
    assert sent["chat_id"] == chat_id and sent["text"] == "You told us about a need; there is now: &lt;news&gt;"


async def test_a_refused_send_raises_with_the_token_masked(telegram: Telegram) -> None:
    from channels.common import DeliveryFailed

    telegram.api.fail("sendMessage", 400)
    with pytest.raises(DeliveryFailed) as raised:
        await telegram.channel.get_output_channel().send_response("1111111", {"text": "news"})
    assert telegram.api.token not in str(raised.value) and telegram.api.sent() == []
    with pytest.raises(DeliveryFailed, match="not a Telegram conversation id"):
        await telegram.channel.get_output_channel().send_response("web-session", {"text": "news"})
