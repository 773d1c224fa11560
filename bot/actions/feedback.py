"""Suggestions and complaints about services, kept (redacted) only with consent."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import channel_of, has_consent, person_of, reply_language, say
from bot.services import get_services


class ActionRecordFeedback(Action):
    def name(self) -> Text:
        return "action_record_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not has_consent(tracker):
            say(dispatcher, tracker, "feedback_not_recorded")
            return []
        get_services().insights.record_feedback(
            person=person_of(tracker),
            text=tracker.latest_message.get("text") or "",
            language=reply_language(tracker),
            channel=channel_of(tracker),
        )
        say(dispatcher, tracker, "feedback_thanks")
        return []
