"""Preferences, personalisation on/off, "why this?", and hand-off to a person."""

import datetime as dt

from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.fallback import ActionClarify, ActionCoreFallback
from bot.actions.handoff import ActionRequestHuman
from bot.actions.preferences import ActionExplain, ActionSetPersonalisation, ActionSetPreference, ActionShowPreferences
from bot.i18n import t

BRIEF = [{"entity": "answer_length", "value": "brief"}]


def test_a_preference_applies_now_and_asks_to_remember_without_consent(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", intent="set_preference", text="回答簡短一點", entities=BRIEF)
    dispatcher = CollectingDispatcher()
    assert ActionSetPreference().run(dispatcher, state, domain) == [SlotSet("answer_length", "brief")]
    assert dispatcher.messages[0]["text"] == t("preference_this_conversation", "zh-TW")
    assert services.insights.preferences(person_of(state)) == {}


def test_with_consent_a_preference_is_kept_for_every_channel(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", intent="set_preference", text="回答簡短一點", entities=BRIEF)
    services.profiles.set_personalisation(person_of(state), True)
    dispatcher = CollectingDispatcher()
    ActionSetPreference().run(dispatcher, state, domain)
    assert dispatcher.messages[0]["text"] == t("preference_saved", "zh-TW")
    assert services.insights.preferences(person_of(state)) == {"answer_length": "brief"}


def test_turning_personalisation_off_deletes_what_was_learned(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", intent="personalisation_off")
    person = person_of(state)
    services.profiles.set_personalisation(person, True)
    services.profiles.learn_need(person, "taipei/daan", "elderly", "elderly_care")
    assert services.profiles.load(person).area == "taipei/daan"
    dispatcher = CollectingDispatcher()
    ActionSetPersonalisation().run(dispatcher, state, domain)
    assert dispatcher.messages[0]["text"] == t("personalisation_off", "zh-TW")
    assert services.profiles.load(person).preferences == {} and not services.profiles.load(person).personalised


def test_show_preferences_lists_them(tracker, domain, services) -> None:
    state = tracker("consented_person_asks_en", intent="show_preferences", easy_reading="on")
    dispatcher = CollectingDispatcher()
    ActionShowPreferences().run(dispatcher, state, domain)
    assert dispatcher.messages[0]["text"] == t(
        "show_preferences", "en", language_label="English", length="brief", easy="on",
        area="(none)", group="(none)", topics="(none)", personalised="off")


def test_why_explains_the_match_and_the_personal_reasons(tracker, domain, services) -> None:
    shown = dict(last_results=["elderly-ltc-application"], last_query="長照怎麼申請")
    plain = tracker("undecided_person_asks_zh", intent="ask_why", **shown)
    dispatcher = CollectingDispatcher()
    ActionExplain().run(dispatcher, plain, domain)
    title = services.search.index.entries["elderly-ltc-application"].title.zh
    assert dispatcher.messages[0]["text"] == t("explain_plain", "zh-TW", title=title, query="長照怎麼申請")
    person = person_of(plain)
    services.profiles.set_personalisation(person, True)
    services.profiles.learn_need(person, None, "elderly", None)
    dispatcher = CollectingDispatcher()
    ActionExplain().run(dispatcher, plain, domain)
    assert "它適合長者，您之前提過" in dispatcher.messages[0]["text"]


def test_why_before_any_result(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionExplain().run(dispatcher, tracker("undecided_person_asks_zh", intent="ask_why"), domain)
    assert dispatcher.messages[0]["text"] == t("explain_nothing", "zh-TW")


def fixed_clock(services, moment: dt.datetime) -> None:
    services.handoff.clock = lambda: moment


def test_handoff_in_office_hours_gives_a_reference_and_a_time(tracker, domain, services) -> None:
    fixed_clock(services, dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.timezone.utc))  # Thu 11:00 Taipei
    dispatcher = CollectingDispatcher()
    assert ActionRequestHuman().run(dispatcher, tracker("need_summary_just_asked"), domain) == [
        SlotSet("failed_attempts", 0)]
    assert dispatcher.messages[0]["text"] == t("handoff_office_hours", "zh-TW", reference="#1", hours=4)


def test_handoff_after_hours_says_when_the_office_opens(tracker, domain, services) -> None:
    fixed_clock(services, dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc))  # Fri 20:00 Taipei
    dispatcher = CollectingDispatcher()
    ActionRequestHuman().run(dispatcher, tracker("need_summary_just_asked", language="en"), domain)
    assert dispatcher.messages[0]["text"] == t("handoff_after_hours", "en", reference="#1", when="Mon 30 Nov 08:30")


def test_two_unclear_messages_in_a_row_bring_a_person(tracker, domain, services) -> None:
    fixed_clock(services, dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.timezone.utc))
    first = tracker("undecided_person_asks_zh", intent="nlu_fallback", text="asdf qwer")
    dispatcher = CollectingDispatcher()
    assert ActionClarify().run(dispatcher, first, domain) == [SlotSet("failed_attempts", 1)]
    second = tracker("undecided_person_asks_zh", intent="nlu_fallback", text="zxcv", failed_attempts=1)
    dispatcher = CollectingDispatcher()
    assert ActionClarify().run(dispatcher, second, domain) == [SlotSet("failed_attempts", 0)]
    assert [m["text"] for m in dispatcher.messages] == [
        t("handoff_because_stuck", "zh-TW"), t("handoff_office_hours", "zh-TW", reference="#1", hours=4)]


def test_the_core_fallback_clarifies_then_listens(tracker, domain, services) -> None:
    """Rasa's core fallback: one clarification, then listen (without the listen Rasa predicted
    the fallback again, up to ten times for one message)."""
    state = tracker("undecided_person_asks_zh", intent="inform", text="asdf qwer")
    dispatcher = CollectingDispatcher()
    events = ActionCoreFallback().run(dispatcher, state, domain)
    assert events == [SlotSet("failed_attempts", 1), FollowupAction("action_listen")]
    assert dispatcher.messages[0]["text"] == t("ask_rephrase", "zh-TW")
