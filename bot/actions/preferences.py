"""Preferences people set themselves, personalisation on/off, and "why am I seeing this?"."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of, reply_language, say
from bot.i18n import t
from bot.needs.draft import area_label
from bot.profiles.ranking import reasons
from bot.services import get_services
from bot.taxonomy import AUDIENCES, LANGUAGES, SERVICE_AREAS, label

SETTABLE = ("answer_length", "easy_reading")


class ActionSetPreference(Action):
    """Applies a preference now; keeps it for next time only with personalisation consent."""

    def name(self) -> Text:
        return "action_set_preference"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        services, person = get_services(), person_of(tracker)
        found = {key: next(tracker.get_latest_entity_values(key), None) for key in SETTABLE}
        chosen: Dict[str, str] = {key: str(value) for key, value in found.items() if value}
        topic = next(tracker.get_latest_entity_values("service_area"), None)
        if not chosen and not topic:
            say(dispatcher, tracker, "preference_unclear")
            return []
        profile = services.profiles.load(person)
        if profile.personalised:
            for key, value in chosen.items():
                services.profiles.remember(person, key, value)
            if topic in SERVICE_AREAS:
                services.profiles.learn_need(person, None, None, topic)
        say(dispatcher, tracker, "preference_saved" if profile.personalised else "preference_this_conversation",
            buttons=() if profile.personalised else [("button_remember", "/personalisation_on")])
        return [SlotSet(key, value) for key, value in chosen.items()]


class ActionShowPreferences(Action):
    def name(self) -> Text:
        return "action_show_preferences"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        profile = get_services().profiles.load(person_of(tracker))
        prefs = profile.preferences
        length = tracker.get_slot("answer_length") or prefs.get("answer_length") or "brief"
        easy = tracker.get_slot("easy_reading") or prefs.get("easy_reading") or "off"
        topics = "、".join(label(SERVICE_AREAS, x, language) for x in profile.topics) or t("none", language)
        say(dispatcher, tracker, "show_preferences",
            language_label=label(LANGUAGES, language, language),
            length=t(f"length_{length}", language), easy=t(f"switch_{easy}", language),
            area=area_label(profile.area, language) or t("none", language),
            group=label(AUDIENCES, profile.target_group, language) if profile.target_group else t("none", language),
            topics=topics, personalised=t("switch_on" if profile.personalised else "switch_off", language))
        return []


class ActionSetPersonalisation(Action):
    """Turning personalisation off withdraws the consent and deletes stored preferences."""

    def name(self) -> Text:
        return "action_set_personalisation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        on = tracker.get_intent_of_latest_message() == "personalisation_on"
        services, person = get_services(), person_of(tracker)
        services.profiles.set_personalisation(person, on)
        if on:
            for key in SETTABLE:
                if tracker.get_slot(key):
                    services.profiles.remember(person, key, tracker.get_slot(key))
        say(dispatcher, tracker, "personalisation_on" if on else "personalisation_off")
        return []


class ActionExplain(Action):
    """"為什麼推薦這個？": the match to their words, plus any personal reasons, in plain words."""

    def name(self) -> Text:
        return "action_explain"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        shown = tracker.get_slot("last_results") or []
        services, language = get_services(), reply_language(tracker)
        entry = services.search.index.entries.get(shown[0]) if shown else None
        if entry is None:
            say(dispatcher, tracker, "explain_nothing")
            return []
        profile = services.profiles.load(person_of(tracker))
        personal = reasons(profile, entry, language)
        separator = "；" if language != "en" else "; "
        say(dispatcher, tracker, "explain_personal" if personal else "explain_plain",
            title=entry.title.get(language), query=tracker.get_slot("last_query") or "",
            reasons=separator.join(personal))
        return []
