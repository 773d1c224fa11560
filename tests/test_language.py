import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language import EN, MAX_MESSAGE_CHARS, ZH_TW, InputKind, classify_input, clean, detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("你好", ZH_TW),
        ("長照2.0要怎麼申請？", ZH_TW),
        ("我想apply育兒津貼", ZH_TW),
        ("請問ARC怎麼renew", ZH_TW),
        ("hello", EN),
        ("How do I renew my ARC?", EN),
        ("I need 長照 for my dad", EN),
        ("My 阿嬤 needs help", EN),
        ("ok", EN),
    ],
)
def test_detects_the_language_people_write_in(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "1999", "？！…", "\x00\x07"])
def test_messages_without_words_have_no_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("", InputKind.EMPTY),
        (" \t\n ", InputKind.EMPTY),
        ("\x00\x1b\u200b", InputKind.EMPTY),
        ("👍👍", InputKind.NO_WORDS),
        ("!!!???", InputKind.NO_WORDS),
        ("こんにちは、区役所はどこですか", InputKind.UNSUPPORTED_SCRIPT),
        ("مرحبا كيف حالك", InputKind.UNSUPPORTED_SCRIPT),
        ("สวัสดีครับ", InputKind.UNSUPPORTED_SCRIPT),
        ("안녕하세요", InputKind.UNSUPPORTED_SCRIPT),
        ("長照" * (MAX_MESSAGE_CHARS // 2 + 1), InputKind.TOO_LONG),
        ("身分證掉了", InputKind.TEXT),
        ("where is the 區公所", InputKind.TEXT),
    ],
)
def test_classifies_what_cannot_be_read(text: str, kind: InputKind) -> None:
    assert classify_input(text) == kind


def test_clean_removes_control_characters_but_keeps_text() -> None:
    assert clean("\x00長照\x07\n申請\u200b") == "長照 申請"


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    assert classify_input(text) in set(InputKind)
    assert detect_language(text) in (None, ZH_TW, EN)
