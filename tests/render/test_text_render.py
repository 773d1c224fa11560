"""bot/render/text.py: length limits in every measure, grapheme-safe cuts, plain-text turns."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.response import Button, Response
from bot.render.text import PayloadTable, render_text, split, truncate, utf8_len, utf16_len

from .examples import CARDS, rasa_message, text_of

texts = text_of(max_size=3000) | st.text(max_size=500)
measures = st.sampled_from([utf16_len, utf8_len, len])


def graphemes(text: str) -> list:
    return regex.findall(r"\X", text)


@given(texts, st.integers(min_value=4, max_value=500), measures)
def test_truncate_fits_and_keeps_whole_graphemes(text: str, limit: int, measure) -> None:
    cut = truncate(text, limit, measure)
    assert measure(cut) <= limit
    if cut != text:
        kept = cut[:-1]
        assert cut.endswith("…") and text.startswith(kept)
        assert graphemes(text)[: len(graphemes(kept))] == graphemes(kept) or kept == ""


@settings(deadline=None)
@given(texts, st.integers(min_value=8, max_value=600), measures)
def test_split_pieces_fit_and_lose_only_whitespace(text: str, limit: int, measure) -> None:
    pieces = split(text, limit, measure)
    assert all(0 < measure(p) <= limit for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


def test_split_prefers_paragraph_breaks() -> None:
    assert split("第一段。\n\n第二段比較長一點。", 12) == ["第一段。", "第二段比較長一點。"]


def test_plain_text_numbers_buttons_across_the_turn() -> None:
    turn = [
        rasa_message(
            Response(
                "您同意嗎？", buttons=[Button("同意", "/consent_give"), Button("不同意", "/consent_decline")]
            )
        ),
        rasa_message(CARDS["zh-TW"]),
    ]
    rendered = render_text(turn)
    assert rendered.messages[0] == "您同意嗎？\n\n1. 同意\n\n2. 不同意"
    assert rendered.messages[1].startswith("我找到這些可能符合的服務：\n\n【育兒津貼（0至未滿2歲）】\n")
    assert "承辦機關：臺北市政府社會局" in rendered.messages[1] and rendered.messages[1].endswith("3. 轉真人")
    assert rendered.choices == {"1": "/consent_give", "2": "/consent_decline", "3": "/request_human"}


def test_plain_text_labels_follow_the_reply_language() -> None:
    rendered = render_text([rasa_message(CARDS["en"])])
    assert "How to apply: Apply at the social affairs section" in rendered.messages[0]


def test_payload_table_is_bounded_and_reports_expired_stand_ins() -> None:
    table = PayloadTable(capacity=2)
    keys = [table.shorten(f"/long_{i}" * 20, lambda p: len(p) <= 64) for i in range(3)]
    assert table.resolve(keys[0]) is None
    assert table.resolve(keys[2]) == "/long_2" * 20
    assert table.shorten("/help", lambda p: len(p) <= 64) == "/help" == table.resolve("/help")
