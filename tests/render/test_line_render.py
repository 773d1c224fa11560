"""bot/render/line.py: every reply stays within LINE's documented limits, and the fixed example
renders to exactly the payload in snapshots/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import HealthCheck, given, settings

from bot.render.line import render_line
from bot.render.response import Button, Card, Response, Style
from bot.render.text import PayloadTable, parts_of

from .examples import CARDS, example_turn, rasa_message, turns
from .line_spec import graphemes, messages_errors

SNAPSHOTS = Path(__file__).parent / "snapshots"


def render(turn: List[Dict[str, Any]], table: Optional[PayloadTable] = None) -> List[Dict[str, Any]]:
    return render_line(turn, table or PayloadTable())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(turns)
def test_any_turn_renders_to_a_reply_line_accepts(turn: List[Dict[str, Any]]) -> None:
    messages = render(turn)
    assert bool(messages) == bool(parts_of(turn)), "a turn with something to say says it"
    if messages:
        assert messages_errors(messages) == []


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_example_turn_matches_snapshot(language: str) -> None:
    expected = json.loads((SNAPSHOTS / f"line_{language}.json").read_text(encoding="utf-8"))
    assert render(example_turn(language)) == expected


def test_buttons_become_quick_replies_on_the_last_message_only() -> None:
    messages = render(example_turn("zh-TW"))
    assert [("quickReply" in m) for m in messages] == [False] * (len(messages) - 1) + [True]
    actions = [item["action"] for item in messages[-1]["quickReply"]["items"]]
    assert [(a["label"], a["data"], a["displayText"]) for a in actions] == [
        ("同意", "/consent_give", "同意"),
        ("不同意", "/consent_decline", "不同意"),
        ("轉真人", "/request_human", "轉真人"),
    ]


def test_more_than_five_messages_merge_texts_first() -> None:
    turn = [{"text": f"第{i}則"} for i in range(9)]
    messages = render(turn)
    assert len(messages) == 5
    assert "\n\n".join(m["text"] for m in messages).split("\n\n") == [f"第{i}則" for i in range(9)]


def test_carousels_beyond_five_messages_fold_into_text_with_nothing_lost() -> None:
    card = Card(entry_id="x", title="標題", summary="摘要")
    turn = [rasa_message(Response(f"回覆{i}", cards=[card])) for i in range(4)]
    messages = render(turn)
    assert len(messages) == 5 and messages_errors(messages) == []
    flattened = json.dumps(messages, ensure_ascii=False)
    assert all(f"回覆{i}" in flattened for i in range(4))


def test_more_than_twelve_cards_split_across_carousels() -> None:
    cards = [Card(entry_id=str(i), title=f"服務{i}", summary="摘要") for i in range(30)]
    messages = render([rasa_message(Response("結果", cards=cards))])
    bubbles = [b for m in messages if m["type"] == "flex" for b in m["contents"]["contents"]]
    assert len(bubbles) == 30 and messages_errors(messages) == []


def test_huge_cards_stay_under_the_carousel_size_limit() -> None:
    big = "🇹🇼" * 3000
    cards = [Card(entry_id=str(i), title=big, summary=big, how_to_apply=big, agency=big) for i in range(12)]
    messages = render([rasa_message(Response("結果", cards=cards))])
    assert messages_errors(messages) == []


def test_more_than_thirteen_buttons_list_the_rest_as_text() -> None:
    buttons = [Button(f"選項{i}", f'/choose{{"n":{i}}}') for i in range(16)]
    messages = render([rasa_message(Response("請選擇", buttons=buttons))])
    assert len(messages[-1]["quickReply"]["items"]) == 13
    assert "選項13" in json.dumps(messages, ensure_ascii=False)


def test_labels_are_cut_at_grapheme_boundaries() -> None:
    title = "👩‍👩‍👧" * 30
    action = render([rasa_message(Response("x", buttons=[Button(title, "/help")]))])[-1]["quickReply"][
        "items"
    ][0]
    label = action["action"]["label"]
    assert graphemes(label) <= 20 and label.endswith("…") and set(label[:-1]) <= set(title)


def test_long_payloads_travel_as_stand_ins_and_come_back() -> None:
    table = PayloadTable()
    payload = '/ask_public_service{"service_area":"' + "x" * 400 + '"}'
    messages = render([rasa_message(Response("x", buttons=[Button("問", payload)]))], table)
    data = messages[-1]["quickReply"]["items"][0]["action"]["data"]
    assert len(data) <= 300 and table.resolve(data) == payload


def test_links_and_phone_numbers_are_uri_actions() -> None:
    buttons = [Button("官網", "https://www.gov.taipei/"), Button("撥打 1999", "tel:1999")]
    items = render([rasa_message(Response("x", buttons=buttons))])[-1]["quickReply"]["items"]
    assert [i["action"] for i in items] == [
        {"type": "uri", "label": "官網", "uri": "https://www.gov.taipei/"},
        {"type": "uri", "label": "撥打 1999", "uri": "tel:1999"},
    ]


def test_buttons_without_text_still_get_a_message() -> None:
    messages = render([{"buttons": [{"title": "Yes", "payload": "/affirm"}], "text": None}], None)
    assert messages[0]["text"] and messages[0]["quickReply"]["items"]


def test_nothing_to_say_means_no_messages() -> None:
    assert render([]) == []
    assert render([{"text": "   "}]) == []


def test_malformed_cards_are_skipped_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    messages = render([{"text": "結果", "custom": {"cards": [{"title": 3}], "other": 1}}])
    assert messages == [{"type": "text", "text": "結果"}]
    assert "not shown" in caplog.text


def bubble_texts(messages: List[Dict[str, Any]]) -> List[str]:
    bubbles = [b for m in messages if m["type"] == "flex" for b in m["contents"]["contents"]]
    return [c["text"] for b in bubbles for c in b["body"]["contents"]]


def test_brief_cards_leave_out_the_fine_print_and_detailed_ones_show_it() -> None:
    brief = bubble_texts(render(example_turn("zh-TW")))
    assert not any(t.startswith(("申請資格", "應備文件", "費用")) for t in brief)
    detailed = CARDS["zh-TW"]
    detailed = Response(detailed.text, cards=detailed.cards, style=Style("detailed"))
    texts = bubble_texts(render([rasa_message(detailed)]))
    assert "申請資格：未滿2歲兒童，父母至少一方與兒童設籍臺北市。" in texts
    assert "應備文件：申請人身分證、存摺封面影本" in texts and "費用：免費。" in texts


def test_easy_reading_uses_larger_type_and_one_sentence() -> None:
    easy = Response(
        "結果",
        cards=[Card(entry_id="x", title="長照", summary="第一句。第二句。")],
        style=Style(easy_reading=True),
    )
    [_, flex] = render([rasa_message(easy)])
    title, summary = flex["contents"]["contents"][0]["body"]["contents"][:2]
    assert (title["size"], summary["size"], summary["text"]) == ("lg", "md", "第一句。")
