"""Brief, detailed and easy-reading cards, chosen in one place for every channel."""

from bot.render.response import Card, Response, Style, cards_from_custom
from bot.render.style import shown, style_from_custom

CARD = Card(
    entry_id="elderly-ltc-application", title="長照服務申請",
    summary="失能長者可申請居家照顧。政府依等級補助大部分費用。",
    how_to_apply="撥打1966申請。照管專員會到府評估。", agency="長照管理中心", url="https://1966.gov.tw/",
    contact="1966", eligibility="65歲以上失能長者。", documents=["身分證"], fees="一般戶自付約16%。",
)


def test_brief_hides_the_fine_print() -> None:
    card = shown(CARD, Style("brief"))
    assert card.summary == CARD.summary and card.how_to_apply == CARD.how_to_apply
    assert (card.eligibility, card.documents, card.fees) == (None, [], None)


def test_detailed_shows_everything() -> None:
    assert shown(CARD, Style("detailed")) == CARD


def test_easy_reading_keeps_one_short_sentence_per_field() -> None:
    card = shown(CARD, Style("detailed", easy_reading=True))
    assert card.summary == "失能長者可申請居家照顧。"
    assert card.how_to_apply == "撥打1966申請。"
    assert (card.eligibility, card.documents, card.fees) == (None, [], None)


def test_the_style_travels_with_the_cards() -> None:
    message = Response("intro", cards=[CARD], style=Style("detailed", True)).to_rasa_message()
    custom = message["json_message"]
    assert style_from_custom(custom) == Style("detailed", True)
    assert cards_from_custom(custom) == [CARD]
    assert style_from_custom({"cards": []}) == Style()
