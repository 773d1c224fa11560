"""Removes direct identifiers from free text before it is stored.

People describe their situation in their own words and often paste an ID number, a phone
number or their home address along the way. The insights only need the need, not the person,
so every free-text field is redacted before it reaches the database or the spool.

One placeholder scheme for both languages: ``[ID_NUMBER]`` (national ID and resident
certificate numbers), ``[PHONE]``, ``[EMAIL]``, ``[ADDRESS]``, ``[BANK_ACCOUNT]``, ``[CARD]``.
Placeholders contain no digits and no ``@``, and every pattern needs one of those, so each
substitution removes at least one and repeating the passes until nothing changes terminates;
that makes ``redact`` idempotent by construction. Ordinary numbers (1999, 長照2.0, 65歲,
NT$3,000, 2026年) are left alone: the numeric patterns need 9 or more digits, a leading 0,
a letter prefix, or an address word around them.
"""

from __future__ import annotations

import re
from typing import Callable, List, Match, Pattern, Tuple, Union

ID_NUMBER = "[ID_NUMBER]"
PHONE = "[PHONE]"
EMAIL = "[EMAIL]"
ADDRESS = "[ADDRESS]"
BANK_ACCOUNT = "[BANK_ACCOUNT]"
CARD = "[CARD]"
PLACEHOLDERS = (ID_NUMBER, PHONE, EMAIL, ADDRESS, BANK_ACCOUNT, CARD)

# Full-width forms people type on phone keyboards, mapped one character to one character so
# that match positions in the scanned copy are positions in the original text.
_FULL_WIDTH = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    0xFF0D: ord("-"), 0x2010: ord("-"), 0x2011: ord("-"), 0x2013: ord("-"), 0x2212: ord("-"),
    0xFF08: ord("("), 0xFF09: ord(")"), 0xFF0B: ord("+"), 0xFF20: ord("@"), 0xFF0E: ord("."),
    0x3000: ord(" "), 0xFF03: ord("#"),
}

_FLAGS = re.ASCII
_NOT_DIGIT_BEFORE = r"(?<![0-9])(?<![0-9][.,])"
_NOT_DIGIT_AFTER = r"(?![0-9])(?![.,][0-9])"

_EMAIL = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

_CARD_GROUPED = (
    _NOT_DIGIT_BEFORE
    + r"(?:[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{3})?"  # 4-4-4-4 and 4-4-4-4-3
    + r"|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}"  # 4-6-5 (American Express), 4-6-4 (Diners)
    + r"|[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,3})"  # 13-15 digits in fours
    + _NOT_DIGIT_AFTER
)

# National ID (A123456789), new resident certificate (A812345678, A912345678) and old
# resident certificate (AB12345678); any case, checksum not verified.
_ID = r"(?<![A-Za-z0-9])[A-Za-z](?:[12389]|[A-Za-z])[0-9]{8}(?![0-9])"

_PHONE_INTERNATIONAL = (
    r"(?<![0-9+])\(?(?:\+|00)886\)?[ -]?(?:\(0\)|0)?[2-9](?:[ -]?[0-9]){7,8}" + _NOT_DIGIT_AFTER
)
_PHONE_MOBILE = _NOT_DIGIT_BEFORE + r"09[0-9]{2}[ .-]?[0-9]{3}[ .-]?[0-9]{3}" + _NOT_DIGIT_AFTER
_EXTENSION = r"(?:\s?(?:#|ext\.?\s?|分機\s?)[0-9]{1,5})?"
_PHONE_LANDLINE = (
    _NOT_DIGIT_BEFORE
    + r"(?!080[09])"  # 0800/0809 toll-free lines are public, not personal
    + r"(?:\(0[2-8][0-9]{0,2}\)\s?[0-9]{2,4}[ -]?[0-9]{4}"
    + r"|0[2-8][0-9]{0,2}[ -][0-9]{2,4}[ -]?[0-9]{4}"
    + r"|0[2-8][0-9]{7,8})"
    + _NOT_DIGIT_AFTER
    + _EXTENSION
)

