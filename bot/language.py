"""Which language a message is in, and whether it is something we can read at all.

Pure functions on text, shared by the NLU input guard (which turns unreadable input into
``nlu_fallback``) and the slot extraction that makes replies follow the person's language.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Optional

ZH_TW = "zh-TW"
EN = "en"
SUPPORTED = (ZH_TW, EN)
_LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+")
MAX_MESSAGE_CHARS = 2000  # longer messages are cut before NLU; the person is told


class InputKind(str, enum.Enum):
    """What a message looks like before we try to understand it."""

    TEXT = "text"
    EMPTY = "empty"  # nothing, or only white space / control characters
    NO_WORDS = "no_words"  # only emoji, punctuation or digits
    UNSUPPORTED_SCRIPT = "unsupported_script"  # e.g. Japanese kana, Arabic, Thai
    TOO_LONG = "too_long"


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FFFF
    )


def _is_kana_or_hangul(char: str) -> bool:
    code = ord(char)
    return 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and ord(char) < 0x250


def clean(text: Optional[str]) -> str:
    """Text without control characters (tabs and newlines become spaces), stripped."""
    if not text:
        return ""
    kept = []
    for char in text:
        if char in "\t\n\r":
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co"):
            kept.append(char)
    return "".join(kept).strip()


def classify_input(text: Optional[str]) -> InputKind:
    """Sorts a raw message into what the assistant can and cannot work with."""
    cleaned = clean(text)
    if not cleaned:
        return InputKind.EMPTY
    han = sum(1 for c in cleaned if _is_han(c))
    latin = sum(1 for c in cleaned if _is_latin_letter(c))
    other_letters = sum(
        1 for c in cleaned if c.isalpha() and not _is_han(c) and not _is_latin_letter(c)
    )
    if han + latin + other_letters == 0:
        return InputKind.NO_WORDS
    kana = sum(1 for c in cleaned if _is_kana_or_hangul(c))
    if kana > 0 or other_letters > han + latin:
        return InputKind.UNSUPPORTED_SCRIPT
    if len(cleaned) > MAX_MESSAGE_CHARS:
        return InputKind.TOO_LONG
    return InputKind.TEXT


def detect_language(text: Optional[str]) -> Optional[str]:
    """``zh-TW`` or ``en`` for a message we can read; None when it says nothing about language.

    People mix the two ("我想apply育兒津貼", "I need 長照 for my dad"). A Han character carries
    about as much as an English word, so the language with more of them wins; a tie goes to
    Chinese, the primary language.
    """
    kind = classify_input(text)
    if kind not in (InputKind.TEXT, InputKind.TOO_LONG):
        return None
    cleaned = clean(text)
    han = sum(1 for c in cleaned if _is_han(c))
    english_words = len(_LATIN_WORD.findall(cleaned))
    if han == 0 and english_words == 0:
        return None
    return EN if english_words > han else ZH_TW
