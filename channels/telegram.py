"""Telegram channel for Rasa on python-telegram-bot 21: ``Update.de_json`` to read, ``Bot`` to send.

Telegram proves a webhook call is its own with the secret token given to setWebhook, echoed in
``X-Telegram-Bot-Api-Secret-Token``; anything else is refused before the body is read. Commands
map to dialogue payloads, button taps come back as callback queries (answered at once, so the
client stops spinning), and each turn's messages are sent in order. Turns Rasa starts itself
(``trigger_intent`` with ``output_channel=latest``, e.g. follow-up) go out through
``TelegramOutput`` to the chat the sender id names.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint
from sanic.request import Request
from telegram import Bot, CallbackQuery, Chat, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.render.telegram import TelegramMessage, render_telegram
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
    read_body,
    require_json,
    run_turn,
    same_secret,
    user_metadata,
    webhook_blueprint,
    with_retries,
)

logger = logging.getLogger(__name__)

API_BASE = "https://api.telegram.org"
COMMANDS = {
    "start": "/greet",
    "help": "/help",
    "lang": "/change_language",
    "privacy": "/show_my_data",
    "delete": "/delete_my_data",
    "link": "/link_account",
    "unlink": "/unlink_account",
}
_CODE_ARGUMENT = re.compile(r"[0-9０-９][0-9０-９ -]{0,15}")  # "/link 483920" (the action checks the length)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_secret_token(token: str) -> str:
    """The token, if Telegram accepts it for setWebhook (1-256 of A-Z a-z 0-9 _ -)."""
    if not _SECRET_TOKEN.fullmatch(token):
        raise ValueError("the Telegram secret token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return token


def make_bot(token: str, api_base: str = API_BASE) -> Bot:
    """A Bot on ``api_base`` (a local fake in tests) with a connection pool for concurrent chats."""
    return Bot(token, base_url=f"{api_base.rstrip('/')}/bot", request=HTTPXRequest(connection_pool_size=32))


def user_text(text: str) -> str:
    """A message as the dialogue should read it: known commands become their payloads, and an
    unknown "/command" loses its slash so it cannot name a dialogue intent directly.
    ``/link 483920`` carries the code as the ``link_code`` entity."""
    if not text.startswith("/"):
        return text
    command, _, rest = text[1:].partition(" ")
    name = command.split("@")[0].lower()
    payload = COMMANDS.get(name)
    if payload and name == "link" and _CODE_ARGUMENT.fullmatch(rest.strip()):
        return payload + json.dumps({"link_code": rest.strip()}, ensure_ascii=False)
    return payload if payload else f"{command} {rest}".strip()


class TelegramInput(InputChannel):
    """Rasa input channel ``telegram``: ``POST /webhooks/telegram/webhook``."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        token, secret = credentials.get("token"), credentials.get("secret_token")
        if not token or not secret:
            cls.raise_missing_credentials_exception()
        return cls(str(token), str(secret), credentials.get("api_base") or API_BASE)

    def __init__(
        self,
        token: str,
        secret_token: str,
        api_base: str = API_BASE,
        retry: RetryPolicy = RetryPolicy(),
        payloads: Optional[PayloadTable] = None,
    ) -> None:
        self._token = token
        self._secret = check_secret_token(secret_token)
        self._retry = retry
        self.bot = make_bot(token, api_base)
        self.payloads = payloads or PayloadTable()
        self.tasks = BackgroundTasks()
        self._updates = RecentIds()
        self._ready_lock = asyncio.Lock()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        async def accept(request: Request) -> None:
            if not same_secret(request.headers.get("x-telegram-bot-api-secret-token"), self._secret):
                raise WebhookError(401, "missing or wrong X-Telegram-Bot-Api-Secret-Token header")
            body = await read_body(request)
            require_json(request)
            data = parse_json_object(body)
            update_id = data.get("update_id")
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise WebhookError(400, "body must have an integer 'update_id'")
            try:
                update = Update.de_json(data, None)
            except Exception:  # untrusted input: any failure to read it is the sender's error
                update = None
            if update is None or not _well_formed(update):
                raise WebhookError(400, "body is not a Telegram Update")
            if self._updates.first_time(str(update_id)):
                self.tasks.spawn(self._handle(update, on_new_message), name="telegram update")

        return webhook_blueprint("telegram_webhook", accept, self.bot.shutdown)  # a no-op if never used

    def get_output_channel(self) -> OutputChannel:
        """For Rasa's HTTP API: messages of a turn no webhook started are sent to the chat."""
        return TelegramOutput(self)

    async def push(self, sender_id: str, message: Dict[str, Any]) -> None:
        """One bot message to the conversation's chat; raises DeliveryFailed (token masked)."""
        try:
            chat_id = int(chat_of(sender_id))
        except ValueError:
            raise DeliveryFailed("not a Telegram conversation id") from None
        for send in self._sends(chat_id, render_telegram([dict(message)], self.payloads)):
            try:
                await self._request(send, "sendMessage")
            except (TelegramError, TransientError) as error:
                raise DeliveryFailed(f"Telegram sendMessage failed: {self._masked(error)}") from None

    async def _handle(self, update: Update, on_new_message: OnNewMessage) -> None:
        """A message or a button tap; edits, channel posts and member updates need no answer."""
        if update.callback_query is not None:
            await self._on_button(update.callback_query, on_new_message)
        elif update.message is not None and update.message.text is not None:
            message = update.message
            text = user_text(message.text or "")
            event = "command" if text != message.text else "message"
            await self._turn(message.chat, message.from_user, text, event, on_new_message, message.message_id)
        elif update.message is not None and update.message.chat.type == Chat.PRIVATE:
            await self._send(update.message.chat.id, [TelegramMessage(_escape(TEXT_ONLY_REPLY), None)])

    async def _on_button(self, query: CallbackQuery, on_new_message: OnNewMessage) -> None:
        await self._call(partial(self.bot.answer_callback_query, query.id), "answerCallbackQuery")
        message = query.message
        if not isinstance(message, Message):  # inline-mode or too old to reach: not our keyboard
            return
        payload = self.payloads.resolve(query.data or "")
        if payload is None:
            await self._send(message.chat.id, [TelegramMessage(_escape(BUTTON_EXPIRED_REPLY), None)])
            return
        await self._turn(message.chat, query.from_user, payload, "callback_query", on_new_message, None)

    async def _turn(
        self,
        chat: Chat,
        user: Optional[User],
        text: str,
        event: str,
        on_new_message: OnNewMessage,
        message_id: Optional[int],
    ) -> None:
        """The dialogue's answer to ``text``; in a group each person has their own conversation."""
        sender_id = f"{chat.id}:{user.id}" if user is not None and chat.type != Chat.PRIVATE else str(chat.id)
        language = language_hint(user.language_code) if user else None
        metadata = user_metadata(event, language, chat_type=chat.type)
        message_ref = str(message_id) if message_id is not None else None
        turn = await run_turn(on_new_message, text, sender_id, self.name(), metadata, message_ref)
        await self._send(chat.id, render_telegram(turn, self.payloads))

    async def _send(self, chat_id: int, messages: List[TelegramMessage]) -> None:
        """The messages in order (a failure is logged and the next one still goes)."""
        for send in self._sends(chat_id, messages):
            await self._call(send, "sendMessage")

    def _sends(self, chat_id: int, messages: List[TelegramMessage]) -> List[Callable[[], Awaitable[Any]]]:
        """One sendMessage call per message; cards carry links, so link previews would only add noise."""
        no_preview = LinkPreviewOptions(is_disabled=True)
        sends: List[Callable[[], Awaitable[Any]]] = []
        for message in messages:
            markup = (
                InlineKeyboardMarkup.de_json(message.reply_markup, self.bot) if message.reply_markup else None
            )
            sends.append(partial(
                self.bot.send_message,
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=no_preview,
            ))
        return sends

    async def _call(self, request: Callable[[], Awaitable[Any]], what: str) -> None:
        """``_request``, with a refusal logged, never raised, so one bad message cannot stop a
        conversation."""
        try:
            await self._request(request, what)
        except (TelegramError, TransientError) as error:
            logger.error("Telegram %s failed: %s", what, self._masked(error))

    def _masked(self, error: Exception) -> str:
        return str(error).replace(self._token, "<token>")

    async def _request(self, request: Callable[[], Awaitable[Any]], what: str) -> Any:
        """One Bot API call (after getMe, once), retried when Telegram asks or the network fails;
        the last failure is raised."""

        async def attempt() -> Any:
            try:
                async with self._ready_lock:
                    await self.bot.initialize()  # idempotent; the first call runs getMe
                return await request()
            except RetryAfter as error:
                raise TransientError("rate limited", float(error.retry_after)) from error
            except BadRequest:
                raise
            except NetworkError as error:  # timeouts, 5xx, connection errors
                raise TransientError(type(error).__name__) from error

        return await with_retries(attempt, self._retry, f"Telegram {what}")


class TelegramOutput(OutputChannel):
    """Sends each bot message of a turn Rasa started itself to the conversation's chat (the
    sender id is the chat id, or ``"<chat>:<user>"`` in a group)."""

    def __init__(self, channel: TelegramInput) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        await self.channel.push(recipient_id, message)


def _well_formed(update: Update) -> bool:
    """Whether what the channel reads has the types the Bot API promises: ``de_json`` builds
    objects from any JSON without checking them."""
    query = update.callback_query
    messages = [update.message, query.message if query and isinstance(query.message, Message) else None]
    users = [m.from_user for m in messages if m is not None] + [query.from_user if query else None]
    for message in (m for m in messages if m is not None):
        chat = message.chat
        if not (isinstance(chat, Chat) and isinstance(chat.id, int) and isinstance(chat.type, str)):
            return False
        if not isinstance(message.text, (str, type(None))) or not isinstance(message.message_id, int):
            return False
    for user in (u for u in users if u is not None):
        if not (isinstance(user, User) and isinstance(user.id, int)):
            return False
        if not isinstance(user.language_code, (str, type(None))):
            return False
    return query is None or (isinstance(query.id, str) and isinstance(query.data, (str, type(None))))


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