# A Han character that can be part of a place name: CJK ideographs minus words that start
# sentences around an address ("我住在…", "地址是…"), so those stay readable.
_HAN = r"(?:(?![我你妳他她住在是於到的從去址搬請要想為與及或])[\u4e00-\u9fff])"
_ZH_NUMERAL = r"[一二三四五六七八九十]+"
_SEP = r"\s?"
_ZH_ADDRESS = (
    rf"(?:{_HAN}{{1,3}}[市縣]{_SEP})?"
    rf"(?:{_HAN}{{1,3}}[區鄉鎮市]{_SEP})?"
    rf"(?:{_HAN}{{1,3}}[里村]{_SEP}(?:[0-9]+鄰{_SEP})?)?"
    rf"{_HAN}{{1,6}}(?:大道|路|街)"
    rf"(?:{_SEP}(?:[0-9]+|{_ZH_NUMERAL})段)?"
    rf"(?:{_SEP}[0-9]+巷(?:{_SEP}[0-9]+弄)?(?:{_SEP}[0-9]+(?:之[0-9]+)?號(?:之[0-9]+)?)?"
    rf"|{_SEP}[0-9]+弄(?:{_SEP}[0-9]+(?:之[0-9]+)?號(?:之[0-9]+)?)?"
    rf"|{_SEP}[0-9]+(?:[-之][0-9]+)?號(?:之[0-9]+)?)"
    rf"(?:{_SEP}(?:(?:地下)?(?:[0-9]+|{_ZH_NUMERAL})(?:樓|[Ff](?![A-Za-z]))"
    rf"|[Bb][0-9]{{1,2}}(?:樓|[Ff])?(?![A-Za-z0-9]))(?:[-之][0-9]+)?"
    rf"(?:{_SEP}[0-9]+室)?)?"
)

_EN_WORD = r"[A-Z][A-Za-z'\u2019-]*\.?"
_EN_ROAD = r"(?i:rd|road|st|street|blvd|boulevard|ave|avenue|expwy|expressway)\b\.?"
_EN_ADDRESS = (
    r"(?:(?<![0-9A-Za-z])(?:[0-9]{1,3}|[Bb][0-9])\s?[Ff]\.?(?:-[0-9]+)?,?\s?)?"
    r"(?:(?:(?i:no|aly|alley|ln|lane|sec|section)\.?\s?[0-9]+(?:-[0-9]+)?,?\s?){1,5}"
    r"|(?<![0-9])[0-9]+(?:-[0-9]+)?,?\s)"
    rf"(?:{_EN_WORD}\s){{1,4}}{_EN_ROAD}"
    r"(?:,?\s?(?:[A-Z][A-Za-z'\u2019-]*\s)?(?i:dist|district)\b\.?)?"
    r"(?:,?\s?(?:[A-Z][A-Za-z]*\s)?(?i:city|county)\b(?:\s?[0-9]{3,6}\b)?)?"
)

_LONG_DIGITS = (
    _NOT_DIGIT_BEFORE
    + r"(?!080[09](?:-?[0-9]){6}(?![0-9]))"  # toll-free 0800/0809 lines are public
    + r"[0-9](?:-?[0-9]){9,}"
    + _NOT_DIGIT_AFTER
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _account_or_card(match: Match[str]) -> str:
    """An unbroken 13–19 digit run that passes Luhn is a card; other long runs are accounts."""
    run = match.group(0)
    if "-" not in run and 13 <= len(run) <= 19 and _luhn_valid(run):
        return CARD
    return BANK_ACCOUNT


Replacement = Union[str, Callable[[Match[str]], str]]
_RULES: List[Tuple[Pattern[str], Replacement]] = [
    (re.compile(pattern, _FLAGS), replacement)
    for pattern, replacement in (
        (_EMAIL, EMAIL),
        (_CARD_GROUPED, CARD),
        (_ID, ID_NUMBER),
        (_PHONE_INTERNATIONAL, PHONE),
        (_PHONE_MOBILE, PHONE),
        (_PHONE_LANDLINE, PHONE),
        (_ZH_ADDRESS, ADDRESS),
        (_EN_ADDRESS, ADDRESS),
        (_LONG_DIGITS, _account_or_card),
    )
]


def _one_pass(text: str) -> str:
    for pattern, replacement in _RULES:
        scanned = text.translate(_FULL_WIDTH)
        pieces: List[str] = []
        last = 0
        for match in pattern.finditer(scanned):
            pieces.append(text[last : match.start()])
            pieces.append(replacement if isinstance(replacement, str) else replacement(match))
            last = match.end()
        if pieces:
            text = "".join(pieces) + text[last:]
    return text


def redact(text: str) -> str:
    """``text`` with personal identifiers replaced by placeholders; never raises."""
    if not text:
        return text
    while True:
        redacted = _one_pass(text)
        if redacted == text:
            return text
        text = redacted
