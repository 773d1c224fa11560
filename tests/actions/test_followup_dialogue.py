"""Proactive follow-up in the dialogue: the opt-in question, yes/no, withdrawal, the message."""

from types import SimpleNamespace

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.consent import ActionRecordConsent, ActionWithdrawConsent
from bot.actions.fit import ActionRateFit
from bot.actions.followup import ActionNotifyAddressed
from bot.actions.slots import ValidateSlotMappings
from bot.actions.yes_no import ActionAnswerYesNo
from bot.i18n import t

FITS = [{"entity": "fit", "value": "fits"}]
NOTE_ZH = "大安區新開日間照顧中心，週一至週六 8:00–18:00"
NOTE_EN = "a new day-care centre in Da'an, Mon–Sat 8:00–18:00"


def rated(tracker, services, entities=FITS, **slots):
    """The fit question answered, for a person whose need is recorded (consent given)."""
    state = tracker("need_summary_just_asked", intent="rate_fit", entities=entities,
                    consent_insights="granted", **slots)
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    need_id = services.insights.record_need(person, category="elderly_care", free_text="x").id
    return tracker("need_summary_just_asked", intent="rate_fit", entities=entities,
                   consent_insights="granted", need_id=str(need_id), **slots)


def test_after_the_fit_answer_the_follow_up_question_is_asked(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    assert ActionRateFit().run(dispatcher, rated(tracker, services), domain) == []
    thanks, question = dispatcher.messages
    assert thanks["text"] == t("fit_thanks", "zh-TW")
    assert question["text"] == t("ask_followup", "zh-TW", area="長者與長期照顧")
    assert question["question"] == "followup"
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]


def test_asked_in_english_with_the_english_area_label(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, rated(tracker, services, language="en"), domain)
    assert dispatcher.messages[-1]["text"] == t("ask_followup", "en", area="Elderly and long-term care")


@pytest.mark.parametrize("slots", [
    {"consent_followup": "declined"},  # decided
    {"consent_followup": "granted"},
    {"consent_insights": None},  # no insights consent: nothing recorded to follow up on
    {"need_id": "unrecorded"},
])
def test_not_asked_when_decided_without_consent_or_unrecorded(tracker, domain, services, slots) -> None:
    state = rated(tracker, services)
    state.slots.update(slots)
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, state, domain)
    assert [m["text"] for m in dispatcher.messages] == [t("fit_thanks", "zh-TW")]


def test_asked_once_a_session(tracker, domain, services) -> None:
    state = rated(tracker, services)
    state.events.insert(-2, {"event": "bot", "text": "…", "metadata": {"question": "followup"}})
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, state, domain)
    assert len(dispatcher.messages) == 1


def test_a_poor_fit_asks_the_reason_first_and_offers_after_it(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, rated(tracker, services, [{"entity": "fit", "value": "partly"}]), domain)
    assert [m["text"] for m in dispatcher.messages] == [t("ask_fit_reason", "zh-TW")]
    reason = [{"entity": "fit", "value": "partly"}, {"entity": "fit_reason", "value": "too_far"}]
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, rated(tracker, services, reason), domain)
    assert [m.get("question") for m in dispatcher.messages] == [None, "followup"]


