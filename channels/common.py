"""What the LINE and Telegram webhooks share: bounded bodies and clear JSON errors, one
acknowledge-then-work webhook blueprint, de-duplication, dialogue turns run in the background,
and bounded retries.

Both platforms redeliver a webhook that is not acknowledged quickly, so a webhook only checks
the request, answers 200, and leaves the dialogue turn to a background task, which then sends
every bot message of the turn together.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import random
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Set, TypeVar

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Blueprint
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.language import EN, ZH_TW

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
TEXT_ONLY_REPLY = (
    "抱歉，我目前只看得懂文字訊息，請直接輸入您的問題。\n"
    "Sorry, I can only read text messages. Please type your question."
)
BUTTON_EXPIRED_REPLY = (
    "這個按鈕已經失效了，請直接輸入您需要的協助。\nThat button has expired. Please type what you need."
)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
T = TypeVar("T")


class WebhookError(Exception):
    """A request the webhook refuses; the client gets ``status`` and the reason as JSON."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> HTTPResponse:
        return json_response({"error": self.reason}, status=self.status)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body of a streamed request, refused (413) past ``limit`` bytes, whether declared
    in Content-Length or only found while reading (chunked bodies, lying headers)."""
    declared = request.headers.get("content-length")  # Sanic has checked it is a number
    if declared is not None and int(declared) > limit:
        raise WebhookError(413, f"body is larger than {limit} bytes")
    stream = request.stream
    if stream is None:
        return request.body
    stream.request_max_size = limit  # Sanic stops reading, and closes, past this
    chunks: List[bytes] = []
    size = 0
    try:
        while (chunk := await stream.read()) is not None:
            size += len(chunk)
            if size > limit:
                raise WebhookError(413, f"body is larger than {limit} bytes")
            chunks.append(chunk)
    except PayloadTooLarge:
        raise WebhookError(413, f"body is larger than {limit} bytes") from None
    return b"".join(chunks)


def require_json(request: Request) -> None:
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise WebhookError(400, "Content-Type must be application/json")


def parse_json_object(body: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # includes JSONDecodeError and UnicodeDecodeError
        raise WebhookError(400, "body is not valid JSON") from None
    if not isinstance(value, dict):
        raise WebhookError(400, "body must be a JSON object")
    return value


def same_secret(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison, so a wrong secret reveals nothing through timing."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def webhook_blueprint(
    name: str, accept: Callable[[Request], Awaitable[None]], close: Callable[[], Awaitable[None]]
) -> Blueprint:
    """``GET /`` (health) and ``POST /webhook``: ``accept`` checks the request and starts the
    work, raising ``WebhookError`` to refuse it; ``close`` runs when the server stops."""
    blueprint = Blueprint(name)

    @blueprint.get("/")
    async def health(_: Request) -> HTTPResponse:
        return json_response({"status": "ok"})

    @blueprint.post("/webhook", stream=True)
    async def webhook(request: Request) -> HTTPResponse:
        try:
            await accept(request)
        except WebhookError as error:
            logger.info("%s webhook refused a request: %d %s", name, error.status, error.reason)
            return error.response()
        return json_response({"status": "ok"})

    @blueprint.listener("after_server_stop")
    async def stop(*_: Any) -> None:
        await close()

    return blueprint


class RecentIds:
    """Ids seen in the last ``ttl`` seconds (at most ``capacity`` of them): platforms redeliver
    events, and each must reach the dialogue once."""

    def __init__(
        self, ttl: float = 24 * 3600, capacity: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen (and remembers it), False on a repeat."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - self._ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


class BackgroundTasks:
    """Work a webhook started after answering: referenced until done (so it is not garbage
    collected half-way), and failures are logged instead of vanishing."""

    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout: Optional[float] = None) -> None:
        """Waits for the work in flight (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def __len__(self) -> int:
        return len(self._tasks)


class TurnCollector(CollectingOutputChannel):
    """Keeps each bot message whole. Rasa's own collector splits text at blank lines and sends
    cards apart from their text; a channel reply needs the turn exactly as the dialogue said it."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append(dict(message))


async def run_turn(
    on_new_message: OnNewMessage,
    text: str,
    sender_id: str,
    channel: str,
    metadata: Dict[str, Any],
    message_id: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """Every bot message the dialogue answers ``text`` with, in order."""
    collector = TurnCollector()
    message = UserMessage(
        text, collector, sender_id, input_channel=channel, message_id=message_id, metadata=metadata
    )
    await on_new_message(message)
    return collector.messages


def user_metadata(event: str, language: Optional[str], **extra: Any) -> Dict[str, Any]:
    """What the dialogue learns besides the text: the kind of event and, when the platform
    says, the person's app language (``zh-TW`` or ``en``) as a hint."""
    metadata: Dict[str, Any] = {"event": event, **extra}
    if language:
        metadata["language"] = language
    return metadata


def language_hint(code: Any) -> Optional[str]:
    """``zh-TW`` or ``en`` for a platform language code ("zh-Hant", "en-US"), else None."""
    code = code.lower() if isinstance(code, str) else ""
    return ZH_TW if code.startswith("zh") else EN if code.startswith("en") else None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` in all, backing off exponentially (with jitter) from
    ``base_delay``; a server asking us to wait longer than ``max_delay`` ends the attempts."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 10.0


class DeliveryFailed(Exception):
    """A message Rasa's HTTP API asked a channel to send (``trigger_intent`` with
    ``output_channel``) did not reach the platform. Raised, unlike a failed reply to a webhook,
    so Rasa answers the API call with an error and does not save the turn."""


def chat_of(sender_id: str) -> str:
    """The chat a conversation lives in: channels key a person in a group chat as
    ``"<chat>:<user>"`` (one conversation each), and a one-to-one chat as the chat alone."""
    return sender_id.split(":", 1)[0]


class TransientError(Exception):
    """A failure worth retrying (timeout, 5xx, 429), with the server's Retry-After if given."""

    def __init__(self, reason: str, retry_after: Optional[float] = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """``call()``, retried on ``TransientError``; the last failure is raised."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call()
        except TransientError as error:
            backoff = policy.base_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
            delay = error.retry_after if error.retry_after is not None else min(backoff, policy.max_delay)
            if attempt == policy.attempts or delay > policy.max_delay:
                raise
            logger.warning("%s failed (%s); retry %d in %.2f s", what, error, attempt, delay)
            await asyncio.sleep(delay)
    raise AssertionError("RetryPolicy.attempts must be at least 1")
