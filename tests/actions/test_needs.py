"""The needs form and what happens around it, with saved trackers."""

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.fit import ActionRateFit
from bot.actions.needs import NEED_SLOTS, ActionStartNeed, ActionStopNeed, ActionSummariseNeed
from bot.actions.needs_form import (
    ActionAskNeedCategoryConfirmed,
    ActionAskNeedUrgency,
    ActionFormAnswerUnclear,
    ValidateNeedForm,
)
from bot.actions.yes_no import ActionAnswerYesNo
from bot.i18n import t

DAAN = {"entity": "district", "value": "daan", "start": 2, "end": 5}
ELDERLY = {"entity": "target_group", "value": "elderly", "start": 8, "end": 10}


def test_start_keeps_the_words_guesses_the_area_and_prefills(tracker, domain, services) -> None:
    text = "我住大安區，家裡長輩需要白天有人照顧"
    state = tracker("undecided_person_asks_zh", intent="describe_need", text=text, entities=[DAAN, ELDERLY])
    events = ActionStartNeed().run(CollectingDispatcher(), state, domain)
    assert events == [
        SlotSet("need_text", text),
        SlotSet("need_category", "elderly_care"),
        SlotSet("need_category_confirmed", None),
        SlotSet("need_id", None),
        SlotSet("need_area", "taipei/daan"),
    ]


def test_a_named_service_area_needs_no_confirmation(tracker, domain, services) -> None:
    entity = {"entity": "service_area", "value": "housing", "start": 0, "end": 2}
    state = tracker("undecided_person_asks_zh", intent="describe_need", text="租屋補貼的問題", entities=[entity])
    events = ActionStartNeed().run(CollectingDispatcher(), state, domain)
    assert SlotSet("need_category", "housing") in events and SlotSet("need_category_confirmed", True) in events


