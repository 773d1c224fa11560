"""Passing the conversation to a person, honestly: a reference, and when they will look."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of, reply_language, say
from bot.handoff import conversation_summary
from bot.needs.draft import NeedDraft
from bot.services import get_services

WEEKDAYS = {"zh-TW": "一二三四五六日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, because_stuck: bool = False) -> List[Dict[Text, Any]]:
    """Opens a hand-off with a summary for staff and tells the person what happens next."""
    services, language = get_services(), reply_language(tracker)
    messages = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    need = NeedDraft.from_slots(tracker.slots).summary("zh-TW") if tracker.get_slot("need_text") else None
    need_id = tracker.get_slot("need_id")
    ticket = services.handoff.open(person_of(tracker), conversation_summary(messages, need),
                                   int(need_id) if need_id and need_id.isdigit() else None)
    reference = f"#{ticket.reference}" if ticket.reference else "-"
    if because_stuck:
        say(dispatcher, tracker, "handoff_because_stuck")
    if ticket.during_office_hours:
        say(dispatcher, tracker, "handoff_office_hours", reference=reference,
            hours=services.settings.handoff.reply_within_hours)
    else:
        opening = ticket.next_opening
        if language == "en":
            when = f"{WEEKDAYS['en'][opening.weekday()]} {opening:%d %b %H:%M}"
        else:
            when = f"{opening.month}/{opening.day}（週{WEEKDAYS['zh-TW'][opening.weekday()]}）{opening:%H:%M}"
        say(dispatcher, tracker, "handoff_after_hours", reference=reference, when=when)
    return [SlotSet("failed_attempts", 0)]


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return hand_off(dispatcher, tracker)
