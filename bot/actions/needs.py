"""Around the needs form: start it, read the need back, confirm or correct it, stop it.

A confirmed need is matched to services and, with consent, recorded for the insights store;
what was learned (area, target group, topic) goes into the profile only with consent for
personalisation.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import channel_of, has_consent, person_of, reply_language, say, style_of
from bot.actions.followup import offer_followup
from bot.actions.needs_form import area_from, domain_choices
from bot.i18n import t
from bot.needs.draft import NeedDraft, split_area
from bot.needs.matching import match_need
from bot.profiles.ranking import boost_for
from bot.render.cards import card_for
from bot.render.response import Response
from bot.services import get_services
from bot.taxonomy import SERVICE_AREAS

NEED_SLOTS = ("need_text", "need_category", "need_category_confirmed", "beneficiary",
              "need_area", "need_urgency", "need_contact")
ASK_SUMMARY = "need_summary"
ASK_FIT = "need_fit"
FIT_BUTTONS = [
    ("button_fits", '/rate_fit{"fit":"fits"}'),
    ("button_partly", '/rate_fit{"fit":"partly"}'),
    ("button_not_at_all", '/rate_fit{"fit":"not_at_all"}'),
]


class ActionStartNeed(Action):
    """Keeps the person's own words, guesses the service area, and pre-fills what is known."""

    def name(self) -> Text:
        return "action_start_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        named = next(tracker.get_latest_entity_values("service_area"), None)
        category = named if named in SERVICE_AREAS else next(iter(domain_choices(text)), None)
        profile = get_services().profiles.load(person_of(tracker))
        events = [SlotSet("need_text", text), SlotSet("need_category", category),
                  SlotSet("need_category_confirmed", True if named in SERVICE_AREAS else None),
                  SlotSet("need_id", None)]
        area = area_from(tracker) or profile.area
        if area:
            events.append(SlotSet("need_area", area))
        if not tracker.get_slot("target_group") and profile.target_group:
            events.append(SlotSet("target_group", profile.target_group))
        return events


class ActionSummariseNeed(Action):
    """"我整理一下您的需求：…" and asks to confirm or correct."""

    def name(self) -> Text:
        return "action_summarise_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        summary = NeedDraft.from_slots(tracker.slots).summary(reply_language(tracker))
        say(dispatcher, tracker, "need_summary", question=ASK_SUMMARY, summary=summary,
            buttons=[("button_correct", "/affirm"), ("button_change", "/deny")])
        return []


class ActionUpdateNeed(Action):
    """Information given outside the form: a correction to the open need is read back again."""

    def name(self) -> Text:
        return "action_update_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("need_text") or tracker.get_slot("need_id"):
            say(dispatcher, tracker, "ok")
            return []
        events = []
        area = area_from(tracker)
        if area:
            events.append(SlotSet("need_area", area))
        named = next(tracker.get_latest_entity_values("service_area"), None)
        if named in SERVICE_AREAS:
            events.append(SlotSet("need_category", named))
        updated = {**tracker.slots, **{e["name"]: e["value"] for e in events}}
        summary = NeedDraft.from_slots(updated).summary(reply_language(tracker))
        say(dispatcher, tracker, "need_summary", question=ASK_SUMMARY, summary=summary,
            buttons=[("button_correct", "/affirm"), ("button_change", "/deny")])
        return events


class ActionStopNeed(Action):
    """Stops without recording anything; the person can describe the need again later."""

    def name(self) -> Text:
        return "action_stop_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        say(dispatcher, tracker, "need_stopped")
        return [SlotSet(slot, None) for slot in NEED_SLOTS]


def confirm_need(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Shows matching services, records the need (with consent) and asks whether they fit;
    with nothing to show, offers follow-up at once (there is no fit question to wait for)."""
    services = get_services()
    language, person = reply_language(tracker), person_of(tracker)
    draft = NeedDraft.from_slots(tracker.slots)
    profile = services.profiles.load(person)
    matches = match_need(services.search, draft, boost_for(profile))
    matched = [m.entry.id for m in matches]
    need_id = None
    if has_consent(tracker) and draft.category:
        city, district = split_area(draft.area)
        written = services.insights.record_need(
            person, category=draft.category, target_group=draft.target_group, city=city,
            district=district, urgency=draft.urgency, contact_channel=draft.contact,
            free_text=draft.text, matched_service_ids=matched, confirmed=True,
            language=language, channel=channel_of(tracker))
        need_id = written.id
        services.profiles.learn_need(person, draft.area, draft.target_group, draft.category)
    if not matched:
        say(dispatcher, tracker, "need_no_match", buttons=[("talk_to_person", "/request_human")])
        offer_followup(dispatcher, tracker, draft.category, recorded=need_id is not None)
        return [SlotSet("need_id", str(need_id) if need_id else "unrecorded")]
    cards = [card_for(m.entry, language) for m in matches]
    response = Response(t("need_matches", language), cards=cards, style=style_of(tracker, profile))
    dispatcher.utter_message(**response.to_rasa_message())
    say(dispatcher, tracker, "ask_fit", question=ASK_FIT, buttons=FIT_BUTTONS)
    return [SlotSet("need_id", str(need_id) if need_id else "unrecorded"), SlotSet("last_results", matched)]


def correct_need(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    say(dispatcher, tracker, "need_correction_prompt")
    return []