def test_the_category_question_offers_the_guess_and_alternatives(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", need_text="身分證掉了", need_category="household_registration")
    dispatcher = CollectingDispatcher()
    ActionAskNeedCategoryConfirmed().run(dispatcher, state, domain)
    (message,) = dispatcher.messages
    assert message["text"] == t("ask_need_category", "zh-TW", category="戶政")
    assert message["buttons"][0] == {"title": "是", "payload": "/affirm"}
    others = [b["payload"] for b in message["buttons"][1:]]
    assert others and all(p.startswith('/inform{"service_area":') for p in others)
    assert not any("household_registration" in p for p in others)


def test_yes_no_and_named_areas_answer_the_category_question(tracker, domain, services) -> None:
    form = ValidateNeedForm()
    asked = dict(requested_slot="need_category_confirmed", need_category="elderly_care")
    yes = tracker("undecided_person_asks_zh", intent="affirm", text="對", **asked)
    assert form.extract_need_category_confirmed(CollectingDispatcher(), yes, domain) == {
        "need_category_confirmed": True
    }
    no = tracker("undecided_person_asks_zh", intent="deny", text="不是", **asked)
    assert form.extract_need_category_confirmed(CollectingDispatcher(), no, domain) == {
        "need_category_confirmed": False
    }
    assert form.validate_need_category_confirmed(False, CollectingDispatcher(), no, domain) == {
        "need_category_confirmed": None,
        "need_category": None,
    }
    named = tracker(
        "undecided_person_asks_zh",
        intent="inform",
        text="是住宅的問題",
        entities=[{"entity": "service_area", "value": "housing"}],
        **asked,
    )
    assert form.extract_need_category_confirmed(CollectingDispatcher(), named, domain) == {
        "need_category": "housing",
        "need_category_confirmed": True,
    }


def test_area_from_a_district_a_city_or_a_refusal(tracker, domain, services) -> None:
    form = ValidateNeedForm()
    district = tracker("undecided_person_asks_zh", intent="inform", text="我住大安區", entities=[DAAN])
    assert form.extract_need_area(CollectingDispatcher(), district, domain) == {"need_area": "taipei/daan"}
    city = tracker(
        "undecided_person_asks_zh",
        intent="inform",
        text="我在新北",
        entities=[{"entity": "city", "value": "new_taipei"}],
    )
    assert form.extract_need_area(CollectingDispatcher(), city, domain) == {"need_area": "new_taipei"}
    refusal = tracker("undecided_person_asks_zh", intent="deny", text="不方便說", requested_slot="need_area")
    assert form.extract_need_area(CollectingDispatcher(), refusal, domain) == {"need_area": "unspecified"}


def test_only_known_urgencies_and_contacts_answer_their_questions(tracker, domain, services) -> None:
    form = ValidateNeedForm()
    state = tracker("consented_person_asks_en", intent="describe_need",
                    text="my elderly father fell last week and needs help during the day")
    assert form.validate_need_urgency("urgent", CollectingDispatcher(), state, domain) == {"need_urgency": "urgent"}
    # "week" from "last week" is no urgency: the form must still ask
    assert form.validate_need_urgency("week", CollectingDispatcher(), state, domain) == {"need_urgency": None}
    assert form.validate_need_contact("email", CollectingDispatcher(), state, domain) == {"need_contact": "email"}
    assert form.validate_need_contact("pigeon", CollectingDispatcher(), state, domain) == {"need_contact": None}


def test_each_question_has_buttons_in_the_persons_language(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionAskNeedUrgency().run(dispatcher, tracker("undecided_person_asks_zh", language="en"), domain)
    (message,) = dispatcher.messages
    assert message["text"] == t("ask_need_urgency", "en")
    assert [b["title"] for b in message["buttons"]] == ["Urgent", "Within weeks", "Not urgent"]


def test_the_summary_is_read_back_for_confirmation(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionSummariseNeed().run(dispatcher, tracker("need_summary_just_asked"), domain)
    (message,) = dispatcher.messages
    assert message["text"].startswith("我整理一下您的需求：您的家人（長者）需要「長者與長期照顧」方面的協助")
    assert message["question"] == "need_summary"


def test_confirming_records_the_need_with_consent_and_asks_about_fit(tracker, domain, services) -> None:
    state = tracker("need_summary_just_asked", consent_insights="granted")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    events = ActionAnswerYesNo().run(dispatcher, state, domain)
    (need,) = services.insights.needs(person)
    assert need.category == "elderly_care" and need.district == "daan" and need.urgency.value == "urgent"
    assert need.confirmed_at is not None and "elderly-ltc-application" in need.matched_service_ids
    assert events[0] == SlotSet("need_id", str(need.id))
    cards_message, fit_question = dispatcher.messages
    assert cards_message["custom"]["cards"][0]["entry_id"] == "elderly-ltc-application"
    assert fit_question["question"] == "need_fit" and len(fit_question["buttons"]) == 3


def test_without_consent_nothing_is_recorded(tracker, domain, services) -> None:
    state = tracker("need_summary_just_asked")
    events = ActionAnswerYesNo().run(CollectingDispatcher(), state, domain)
    assert services.insights.summary(person_of(state)).total_records == 0
    assert events[0] == SlotSet("need_id", "unrecorded")


def test_no_to_the_summary_asks_what_to_change(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionAnswerYesNo().run(dispatcher, tracker("need_summary_just_asked", intent="deny"), domain)
    assert dispatcher.messages[0]["text"] == t("need_correction_prompt", "zh-TW")


def test_stopping_clears_the_need(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    events = ActionStopNeed().run(dispatcher, tracker("need_summary_just_asked"), domain)
    assert events == [SlotSet(slot, None) for slot in NEED_SLOTS]
    assert dispatcher.messages[0]["text"] == t("need_stopped", "zh-TW")


def test_fit_ratings_are_stored_and_a_poor_fit_asks_why(tracker, domain, services) -> None:
    state = tracker("need_summary_just_asked", consent_insights="granted")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    need_id = services.insights.record_need(person, category="elderly_care", free_text="x").id
    poor = tracker(
        "need_summary_just_asked",
        intent="rate_fit",
        need_id=str(need_id),
        entities=[{"entity": "fit", "value": "not_at_all"}],
    )
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, poor, domain)
    assert dispatcher.messages[0]["text"] == t("ask_fit_reason", "zh-TW")
    assert services.insights.needs(person)[0].fit_rating.value == "not_at_all"
    reason = tracker(
        "need_summary_just_asked",
        intent="rate_fit",
        need_id=str(need_id),
        entities=[{"entity": "fit", "value": "not_at_all"}, {"entity": "fit_reason", "value": "too_far"}],
    )
    dispatcher = CollectingDispatcher()
    ActionRateFit().run(dispatcher, reason, domain)
    assert services.insights.needs(person)[0].fit_reason == "too_far"
    assert dispatcher.messages[0]["text"] == t("fit_noted", "zh-TW")


def test_a_short_typed_answer_fills_the_question_asked(tracker, domain, services) -> None:
    """"for me" carries no entity the extractor is sure of; the form reads it as the answer."""
    form = ValidateNeedForm()
    asked = tracker("consented_person_asks_en", intent="inform", text="it's for me", entities=[],
                    requested_slot="beneficiary", beneficiary=None)
    assert form.extract_beneficiary(CollectingDispatcher(), asked, domain) == {"beneficiary": "self"}
    contact = tracker("consented_person_asks_en", intent="inform", text="just reply here in the chat", entities=[],
                      requested_slot="need_contact", need_contact=None)
    assert form.extract_need_contact(CollectingDispatcher(), contact, domain) == {"need_contact": "chat"}
    urgency = tracker("undecided_person_asks_zh", intent="inform", text="沒有很急", entities=[],
                      requested_slot="need_urgency", need_urgency=None)
    assert form.extract_need_urgency(CollectingDispatcher(), urgency, domain) == {"need_urgency": "not_urgent"}


def test_a_reply_is_only_read_for_the_question_asked(tracker, domain, services) -> None:
    form = ValidateNeedForm()
    other_question = tracker("consented_person_asks_en", intent="inform", text="it's for me", entities=[],
                             requested_slot="need_area", beneficiary=None)
    assert form.extract_beneficiary(CollectingDispatcher(), other_question, domain) == {}
    already_filled = tracker("consented_person_asks_en", intent="inform", text="for me", entities=[],
                             requested_slot="beneficiary", beneficiary="family")
    assert form.extract_beneficiary(CollectingDispatcher(), already_filled, domain) == {}


def test_an_answer_the_form_cannot_use_is_acknowledged_before_the_question_again(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    state = tracker("consented_person_asks_en", intent="inform", text="for me", entities=[],
                    requested_slot="need_urgency", language="en")
    assert ActionFormAnswerUnclear().run(dispatcher, state, domain) == []
    assert [m["text"] for m in dispatcher.messages] == [t("form_answer_unclear", "en")]
