"""People can see what is kept about them, and delete it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import identity_of, person_of, reply_language, say
from bot.actions.linking import screens_label
from bot.i18n import t
from bot.insights.database import StoreUnavailable
from bot.insights.records import Consent, Purpose
from bot.services import get_services
from bot.taxonomy import LANGUAGES, label

ASK_DELETE = "delete_my_data"
# the slot that remembers each consent in the conversation; personalisation has none
CONSENT_SLOTS = {Purpose.INSIGHTS: "consent_insights", Purpose.PERSONALISATION: None,
                 Purpose.FOLLOWUP: "consent_followup"}


def consent_state(purpose: Purpose, stored: Sequence[Consent], said: Optional[str]) -> str:
    """``granted``, ``declined``, ``withdrawn`` or ``unknown`` for one purpose.

    The store decides what holds (it is shared by all of a person's linked screens); a "no"
    is stored nowhere, so it comes from this conversation (``said``, the slot). A "yes" the
    store does not show yet (still in the spool) is taken from the conversation too.
    """
    mine = [consent for consent in stored if consent.purpose == purpose]
    if any(consent.active for consent in mine):
        return "granted"
    if said in ("declined", "withdrawn"):
        return str(said)
    if mine:
        return "withdrawn"
    return "granted" if said == "granted" else "unknown"


def forget_person(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Deletes every stored record about the person and clears the conversation's slots.

    Said on any of a person's linked screens, it deletes the person, unlinks every screen and
    deletes the other screens' conversations too (bot/linking.py). With the database down
    the deletion is queued (and the person's queued records dropped at once); the person is
    told it will complete, not that it is done.
    """
    try:
        erased = get_services().linking.forget(identity_of(tracker), actor="citizen")
    except StoreUnavailable as error:
        say(dispatcher, tracker, "delete_queued" if error.spooled else "data_unavailable")
        if not error.spooled:
            return []
    else:
        if erased.other_screens:
            say(dispatcher, tracker, "data_deleted_linked_pending" if erased.conversations_pending
                else "data_deleted_linked", count=erased.records, screens=erased.other_screens)
        else:
            say(dispatcher, tracker, "data_deleted", count=erased.records)
    # forget_requested tells the tracker store (bot/privacy/tracker_store.py) to erase the
    # conversation up to here; the language set after it survives, for the reply.
    return [AllSlotsReset(), SlotSet("forget_requested", True), SlotSet("language", reply_language(tracker))]


class ActionShowMyData(Action):
    """Lists, in plain words, what is kept: language, each consent (insights,
    personalisation, follow-up) and how many records."""

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

        def consent(purpose: Purpose) -> str:
            slot = CONSENT_SLOTS[purpose]
            state = consent_state(purpose, summary.consents, tracker.get_slot(slot) if slot else None)
            return t(f"consent_label_{state}", language)

        say(
            dispatcher,
            tracker,
            "show_my_data",
            language_label=label(LANGUAGES, language, language),
            consent_insights=consent(Purpose.INSIGHTS),
            consent_personalisation=consent(Purpose.PERSONALISATION),
            consent_followup=consent(Purpose.FOLLOWUP),
            record_count=summary.total_records,
        )
        if summary.linked_channels:
            say(dispatcher, tracker, "show_linked_screens", count=len(summary.linked_channels),
                screens=screens_label(summary.linked_channels, language))
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
