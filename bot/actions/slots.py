"""Slots filled on every message: the reply language follows the person unless they chose one."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.actions.common import is_external
from bot.language import EN, SUPPORTED, ZH_TW, detect_language


class ValidateSlotMappings(ValidationAction):
    """``action_validate_slot_mappings``: runs after every user message, before the policies."""

    def extract_preferred_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A language the person asked for ("請用英文"); a bare "switch language" toggles."""
        if tracker.get_intent_of_latest_message() != "change_language":
            return {}
        asked = next(tracker.get_latest_entity_values("language"), None)
        if asked not in SUPPORTED:
            current = tracker.get_slot("language") or ZH_TW
            asked = EN if current == ZH_TW else ZH_TW
        return {"preferred_language": asked}

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The chosen language if any, else the language of this message (unchanged if unclear)."""
        preferred = tracker.get_slot("preferred_language")
        if preferred:
            return {"language": preferred}
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/") or is_external(tracker):
            return {}  # a button payload or an API trigger says nothing about the person's language
        detected = detect_language(text)
        return {"language": detected} if detected else {}

    def extract_failed_attempts(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Any understood message ends a run of unclear ones (see action_clarify)."""
        understood = tracker.get_intent_of_latest_message(skip_fallback_intent=False) != "nlu_fallback"
        return {"failed_attempts": 0} if understood and tracker.get_slot("failed_attempts") else {}
