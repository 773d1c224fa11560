"""Text every renderer shares, and the plain-text renderer (SMS-like channels, fallbacks).

Channels measure length differently (LINE text: UTF-16 code units, LINE labels: graphemes,
Telegram callback data: UTF-8 bytes), so each limit names its measure, and text is cut at
grapheme boundaries: no emoji, flag or accent is split in half (unless one alone is longer
than the whole limit).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import regex

from bot.i18n import t
from bot.language import EN, ZH_TW, detect_language
from bot.render.response import Button, Card, Style, cards_from_custom
from bot.render.style import shown, style_from_custom

logger = logging.getLogger(__name__)

Measure = Callable[[str], int]
ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
# Shown when a message has buttons but no text: every channel needs some text to hang them on.
CHOOSE = {ZH_TW: "請選擇：", EN: "Please choose:"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as LINE and Telegram count message text (🍎 counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix_end(text: str, budget: int, measure: Measure) -> int:
    """End index of the longest grapheme-aligned prefix whose measure is within ``budget``."""
    used = end = 0
    for grapheme in _GRAPHEME.finditer(text):
        size = measure(grapheme.group())
        if used + size > budget:
            break
        used += size
        end = grapheme.end()
    return end


def truncate(text: str, limit: int, measure: Measure = utf16_len) -> str:
    """``text`` if it fits, else its longest grapheme-aligned prefix plus "…" that fits."""
    if measure(text) <= limit:
        return text
    return text[: _prefix_end(text, limit - measure(ELLIPSIS), measure)].rstrip() + ELLIPSIS


def _code_point_end(text: str, budget: int, measure: Measure) -> int:
    """Like ``_prefix_end`` but cutting between code points; always at least one."""
    used = 0
    for index, char in enumerate(text):
        used += measure(char)
        if used > budget:
            return max(index, 1)
    return len(text)


def split(text: str, limit: int, measure: Measure = utf16_len) -> List[str]:
    """Non-empty pieces of ``text``, each within ``limit``, cut at a paragraph, line or space
    where one is near the end, else at a grapheme boundary."""
    pieces: List[str] = []
    rest = text.strip()
    while rest and measure(rest) > limit:
        # only a first grapheme longer than the limit (hundreds of accents on a letter) is cut inside
        end = _prefix_end(rest, limit, measure) or _code_point_end(rest, limit, measure)
        cut = end
        for separator, earliest in (("\n\n", 1), ("\n", end // 3), (" ", end // 2)):
            at = rest.rfind(separator, 0, end)
            if at >= max(earliest, 1):
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return [piece for piece in pieces if piece]


def is_web_url(value: str) -> bool:
    """An http(s) link a chat client can open as is: ASCII, printable, no spaces."""
    plain = value.isascii() and value.isprintable() and " " not in value
    return plain and value.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Part:
    """One Rasa bot message, read once for every renderer; cards already cut to the style."""

    text: str
    cards: List[Card] = field(default_factory=list)
    buttons: List[Button] = field(default_factory=list)
    style: Style = Style()


def parts_of(messages: Iterable[Dict[str, Any]]) -> List[Part]:
    """The text, cards and buttons of each bot message; images and attachments become links
    in the text, so nothing the dialogue said is silently left out."""
    parts = []
    for message in messages:
        lines = [str(message.get("text") or "")]
        lines += [str(message[k]) for k in ("image", "attachment") if isinstance(message.get(k), str)]
        raw_buttons = list(message.get("buttons") or []) + list(message.get("quick_replies") or [])
        buttons = [
            Button(str(b.get("title") or ""), str(b.get("payload") or ""))
            for b in raw_buttons
            if isinstance(b, dict)
        ]
        cards, style = _cards(message.get("custom"))
        text = "\n".join(line for line in lines if line.strip()).strip()
        if text or cards or buttons:
            parts.append(Part(text, cards, buttons, style))
    return parts


def _cards(custom: Any) -> Tuple[List[Card], Style]:
    """Cards in a message's ``custom`` field, showing what the person's style shows
    (bot/render/style.py); anything else there is logged, not shown."""
    if not isinstance(custom, dict):
        return [], Style()
    unknown = sorted(set(custom) - {"cards", "style"})
    if unknown:
        logger.warning("custom payload keys %s have no rendering and were not shown", unknown)
    try:
        cards, style = cards_from_custom(custom), style_from_custom(custom)
    except (TypeError, ValueError, AttributeError):
        cards, style = [], Style()
    if all(_well_formed(card) for card in cards):
        return [shown(card, style) for card in cards], style
    logger.warning("a bot message carried malformed cards; they were not shown")
    return [], style


def _well_formed(card: Card) -> bool:
    optional = (card.how_to_apply, card.agency, card.url, card.contact, card.eligibility, card.fees)
    return (
        all(isinstance(v, str) for v in (card.entry_id, card.title, card.summary))
        and all(v is None or isinstance(v, str) for v in optional)
        and isinstance(card.documents, list)
        and all(isinstance(d, str) for d in card.documents)
        and all(isinstance(b.title, str) and isinstance(b.payload, str) for b in card.buttons)
    )


def turn_language(messages: Iterable[Dict[str, Any]]) -> str:
    """The language the dialogue answered in (for labels like "How to apply"); Chinese if unclear."""
    texts = " ".join(str(m.get("text") or "")[:500] for m in messages)
    return detect_language(texts[:2000]) or ZH_TW


@dataclass(frozen=True)
class CardText:
    title: str
    lines: List[str]


# Labels for the fields only detailed cards show (bot/i18n.py has no keys for them yet).
_DETAIL_LABELS = {
    "eligibility": {ZH_TW: "申請資格", EN: "Who can apply"},
    "documents": {ZH_TW: "應備文件", EN: "Documents"},
    "fees": {ZH_TW: "費用", EN: "Fees"},
}


def _label(key: str, language: str) -> str:
    labels = _DETAIL_LABELS.get(key)
    return labels.get(language, labels[ZH_TW]) if labels else t(key, language)


def labelled_fields(card: Card, language: str) -> List[str]:
    """ "How to apply: …", "Agency: …" and the rest, for the fields the card shows."""
    colon, comma = ("：", "、") if language == ZH_TW else (": ", ", ")
    documents = comma.join(d.strip() for d in card.documents if d.strip())
    fields = (
        ("how_to_apply", card.how_to_apply),
        ("eligibility", card.eligibility),
        ("documents", documents),
        ("fees", card.fees),
        ("agency", card.agency),
        ("contact", card.contact),
    )
    return [
        f"{_label(key, language)}{colon}{value.strip()}" for key, value in fields if value and value.strip()
    ]


def card_text(card: Card, language: str) -> CardText:
    """A card as a title and labelled lines: summary, the labelled fields, link."""
    lines = [card.summary] if card.summary.strip() else []
    lines += labelled_fields(card, language)
    if card.url:
        lines.append(card.url)
    return CardText(card.title, lines)


def plain_card(card: Card, language: str) -> str:
    text = card_text(card, language)
    return "\n".join([f"【{text.title}】", *text.lines])


@dataclass(frozen=True)
class PlainText:
    """What an SMS-like channel sends, and which number stands for which button payload."""

    messages: List[str]
    choices: Dict[str, str]


def render_text(messages: Iterable[Dict[str, Any]], language: Optional[str] = None) -> PlainText:
    """One string per bot message: text, cards as blocks, buttons numbered across the turn so a
    reply of "2" can be mapped back to its payload with ``choices``."""
    messages = list(messages)
    language = language or turn_language(messages)
    out: List[str] = []
    choices: Dict[str, str] = {}
    for part in parts_of(messages):
        blocks = [part.text] if part.text else []
        blocks += [plain_card(card, language) for card in part.cards]
        for button in part.buttons:
            number = str(len(choices) + 1)
            choices[number] = button.payload
            blocks.append(f"{number}. {button.title or button.payload}")
        out.append("\n\n".join(blocks))
    return PlainText(out, choices)


class PayloadTable:
    """Short stand-ins for button payloads too long for a channel field (Telegram's 64-byte
    callback data, LINE's 300-character postback data), resolved when the button comes back.

    In memory and bounded: after a restart, or once evicted, an old button is reported as
    expired instead of being guessed. A stand-in is a hash, so the same payload always gets
    the same id; payloads starting with ``PREFIX`` are always replaced, so nothing is ambiguous.
    """

    PREFIX = "~"

    def __init__(self, capacity: int = 20_000) -> None:
        self._capacity = capacity
        self._table: OrderedDict[str, str] = OrderedDict()

    def shorten(self, payload: str, fits: Callable[[str], bool]) -> str:
        if fits(payload) and not payload.startswith(self.PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).digest()[:15]
        key = self.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")
        self._table[key] = payload
        self._table.move_to_end(key)
        while len(self._table) > self._capacity:
            self._table.popitem(last=False)
        return key

    def resolve(self, data: str) -> Optional[str]:
        """The payload ``data`` stands for; None when it is an expired stand-in."""
        if not data.startswith(self.PREFIX):
            return data
        payload = self._table.get(data)
        if payload is not None:
            self._table.move_to_end(data)
        return payload