def test_with_no_match_the_question_follows_at_once(tracker, domain, services, monkeypatch) -> None:
    monkeypatch.setattr(services.search, "search", lambda *a, **k: SimpleNamespace(answered=False, matches=[]))
    state = tracker("need_summary_just_asked", consent_insights="granted")
    services.insights.grant(person_of(state), "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    ActionAnswerYesNo().run(dispatcher, state, domain)
    no_match, question = dispatcher.messages
    assert no_match["text"] == t("need_no_match", "zh-TW") and question["question"] == "followup"


def test_yes_grants_follow_up_consent(tracker, domain, services) -> None:
    state = tracker("followup_just_asked")
    dispatcher = CollectingDispatcher()
    assert ActionAnswerYesNo().run(dispatcher, state, domain) == [SlotSet("consent_followup", "granted")]
    assert dispatcher.messages[0]["text"] == t("followup_granted", "zh-TW")
    assert services.insights.has_consent(person_of(state), "followup")
    (consent,) = services.insights.consents(person_of(state))
    assert consent.policy_version == services.settings.privacy.policy_version


def test_no_is_remembered_and_nothing_is_stored(tracker, domain, services) -> None:
    state = tracker("followup_just_asked", intent="deny")
    dispatcher = CollectingDispatcher()
    assert ActionAnswerYesNo().run(dispatcher, state, domain) == [SlotSet("consent_followup", "declined")]
    assert dispatcher.messages[0]["text"] == t("followup_declined", "zh-TW")
    assert services.insights.consents(person_of(state)) == []


def test_withdrawing_consent_also_ends_follow_up(tracker, domain, services) -> None:
    state = tracker("consented_person_gives_feedback", consent_followup="granted")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    services.insights.grant(person, "followup", "2026-11")
    dispatcher = CollectingDispatcher()
    events = ActionWithdrawConsent().run(dispatcher, state, domain)
    assert events == [SlotSet("consent_insights", "withdrawn"), SlotSet("consent_followup", "withdrawn")]
    assert dispatcher.messages[0]["text"] == t("consent_and_followup_withdrawn", "zh-TW")
    assert not services.insights.has_consent(person, "insights")
    assert not services.insights.has_consent(person, "followup")


def test_saying_no_to_consent_later_ends_follow_up_too(tracker, domain, services) -> None:
    state = tracker("new_person_greets", intent="consent_decline", consent_insights="granted",
                    consent_followup="granted")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    services.insights.grant(person, "followup", "2026-11")
    events = ActionRecordConsent().run(CollectingDispatcher(), state, domain)
    assert events == [SlotSet("consent_insights", "declined"), SlotSet("consent_followup", "withdrawn")]
    assert not services.insights.has_consent(person, "followup")


@pytest.mark.parametrize("language, area, note", [
    ("zh-TW", "長者與長期照顧", NOTE_ZH), ("en", "Elderly and long-term care", NOTE_EN),
])
def test_the_notification_is_said_in_the_persons_language(tracker, domain, services, language, area,
                                                          note) -> None:
    dispatcher = CollectingDispatcher()
    assert ActionNotifyAddressed().run(dispatcher, tracker("need_addressed_external", language=language),
                                       domain) == []
    (message,) = dispatcher.messages
    assert message["text"] == t("need_addressed", language, area=area, note=note)


def test_a_missing_note_falls_back_to_the_other_language(tracker, domain, services) -> None:
    entities = [{"entity": "service_area", "value": "elderly_care"}, {"entity": "note_zh", "value": NOTE_ZH}]
    dispatcher = CollectingDispatcher()
    ActionNotifyAddressed().run(dispatcher, tracker("need_addressed_external", language="en",
                                                    entities=entities), domain)
    assert NOTE_ZH in dispatcher.messages[0]["text"]


def test_silent_when_typed_by_a_person_or_not_opted_in(tracker, domain, services) -> None:
    typed = tracker("need_addressed_external")
    typed.latest_message["metadata"] = {}  # "/EXTERNAL_need_addressed{...}" typed in a chat
    for state in (typed, tracker("need_addressed_external", consent_followup="withdrawn"),
                  tracker("need_addressed_external", consent_followup=None)):
        dispatcher = CollectingDispatcher()
        assert ActionNotifyAddressed().run(dispatcher, state, domain) == []
        assert dispatcher.messages == []


def test_an_api_trigger_leaves_the_reply_language_alone(tracker, domain, services) -> None:
    """"EXTERNAL: EXTERNAL_need_addressed" reads as English; it must not switch a Chinese reader."""
    state = tracker("need_addressed_external")
    assert ValidateSlotMappings().extract_language(CollectingDispatcher(), state, domain) == {}
