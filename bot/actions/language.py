"""Switching the reply language on request."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import say


class ActionChangeLanguage(Action):
    """Confirms the switch; the slots were already set by action_validate_slot_mappings."""

    def name(self) -> Text:
        return "action_change_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        say(dispatcher, tracker, "language_switched")
        return []
