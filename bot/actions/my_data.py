"""People can see what is kept about them, and delete it."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of, reply_language, say
from bot.i18n import t
from bot.insights.database import StoreUnavailable
from bot.services import get_services
from bot.taxonomy import LANGUAGES, label

ASK_DELETE = "delete_my_data"


def forget_person(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Deletes every stored record about the person and clears the conversation's slots.

    With the database down the deletion is queued (and the person's queued records dropped
    at once); the person is told it will complete, not that it is done.
    """
    try:
        deleted = get_services().insights.forget(person_of(tracker), actor="citizen")
    except StoreUnavailable as error:
        say(dispatcher, tracker, "delete_queued" if error.spooled else "data_unavailable")
        if not error.spooled:
            return []
    else:
        say(dispatcher, tracker, "data_deleted", count=deleted)
    # forget_requested tells the tracker store (bot/privacy/tracker_store.py) to erase the
    # conversation up to here; the language set after it survives, for the reply.
    return [AllSlotsReset(), SlotSet("forget_requested", True), SlotSet("language", reply_language(tracker))]


class ActionShowMyData(Action):
    """Lists, in plain words, what is kept: language, consent and how many records."""

    def name(self) -> Text:
        return "action_show_my_data"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        try:
            summary = get_services().insights.summary(person_of(tracker))
        except StoreUnavailable:
            say(dispatcher, tracker, "data_unavailable")
            return []
        consent = tracker.get_slot("consent_insights") or "unknown"
        say(
            dispatcher,
            tracker,
            "show_my_data",
            language_label=label(LANGUAGES, language, language),
            consent_label=t(f"consent_label_{consent}", language),
            record_count=summary.total_records,
        )
        return []


class ActionDeleteMyData(Action):
    """Asks for confirmation first; the "yes" is handled by action_answer_yes_no."""

    def name(self) -> Text:
        return "action_delete_my_data"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        say(
            dispatcher, tracker, "ask_delete_confirm", question=ASK_DELETE,
            buttons=[("button_delete", "/affirm"), ("button_keep", "/deny")],
        )
        return []
