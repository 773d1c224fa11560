"""Rasa bot messages -> the message objects of ONE LINE reply, within the Messaging API limits.

Limits from developers.line.biz/en/reference/messaging-api and "Character counting in a text":
message text is counted in UTF-16 code units, action labels and displayText in graphemes (we
count code points, never fewer). A turn becomes text messages and Flex carousels (one bubble
per card); its buttons become quick replies on the last message, where LINE shows them. When a
turn needs more than five messages, neighbouring texts (then carousels) are merged, and only
then is the tail folded into one text, with a warning in the log.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from bot.i18n import t
from bot.language import ZH_TW
from bot.render.response import Button, Card, Style
from bot.render.text import (
    CHOOSE,
    Part,
    PayloadTable,
    is_web_url,
    labelled_fields,
    parts_of,
    plain_card,
    split,
    truncate,
    turn_language,
    utf16_len,
)

logger = logging.getLogger(__name__)

MAX_MESSAGES = 5
MAX_TEXT = 5000  # UTF-16 code units
MAX_QUICK_REPLIES = 13
MAX_BUBBLES = 12
MAX_BUBBLE_BYTES = 30_000  # "30 KB" of JSON, counted with every non-ASCII character escaped
MAX_CAROUSEL_BYTES = 50_000
MAX_ALT_TEXT = 1500  # UTF-16 code units
MAX_LABEL = 20  # graphemes
MAX_DISPLAY_TEXT = 300  # graphemes
MAX_POSTBACK_DATA = 300  # UTF-16 code units
MAX_URI = 1000
# Per-field caps keep any one bubble far below 30 KB, so a carousel holds most cards.
TITLE_CHARS, FIELD_CHARS, FOOTER_BUTTONS = 100, 240, 3

LineMessage = Dict[str, Any]


def json_size(value: Any) -> int:
    """Bytes of compact JSON with non-ASCII escaped: never less than what LINE receives."""
    return len(json.dumps(value, ensure_ascii=True, separators=(",", ":")))


@dataclass
class _Text:
    text: str


@dataclass
class _Carousel:
    bubbles: List[Dict[str, Any]]
    cards: List[Card]


_Item = Union[_Text, _Carousel]


def _label(title: str, fallback: str) -> str:
    return truncate(title.strip() or fallback.strip() or "…", MAX_LABEL, len)


def _uri_ok(uri: str) -> bool:
    """A link LINE opens as is: http(s), or tel: / line:// without spaces, at most 1,000 characters."""
    other = uri.startswith(("tel:", "line://")) and uri.isascii() and uri.isprintable() and " " not in uri
    return (is_web_url(uri) or other) and len(uri) <= MAX_URI


def _action(button: Button, payloads: PayloadTable) -> Dict[str, Any]:
    """A uri action for a link, else a postback whose data is the payload (or its stand-in)."""
    label = _label(button.title, button.payload)
    if _uri_ok(button.payload):
        return {"type": "uri", "label": label, "uri": button.payload}
    data = payloads.shorten(button.payload, lambda p: utf16_len(p) <= MAX_POSTBACK_DATA)
    display = truncate(button.title.strip() or label, MAX_DISPLAY_TEXT, len)
    return {"type": "postback", "label": label, "data": data, "displayText": display}


def _text(text: str, **style: Any) -> Dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def _bubble(card: Card, language: str, style: Style, payloads: PayloadTable) -> Dict[str, Any]:
    """Title, one-line summary and the labelled fields, a button to the official page; larger
    type for easy reading. Fields are capped so a bubble stays far below 30 KB, and the guard
    at the end makes sure of it whatever the card holds."""
    sizes = ("lg", "md", "sm") if style.easy_reading else ("md", "sm", "xs")
    body = [_text(truncate(card.title.strip() or "—", TITLE_CHARS), weight="bold", size=sizes[0])]
    if card.summary.strip():
        body.append(_text(truncate(card.summary, FIELD_CHARS), size=sizes[1], color="#555555"))
    lines = labelled_fields(card, language)
    if card.url and not _uri_ok(card.url):
        lines.append(card.url)
    body += [_text(truncate(line, FIELD_CHARS), size=sizes[2], color="#666666") for line in lines]
    actions = []
    if card.url and _uri_ok(card.url):
        actions.append({"type": "uri", "label": _label(t("more_info", language), card.url), "uri": card.url})
    actions += [_action(b, payloads) for b in card.buttons if b.payload != card.url]
    buttons = [{"type": "button", "style": "link", "height": "sm", "action": a} for a in actions]
    bubble: Dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "contents": buttons[:FOOTER_BUTTONS]},
    }
    footer = bubble["footer"]["contents"]
    if json_size(bubble) > MAX_BUBBLE_BYTES:
        logger.warning(
            "card %r is over LINE's 30 KB bubble limit; its last lines were left out", card.entry_id
        )
        while json_size(bubble) > MAX_BUBBLE_BYTES and (footer or len(body) > 1):
            (footer or body).pop()
    if not footer:
        del bubble["footer"]
    return bubble


