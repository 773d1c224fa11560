"""Language slots, switching language, and clarification of unreadable input."""

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionClarify
from bot.actions.language import ActionChangeLanguage
from bot.actions.slots import ValidateSlotMappings
from bot.i18n import t


@pytest.mark.parametrize(
    "text, slots, expected",
    [
        ("How do I renew my ARC?", {}, {"language": "en"}),
        ("長照怎麼申請", {"language": "en"}, {"language": "zh-TW"}),
        ("😀😀", {"language": "en"}, {}),
        ("長照怎麼申請", {"preferred_language": "en"}, {"language": "en"}),
    ],
)
def test_language_follows_the_message_unless_chosen(tracker, domain, text, slots, expected) -> None:
    state = tracker("new_person_greets", **slots)
    state.latest_message["text"] = text
    result = ValidateSlotMappings().extract_language(CollectingDispatcher(), state, domain)
    assert result == expected


def test_asking_for_english_sets_the_preference(tracker, domain) -> None:
    state = tracker("switch_to_english", preferred_language=None, language="zh-TW")
    assert ValidateSlotMappings().extract_preferred_language(CollectingDispatcher(), state, domain) == {
        "preferred_language": "en"
    }


def test_switching_without_naming_a_language_toggles(tracker, domain) -> None:
    state = tracker("switch_to_english", preferred_language=None, language="en")
    state.latest_message["entities"] = []
    assert ValidateSlotMappings().extract_preferred_language(CollectingDispatcher(), state, domain) == {
        "preferred_language": "zh-TW"
    }


def test_other_intents_leave_the_preference_alone(tracker, domain) -> None:
    assert ValidateSlotMappings().extract_preferred_language(
        CollectingDispatcher(), tracker("new_person_greets"), domain
    ) == {}


def test_the_switch_is_confirmed_in_the_new_language(tracker, domain) -> None:
    dispatcher = CollectingDispatcher()
    ActionChangeLanguage().run(dispatcher, tracker("switch_to_english"), domain)
    assert dispatcher.messages[0]["text"] == t("language_switched", "en")


@pytest.mark.parametrize(
    "text, language, key",
    [
        ("", "zh-TW", "empty_message"),
        ("👍👍👍", "en", "ask_rephrase"),
        ("こんにちは", "zh-TW", "unsupported_language"),
        ("長照" * 3000, "zh-TW", "message_too_long"),
        ("blorp zib", "en", "ask_rephrase"),
    ],
)
def test_clarification_says_what_was_wrong(tracker, domain, services, text, language, key) -> None:
    state = tracker("new_person_greets", language=language, failed_attempts=1)
    state.latest_message["text"] = text
    dispatcher = CollectingDispatcher()
    events = ActionClarify().run(dispatcher, state, domain)
    if key == "ask_rephrase":  # a second unclear message in a row brings a person instead
        assert dispatcher.messages[0]["text"] == t("handoff_because_stuck", language)
    else:  # empty, huge or foreign-script input is advice, not a failed attempt
        assert dispatcher.messages[0]["text"] == t(key, language)
        assert events == [SlotSet("failed_attempts", 1)]


def test_button_payloads_do_not_change_the_language(tracker, domain) -> None:
    state = tracker("new_person_greets", language="zh-TW")
    state.latest_message["text"] = '/rate_fit{"fit":"fits"}'
    assert ValidateSlotMappings().extract_language(CollectingDispatcher(), state, domain) == {}
