"""LINE Messaging API channel for Rasa, on aiohttp and the standard library (no line-bot-sdk).

The webhook checks ``X-Line-Signature`` over the raw body before reading anything in it,
answers 200 at once and runs each event's dialogue turn in the background. The whole turn goes
back in one Reply API call; when the reply token is spent or LINE keeps failing, the Push API
(billed, unlike replies) delivers it to the user, group or room instead.

Messages nobody replied to (Rasa's ``trigger_intent`` with ``output_channel=latest``, e.g.
follow-up) go out through ``LineOutput``: a push to the chat the sender id names.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint
from sanic.request import Request

from bot.render.line import LineMessage, render_line
from bot.render.text import PayloadTable
from channels.common import (
    BUTTON_EXPIRED_REPLY,
    TEXT_ONLY_REPLY,
    BackgroundTasks,
    DeliveryFailed,
    OnNewMessage,
    RecentIds,
    RetryPolicy,
    TransientError,
    WebhookError,
    chat_of,
    language_hint,
    parse_json_object,
    parse_retry_after,
    read_body,
    require_json,
    run_turn,
    same_secret,
    user_metadata,
    webhook_blueprint,
    with_retries,
)

logger = logging.getLogger(__name__)

API_BASE = "https://api.line.me"
GREET = "/greet"


class LineApiError(Exception):
    """LINE refused a request for good (a 4xx other than 429): retrying cannot help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


