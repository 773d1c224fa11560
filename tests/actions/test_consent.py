from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.consent import ActionOfferConsent, ActionRecordConsent, ActionWithdrawConsent
from bot.i18n import t


def test_a_new_person_is_asked_for_consent_in_their_language(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    events = ActionOfferConsent().run(dispatcher, tracker("new_person_greets"), domain)
    assert events == []
    (message,) = dispatcher.messages
    assert message["text"] == t("ask_consent", "zh-TW")
    assert [b["payload"] for b in message["buttons"]] == ["/consent_give", "/consent_decline"]
    assert message["question"] == "consent"


def test_english_speakers_are_asked_in_english(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionOfferConsent().run(dispatcher, tracker("new_person_greets", language="en"), domain)
    assert dispatcher.messages[0]["text"] == t("ask_consent", "en")


def test_no_second_question_once_decided_or_already_asked(tracker, domain, services) -> None:
    for state in (tracker("new_person_greets", consent_insights="declined"), tracker("consent_asked_two_turns_ago")):
        dispatcher = CollectingDispatcher()
        assert ActionOfferConsent().run(dispatcher, state, domain) == []
        assert dispatcher.messages == []


def test_consent_is_recorded_in_the_store(tracker, domain, services) -> None:
    state = tracker("new_person_greets", intent="consent_give")
    dispatcher = CollectingDispatcher()
    events = ActionRecordConsent().run(dispatcher, state, domain)
    assert events == [SlotSet("consent_insights", "granted")]
    assert dispatcher.messages[0]["text"] == t("consent_given", "zh-TW")
    assert services.insights.has_consent(person_of(state), "insights")


def test_declining_stores_nothing_and_is_remembered(tracker, domain, services) -> None:
    state = tracker("new_person_greets", intent="consent_decline")
    dispatcher = CollectingDispatcher()
    events = ActionRecordConsent().run(dispatcher, state, domain)
    assert events == [SlotSet("consent_insights", "declined")]
    assert not services.insights.has_consent(person_of(state), "insights")
    assert services.insights.summary(person_of(state)).total_records == 0


def test_withdrawing_stops_collection_at_once(tracker, domain, services) -> None:
    state = tracker("consented_person_gives_feedback")
    services.insights.grant(person_of(state), "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    events = ActionWithdrawConsent().run(dispatcher, state, domain)
    assert events == [SlotSet("consent_insights", "withdrawn")]
    assert dispatcher.messages[0]["text"] == t("consent_withdrawn", "zh-TW")
    assert not services.insights.has_consent(person_of(state), "insights")
    assert services.insights.record_feedback(person_of(state), "還想再說一句").status.name == "NO_CONSENT"


def test_nothing_to_withdraw_without_consent(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    assert ActionWithdrawConsent().run(dispatcher, tracker("new_person_greets"), domain) == []
    assert dispatcher.messages[0]["text"] == t("consent_nothing_to_withdraw", "zh-TW")
