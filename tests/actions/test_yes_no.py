from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.yes_no import ActionAnswerYesNo
from bot.i18n import t


def test_yes_right_after_the_consent_question_grants_consent(tracker, domain, services) -> None:
    state = tracker("consent_just_asked_zh")
    dispatcher = CollectingDispatcher()
    events = ActionAnswerYesNo().run(dispatcher, state, domain)
    assert events == [SlotSet("consent_insights", "granted")]
    assert dispatcher.messages[0]["text"] == t("consent_given", "zh-TW")
    assert services.insights.has_consent(person_of(state), "insights")


def test_no_right_after_the_consent_question_declines(tracker, domain, services) -> None:
    state = tracker("consent_just_asked_zh", intent="deny")
    events = ActionAnswerYesNo().run(CollectingDispatcher(), state, domain)
    assert events == [SlotSet("consent_insights", "declined")]


def test_a_yes_to_an_older_question_is_not_consent(tracker, domain, services) -> None:
    state = tracker("consent_asked_two_turns_ago")
    dispatcher = CollectingDispatcher()
    assert ActionAnswerYesNo().run(dispatcher, state, domain) == []
    assert dispatcher.messages[0]["text"] == t("ok", "zh-TW")
    assert not services.insights.has_consent(person_of(state), "insights")


def test_yes_to_the_delete_question_forgets_the_person(tracker, domain, services) -> None:
    state = tracker("delete_just_asked_en")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    services.insights.record_feedback(person, "The queue at the district office is too long")
    dispatcher = CollectingDispatcher()
    events = ActionAnswerYesNo().run(dispatcher, state, domain)
    assert events == [AllSlotsReset(), SlotSet("forget_requested", True), SlotSet("language", "en")]
    # the pseudonymous person row, the consent and the feedback
    assert dispatcher.messages[0]["text"] == t("data_deleted", "en", count=3)
    assert services.insights.summary(person).total_records == 0
    assert not services.insights.has_consent(person, "insights")


def test_no_to_the_delete_question_keeps_everything(tracker, domain, services) -> None:
    state = tracker("delete_just_asked_en", intent="deny")
    services.insights.grant(person_of(state), "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    assert ActionAnswerYesNo().run(dispatcher, state, domain) == []
    assert dispatcher.messages[0]["text"] == t("delete_cancelled", "en")
    assert services.insights.has_consent(person_of(state), "insights")
