"""Rasa bot messages -> Telegram sendMessage texts (HTML parse mode) with inline keyboards.

Limits from core.telegram.org/bots/api: message text 1-4096 characters after entity parsing
(counted here in UTF-16 code units, never fewer), callback_data 1-64 bytes of UTF-8. Longer
payloads travel as short stand-ins from a ``PayloadTable``, resolved when the callback query
arrives. Everything the dialogue wrote is HTML-escaped; only card titles are set in bold.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, NamedTuple, Optional

from bot.language import ZH_TW
from bot.render.response import Button
from bot.render.text import (
    CHOOSE,
    Part,
    PayloadTable,
    card_text,
    is_web_url,
    parts_of,
    split,
    truncate,
    turn_language,
    utf8_len,
    utf16_len,
)

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TEXT = 64  # not a documented limit: long labels are cut so keyboards stay readable
MAX_BUTTONS = 100  # Telegram refuses larger inline keyboards
TITLE_CHARS = 256
SEPARATOR = "\n\n"


class TelegramMessage(NamedTuple):
    """The ``text`` (HTML) and ``reply_markup`` (an InlineKeyboardMarkup as a dict) of one sendMessage."""

    text: str
    reply_markup: Optional[Dict[str, Any]]


@dataclass(frozen=True)
class _Run:
    text: str
    bold: bool = False


def _visible(runs: List[_Run]) -> int:
    return sum(utf16_len(run.text) for run in runs)


def _html(runs: List[_Run]) -> str:
    escaped = [(html.escape(run.text, quote=False), run.bold) for run in runs]
    return "".join(f"<b>{text}</b>" if bold else text for text, bold in escaped)


def _blocks(part: Part, language: str) -> List[List[_Run]]:
    """The part's text and each card as runs of at most 4096 visible characters each."""
    blocks: List[List[_Run]] = [[_Run(piece)] for piece in split(part.text, MAX_TEXT)]
    for card in part.cards:
        text = card_text(card, language)
        title = truncate(text.title.strip() or "—", TITLE_CHARS)
        body = split("\n".join(text.lines), MAX_TEXT - utf16_len(title) - 1)
        first = [_Run(title, bold=True)] + ([_Run("\n" + body[0])] if body else [])
        blocks += [first] + [[_Run(piece)] for piece in body[1:]]
    return blocks


def _pack(blocks: List[List[_Run]]) -> List[str]:
    """Blocks joined by blank lines into as few messages as fit in 4096 characters each."""
    messages: List[List[_Run]] = []
    size = 0
    for block in blocks:
        needed = _visible(block)
        if messages and size + utf16_len(SEPARATOR) + needed <= MAX_TEXT:
            messages[-1] += [_Run(SEPARATOR)] + block
            size += utf16_len(SEPARATOR) + needed
        else:
            messages.append(list(block))
            size = needed
    return [_html(runs) for runs in messages]


def _keyboard(buttons: List[Button], payloads: PayloadTable) -> Optional[Dict[str, Any]]:
    """One button per row: a link opens the page, anything else comes back as a callback query."""
    rows = []
    for button in list({(b.payload, b.title): b for b in buttons}.values())[:MAX_BUTTONS]:
        label = truncate(button.title.strip() or button.payload.strip() or "…", MAX_BUTTON_TEXT, len)
        if is_web_url(button.payload):
            rows.append([{"text": label, "url": button.payload}])
        else:
            data = payloads.shorten(button.payload, lambda p: 1 <= utf8_len(p) <= MAX_CALLBACK_BYTES)
            rows.append([{"text": label, "callback_data": data}])
    return {"inline_keyboard": rows} if rows else None


def render_telegram(
    messages: Iterable[Dict[str, Any]], payloads: PayloadTable, language: Optional[str] = None
) -> List[TelegramMessage]:
    """Each bot message as one or more Telegram messages, in order; its buttons go on the last."""
    messages = list(messages)
    language = language or turn_language(messages)
    out: List[TelegramMessage] = []
    for part in parts_of(messages):
        links = {card.url for card in part.cards}  # already in the card's text
        buttons = part.buttons + [b for card in part.cards for b in card.buttons if b.payload not in links]
        keyboard = _keyboard(buttons, payloads)
        texts = _pack(_blocks(part, language))
        if keyboard and not texts:
            texts = [html.escape(CHOOSE.get(language, CHOOSE[ZH_TW]))]
        out += [
            TelegramMessage(text, keyboard if i == len(texts) - 1 else None) for i, text in enumerate(texts)
        ]
    return out
