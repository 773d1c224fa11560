"""bot/render/telegram.py: every message is a valid sendMessage (HTML, 4096 characters, 64-byte
callback data), nothing the dialogue wrote is lost or unescaped, and the fixed example renders
to exactly the payload in snapshots/."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import HealthCheck, given, settings

from bot.render.response import Button, Card, Response, Style
from bot.render.telegram import TelegramMessage, render_telegram
from bot.render.text import PayloadTable

from .examples import CARDS, example_turn, rasa_message, text_of, turns
from .telegram_spec import html_text_errors, keyboard_errors

SNAPSHOTS = Path(__file__).parent / "snapshots"


def render(turn: List[Dict[str, Any]], table: Optional[PayloadTable] = None) -> List[TelegramMessage]:
    return render_telegram(turn, table or PayloadTable())


def visible(message: TelegramMessage) -> str:
    return html.unescape(re.sub(r"</?b>", "", message.text))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(turns)
def test_any_turn_renders_to_messages_telegram_accepts(turn: List[Dict[str, Any]]) -> None:
    table = PayloadTable()
    for message in render(turn, table):
        assert html_text_errors(message.text) == []
        assert keyboard_errors(message.reply_markup) == []
        for button in (b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row):
            if "callback_data" in button:
                assert table.resolve(button["callback_data"]) is not None


@settings(max_examples=60, deadline=None)
@given(text_of(min_size=1, max_size=20000))
def test_long_text_is_split_without_losing_a_character(text: str) -> None:
    messages = render([{"text": text}])
    assert "".join("".join(visible(m).split()) for m in messages) == "".join(text.split())


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_example_turn_matches_snapshot(language: str) -> None:
    expected = json.loads((SNAPSHOTS / f"telegram_{language}.json").read_text(encoding="utf-8"))
    assert [list(m) for m in render(example_turn(language))] == expected


def test_card_titles_are_bold_and_everything_is_escaped() -> None:
    [_, results] = render(example_turn("en"))
    assert "<b>Bulky waste pickup &lt;furniture&gt; &amp; appliances</b>" in results.text
    assert "https://www.sfaa.gov.tw/" in results.text


def test_card_links_are_in_the_text_not_repeated_as_buttons() -> None:
    [_, results] = render(example_turn("zh-TW"))
    assert results.reply_markup == {
        "inline_keyboard": [[{"text": "轉真人", "callback_data": "/request_human"}]]
    }


def test_payloads_over_64_bytes_are_mapped_and_resolved() -> None:
    table = PayloadTable()
    payload = '/ask_public_service{"service_area":"household_registration"}臺北'
    [message] = render([rasa_message(Response("哪一類？", buttons=[Button("戶政", payload)]))], table)
    data = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert len(payload.encode()) > 64 >= len(data.encode()) and table.resolve(data) == payload


def test_a_payload_that_looks_like_a_stand_in_is_never_taken_for_one() -> None:
    table = PayloadTable()
    [message] = render([rasa_message(Response("x", buttons=[Button("t", "~abc")]))], table)
    data = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert data != "~abc" and table.resolve(data) == "~abc"


def test_buttons_go_on_the_last_piece_of_a_split_message() -> None:
    response = Response("字" * 9000, buttons=[Button("好", "/affirm")])
    messages = render([rasa_message(response)])
    assert len(messages) == 3
    assert [m.reply_markup is not None for m in messages] == [False, False, True]


def test_huge_card_fields_are_split_and_keep_their_title_bold() -> None:
    card = Card(entry_id="x", title="長" * 5000, summary="摘" * 9000)
    messages = render([rasa_message(Response("結果", cards=[card]))])
    assert all(html_text_errors(m.text) == [] for m in messages)
    assert any(m.text.startswith("<b>長") or "\n\n<b>長" in m.text for m in messages)


def test_detailed_cards_list_eligibility_documents_and_fees() -> None:
    detailed = Response(CARDS["en"].text, cards=CARDS["en"].cards, style=Style("detailed"))
    [message] = render([rasa_message(detailed)])
    assert "Who can apply: Children under 2" in message.text
    assert (
        "Documents: Applicant's ID card, Copy of passbook cover" in message.text
        and "Fees: Free." in message.text
    )
    [brief] = render([rasa_message(CARDS["en"])])
    assert "Who can apply" not in brief.text
