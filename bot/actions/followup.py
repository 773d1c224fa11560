"""Proactive follow-up, opt-in: ask once after a need is confirmed, and say what is new.

The question comes only to people who consented to insights (their need is then in the
store, which is how ``coserve followup send`` finds them) and have not decided yet. A
notification arrives as the external intent ``EXTERNAL_need_addressed`` (Rasa's HTTP API,
see bot/followup.py) and is said only when it really came from there and the conversation
still shows the opt-in, so neither a typed "/EXTERNAL_need_addressed" nor a stale trigger
reaches anyone.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import (
    asked_this_session,
    has_consent,
    is_external,
    person_of,
    reply_language,
    say,
)
from bot.insights.records import Purpose
from bot.language import EN
from bot.services import get_services
from bot.taxonomy import SERVICE_AREAS, label

ASK_FOLLOWUP = "followup"
SLOT = "consent_followup"


def offer_followup(dispatcher: CollectingDispatcher, tracker: Tracker, category: Optional[str],
                   recorded: bool) -> None:
    """Asks whether to be told when the city adds something for ``category``, at most once a
    session, and only with insights consent, a recorded need and no decision yet."""
    if not (recorded and category in SERVICE_AREAS and has_consent(tracker)):
        return
    if tracker.get_slot(SLOT) is not None or asked_this_session(tracker, ASK_FOLLOWUP):
        return
    area = label(SERVICE_AREAS, category or "", reply_language(tracker))
    say(dispatcher, tracker, "ask_followup", question=ASK_FOLLOWUP, area=area,
        buttons=[("button_notify_me", "/affirm"), ("button_no_updates", "/deny")])


def grant_followup(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """"Yes" to the follow-up question: consent for ``followup``, under the current policy."""
    services = get_services()
    services.insights.grant(person_of(tracker), Purpose.FOLLOWUP,
                            services.settings.privacy.policy_version)
    say(dispatcher, tracker, "followup_granted")
    return [SlotSet(SLOT, "granted")]


def decline_followup(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """"No" is remembered in the conversation, so the question is not asked again."""
    if tracker.get_slot(SLOT) == "granted":
        get_services().insights.withdraw(person_of(tracker), Purpose.FOLLOWUP)
    say(dispatcher, tracker, "followup_declined")
    return [SlotSet(SLOT, "declined")]


def withdraw_followup(tracker: Tracker) -> List[Dict[Text, Any]]:
    """Withdrawing insights consent ends follow-up too: it rests on the needs that consent kept.

    The store is asked even when the slot says nothing (a withdrawal of nothing changes
    nothing); the slot changes only when it showed the opt-in.
    """
    get_services().insights.withdraw(person_of(tracker), Purpose.FOLLOWUP)
    return [SlotSet(SLOT, "withdrawn")] if tracker.get_slot(SLOT) == "granted" else []


def _note(tracker: Tracker, language: str) -> Optional[str]:
    """The agency's note in ``language``, else in the other language."""
    notes = {name: next(tracker.get_latest_entity_values(name), None) for name in ("note_zh", "note_en")}
    first, second = ("note_en", "note_zh") if language == EN else ("note_zh", "note_en")
    note = str(notes[first] or notes[second] or "").strip()
    return note or None


class ActionNotifyAddressed(Action):
    """「您提過的「長照」需求，現在有新的服務：…」 in the person's language; silent otherwise."""

    def name(self) -> Text:
        return "action_notify_addressed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not is_external(tracker) or tracker.get_slot(SLOT) != "granted":
            return []
        category = next(tracker.get_latest_entity_values("service_area"), None)
        language = reply_language(tracker)
        note = _note(tracker, language)
        if category not in SERVICE_AREAS or note is None:
            return []
        area = label(SERVICE_AREAS, str(category), language)
        say(dispatcher, tracker, "need_addressed", area=area, note=note)
        return []
