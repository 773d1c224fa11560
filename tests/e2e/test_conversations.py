"""Whole conversations through the trained model and the running action server."""

import pytest

from bot.i18n import t

pytestmark = pytest.mark.e2e

GREETING_ZH = "您好！我是臺北市民服務小幫手"
GREETING_EN = "Hello! I'm the Taipei public-service assistant"


def test_greets_in_chinese_and_asks_for_consent(conversation) -> None:
    texts = conversation.texts("你好")
    assert texts[0].startswith(GREETING_ZH)
    assert texts[1] == t("ask_consent", "zh-TW")


def test_greets_in_english_and_asks_for_consent(conversation) -> None:
    texts = conversation.texts("hello there")
    assert texts[0].startswith(GREETING_EN)
    assert texts[1] == t("ask_consent", "en")


def test_yes_to_the_consent_question_is_consent_and_is_remembered(conversation) -> None:
    conversation.say("你好")
    assert conversation.texts("好啊") == [t("consent_given", "zh-TW")]
    assert conversation.slot("consent_insights") == "granted"
    assert conversation.texts("嗨")[1:] == []  # no second consent question


def test_declining_is_respected(conversation) -> None:
    conversation.say("hi")
    assert conversation.texts("/consent_decline") == [t("consent_declined", "en")]
    assert conversation.slot("consent_insights") == "declined"


def test_a_question_gets_service_cards(conversation) -> None:
    messages = conversation.say("身分證不見了要怎麼補辦")
    assert messages[0]["text"] == t("results_intro", "zh-TW")
    # channels send a message's text and its custom payload as two messages
    titles = [card["title"] for card in messages[1]["custom"]["cards"]]
    assert any("身分證" in title for title in titles)


def test_switching_language_sticks_until_switched_back(conversation) -> None:
    assert conversation.texts("請用英文回答") == [t("language_switched", "en")]
    assert conversation.texts("謝謝")[0] == "You're welcome! Is there anything else I can help with?"
    assert conversation.texts("switch to Chinese please") == [t("language_switched", "zh-TW")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", t("empty_message", "zh-TW")),
        ("   \n\t ", t("empty_message", "zh-TW")),
        ("😀😀😀", t("ask_rephrase", "zh-TW")),
        ("こんにちは、区役所はどこですか", t("unsupported_language", "zh-TW")),
        ("مرحبا، أين مكتب البلدية؟", t("unsupported_language", "zh-TW")),
        ("\x00\x07\x1b", t("empty_message", "zh-TW")),
        ("長照" * 5001, t("message_too_long", "zh-TW")),
    ],
)
def test_bad_input_gets_a_sensible_answer(conversation, text: str, expected: str) -> None:
    assert conversation.texts(text) == [expected]


def test_bad_input_is_answered_in_the_language_of_the_conversation(conversation) -> None:
    conversation.say("hello")
    assert conversation.texts("👍👍") == [t("ask_rephrase", "en")]
    assert conversation.texts("x" * 10001) == [t("message_too_long", "en")]
