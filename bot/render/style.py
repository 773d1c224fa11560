"""What a card shows for a person's style: brief or detailed, and easy reading.

Every channel renderer calls ``shown`` so the preference means the same on LINE, Telegram
and the web. Easy reading keeps one short sentence per field and drops the fine print
(eligibility rules, fee tables); the web widget also enlarges the text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, Optional

from bot.render.response import Card, Style

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s")


def first_sentence(text: Optional[str]) -> Optional[str]:
    if not text:
        return text
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()


def style_from_custom(custom: Optional[Dict[str, Any]]) -> Style:
    raw = (custom or {}).get("style") or {}
    return Style(answer_length=raw.get("answer_length", "brief"), easy_reading=bool(raw.get("easy_reading")))


def shown(card: Card, style: Style) -> Card:
    """The card with only the fields this style shows."""
    if style.easy_reading:
        return replace(card, summary=first_sentence(card.summary) or card.summary,
                       how_to_apply=first_sentence(card.how_to_apply), eligibility=None,
                       documents=[], fees=None)
    if style.answer_length == "detailed":
        return card
    return replace(card, eligibility=None, documents=[], fees=None)