class LineApi:
    """The three Messaging API calls the channel makes, with retries on timeouts, 5xx and 429."""

    def __init__(self, access_token: str, api_base: str, retry: RetryPolicy, timeout: float = 10.0) -> None:
        self._token = access_token
        self._base = api_base.rstrip("/")
        self._retry = retry
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        """One session per channel, opened on first use inside the server's event loop."""
        if self._session is None or self._session.closed:
            headers = {"Authorization": f"Bearer {self._token}"}
            self._session = aiohttp.ClientSession(headers=headers, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def reply(self, reply_token: str, messages: List[LineMessage]) -> None:
        """The Reply API takes no retry key: in the rare case LINE accepted a reply yet answered
        5xx every time, the push that follows repeats it, which beats leaving a person unanswered."""
        await self._post("/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages})

    async def push(self, to: str, messages: List[LineMessage]) -> None:
        """Push with one X-Line-Retry-Key for every attempt, so a retry never delivers twice."""
        body = {"to": to, "messages": messages}
        await self._post("/v2/bot/message/push", body, retry_key=str(uuid.uuid4()))

    async def profile_language(self, user_id: str) -> Optional[str]:
        """The language of the person's LINE app, as a hint; None if LINE does not say."""
        url = f"{self._base}/v2/bot/profile/{quote(user_id, safe='')}"
        try:
            async with self._client().get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
                profile = await response.json() if response.status == 200 else {}
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return None
        return language_hint(profile.get("language")) if isinstance(profile, dict) else None

    async def _post(self, path: str, body: Dict[str, Any], retry_key: Optional[str] = None) -> None:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if retry_key:
            headers["X-Line-Retry-Key"] = retry_key

        async def attempt() -> None:
            try:
                async with self._client().post(f"{self._base}{path}", data=data, headers=headers) as response:
                    detail = (await response.text())[:300]
                    status = response.status
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                raise TransientError(type(error).__name__) from error
            if status == 200 or (status == 409 and retry_key):  # 409: this retry key was accepted
                return
            if status == 429 or status >= 500:
                raise TransientError(f"HTTP {status}", retry_after)
            raise LineApiError(status, detail)

        await with_retries(attempt, self._retry, f"LINE {path}")


def _object(value: Any) -> Dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: events are read defensively."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Source:
    """Where an event came from: ``sender_id`` is one person (per group, in a group chat) and
    ``to`` is where a push goes (the user, group or room)."""

    kind: str
    to: str
    sender_id: str
    user_id: Optional[str]

    @classmethod
    def of(cls, event: Dict[str, Any]) -> Optional[Source]:
        source = event.get("source")
        if not isinstance(source, dict):
            return None
        kind = source.get("type")
        user = source.get("userId") if isinstance(source.get("userId"), str) else None
        chat = {"user": user, "group": source.get("groupId"), "room": source.get("roomId")}.get(str(kind))
        if not isinstance(chat, str) or not chat:
            return None
        sender = chat if kind == "user" or not user else f"{chat}:{user}"
        return cls(str(kind), chat, sender, user)


class LineOutput(OutputChannel):
    """Pushes each bot message of a turn Rasa started itself to the sender's user, group or
    room (``Source.sender_id`` is the chat, or ``"<chat>:<user>"`` in a group or room)."""

    def __init__(self, api: LineApi, payloads: PayloadTable) -> None:
        self.api = api
        self.payloads = payloads

    @classmethod
    def name(cls) -> str:
        return "line"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        messages = render_line([dict(message)], self.payloads)
        if not messages:
            return
        try:
            await self.api.push(chat_of(recipient_id), messages)
        except (LineApiError, TransientError) as error:
            raise DeliveryFailed(f"LINE push failed: {error}") from None


class LineInput(InputChannel):
    """Rasa input channel ``line``: ``POST /webhooks/line/webhook``."""

    @classmethod
    def name(cls) -> str:
        return "line"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        # data_api_base (api-data.line.me) serves media content, which this text-only channel
        # never downloads; it may stay in credentials.yml.
        credentials = credentials or {}
        secret, token = credentials.get("channel_secret"), credentials.get("channel_access_token")
        if not secret or not token:
            cls.raise_missing_credentials_exception()
        return cls(str(secret), str(token), api_base=credentials.get("api_base") or API_BASE)

    def __init__(
        self,
        channel_secret: str,
        channel_access_token: str,
        api_base: str = API_BASE,
        retry: RetryPolicy = RetryPolicy(),
        payloads: Optional[PayloadTable] = None,
    ) -> None:
        self._secret = channel_secret.encode("utf-8")
        self.api = LineApi(channel_access_token, api_base, retry)
        self.payloads = payloads or PayloadTable()
        self.tasks = BackgroundTasks()
        self._events = RecentIds()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        async def accept(request: Request) -> None:
            body = await read_body(request)
            self._verify(request.headers.get("x-line-signature"), body)
            require_json(request)
            events = parse_json_object(body).get("events")
            if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
                raise WebhookError(400, "body must have an 'events' array of objects")
            for event in events:
                if self._first_delivery(event):
                    self.tasks.spawn(self._handle(event, on_new_message), name="line event")

        return webhook_blueprint("line_webhook", accept, self.api.close)

    def get_output_channel(self) -> OutputChannel:
        """For Rasa's HTTP API: messages of a turn no webhook started are pushed."""
        return LineOutput(self.api, self.payloads)

    def _verify(self, signature: Optional[str], body: bytes) -> None:
        """base64(HMAC-SHA256(channel secret, raw body)) must equal X-Line-Signature."""
        if not signature:
            raise WebhookError(401, "missing X-Line-Signature header")
        expected = base64.b64encode(hmac.new(self._secret, body, hashlib.sha256).digest()).decode("ascii")
        if not same_secret(signature, expected):
            raise WebhookError(401, "X-Line-Signature does not match the body")

    def _first_delivery(self, event: Dict[str, Any]) -> bool:
        """False for an event already taken (LINE redelivers when an answer was slow or lost)."""
        event_id = event.get("webhookEventId")
        if not isinstance(event_id, str):
            return True
        first = self._events.first_time(event_id)
        redelivered = _object(event.get("deliveryContext")).get("isRedelivery") is True
        if redelivered:
            logger.info("LINE redelivered event %s (%s)", event_id, "new" if first else "already handled")
        return first

    async def _handle(self, event: Dict[str, Any], on_new_message: OnNewMessage) -> None:
        """One event: run its dialogue turn and deliver the answer; other events are logged."""
        kind, source = event.get("type"), Source.of(event)
        if source is None or event.get("mode") == "standby":  # standby: another module answers
            logger.info("LINE %s event skipped (no usable source, or channel in standby)", kind)
            return
        metadata = user_metadata(str(kind), None, chat_type=source.kind)
        message = _object(event.get("message"))
        if kind == "message" and message.get("type") == "text":
            text = str(message.get("text") or "")
        elif kind == "message":
            if source.kind == "user":
                await self._deliver(event, source, [{"type": "text", "text": TEXT_ONLY_REPLY}])
            return
        elif kind == "postback":
            data = _object(event.get("postback")).get("data")
            resolved = self.payloads.resolve(data) if isinstance(data, str) else None
            if resolved is None:
                await self._deliver(event, source, [{"type": "text", "text": BUTTON_EXPIRED_REPLY}])
                return
            text = resolved
        elif kind == "follow":
            text = GREET
            language = await self.api.profile_language(source.user_id) if source.user_id else None
            metadata = user_metadata("follow", language, chat_type=source.kind)
        else:
            logger.info("LINE %s event needs no answer", kind)
            return
        message_id = message.get("id") if isinstance(message.get("id"), str) else None
        turn = await run_turn(on_new_message, text, source.sender_id, self.name(), metadata, message_id)
        messages = render_line(turn, self.payloads)
        if messages:
            await self._deliver(event, source, messages)

    async def _deliver(self, event: Dict[str, Any], source: Source, messages: List[LineMessage]) -> None:
        """One Reply API call; on any failure (spent token, LINE down) a push to the source."""
        token = event.get("replyToken")
        if isinstance(token, str) and token:
            try:
                await self.api.reply(token, messages)
                return
            except (LineApiError, TransientError) as error:
                logger.warning("LINE reply failed (%s); pushing to the %s instead", error, source.kind)
        try:
            await self.api.push(source.to, messages)
        except (LineApiError, TransientError) as error:
            logger.error("LINE push to a %s failed; the answer was not delivered: %s", source.kind, error)