def _carousels(part: Part, language: str, payloads: PayloadTable) -> List[_Carousel]:
    """The part's cards packed in order into carousels of at most 12 bubbles and 50 KB."""
    out: List[_Carousel] = []
    for card in part.cards:
        bubble = _bubble(card, language, part.style, payloads)
        last = out[-1] if out else None
        if last and _fits(last.bubbles + [bubble]):
            last.bubbles.append(bubble)
            last.cards.append(card)
        else:
            out.append(_Carousel([bubble], [card]))
    return out


def _fits(bubbles: List[Dict[str, Any]]) -> bool:
    carousel = {"type": "carousel", "contents": bubbles}
    return len(bubbles) <= MAX_BUBBLES and json_size(carousel) <= MAX_CAROUSEL_BYTES


def _merged(a: _Item, b: _Item) -> Optional[_Item]:
    if isinstance(a, _Text) and isinstance(b, _Text):
        text = f"{a.text}\n\n{b.text}"
        return _Text(text) if utf16_len(text) <= MAX_TEXT else None
    if isinstance(a, _Carousel) and isinstance(b, _Carousel) and _fits(a.bubbles + b.bubbles):
        return _Carousel(a.bubbles + b.bubbles, a.cards + b.cards)
    return None


def _merge_once(items: List[_Item]) -> bool:
    """Merges the first neighbouring pair that fits (texts before carousels); False if none does."""
    for kind in (_Text, _Carousel):
        for i in range(len(items) - 1):
            merged = _merged(items[i], items[i + 1]) if isinstance(items[i], kind) else None
            if merged is not None:
                items[i : i + 2] = [merged]
                return True
    return False


def _as_text(item: _Item, language: str) -> str:
    if isinstance(item, _Text):
        return item.text
    return "\n\n".join(plain_card(card, language) for card in item.cards)


def _at_most_five(items: List[_Item], language: str) -> List[_Item]:
    while len(items) > MAX_MESSAGES and _merge_once(items):
        pass
    if len(items) <= MAX_MESSAGES:
        return items
    tail = items[MAX_MESSAGES - 1 :]
    logger.warning("a LINE reply needed %d messages; the last %d became one text", len(items), len(tail))
    texts = [_as_text(item, language) for item in tail]
    return items[: MAX_MESSAGES - 1] + [_Text(truncate("\n\n".join(texts), MAX_TEXT))]


def _quick_replies(
    buttons: List[Button], payloads: PayloadTable
) -> Tuple[List[Dict[str, Any]], List[Button]]:
    """Up to 13 quick-reply items (duplicates dropped) and the buttons that did not fit."""
    unique = list({(b.payload, b.title): b for b in buttons}.values())
    items = [{"type": "action", "action": _action(b, payloads)} for b in unique[:MAX_QUICK_REPLIES]]
    return items, unique[MAX_QUICK_REPLIES:]


def _alt_text(cards: List[Card], language: str) -> str:
    """What notifications and the chat list show for a carousel: the intro and card titles."""
    space, comma = ("", "、") if language == ZH_TW else (" ", "; ")
    titles = comma.join(c.title.strip() for c in cards if c.title.strip())
    return truncate(f"{t('results_intro', language)}{space}{titles}".strip(), MAX_ALT_TEXT)


def _message(item: _Item, language: str) -> LineMessage:
    if isinstance(item, _Text):
        return {"type": "text", "text": item.text}
    return {
        "type": "flex",
        "altText": _alt_text(item.cards, language),
        "contents": {"type": "carousel", "contents": item.bubbles},
    }


def render_line(
    messages: Iterable[Dict[str, Any]], payloads: PayloadTable, language: Optional[str] = None
) -> List[LineMessage]:
    """The message objects for one Reply (or Push) API call; empty when there is nothing to say."""
    messages = list(messages)
    language = language or turn_language(messages)
    items: List[_Item] = []
    buttons: List[Button] = []
    for part in parts_of(messages):
        items += [_Text(piece) for piece in split(part.text, MAX_TEXT)]
        items += _carousels(part, language, payloads)
        buttons += part.buttons
    quick, overflow = _quick_replies(buttons, payloads)
    if overflow:
        logger.warning("%d buttons did not fit LINE's 13 quick replies; listed as text", len(overflow))
        items.append(_Text(truncate("\n".join(f"• {b.title or b.payload}" for b in overflow), MAX_TEXT)))
    if quick and not items:
        items.append(_Text(CHOOSE.get(language, CHOOSE[ZH_TW])))
    out = [_message(item, language) for item in _at_most_five(items, language)]
    if quick:
        out[-1]["quickReply"] = {"items": quick}
    return out
