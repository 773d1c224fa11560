"""What to say when the message could not be understood, by what was wrong with it."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ACTION_LISTEN_NAME

from bot.actions.common import say
from bot.actions.handoff import hand_off
from bot.language import InputKind, classify_input

MESSAGE_FOR = {
    InputKind.EMPTY: "empty_message",
    InputKind.NO_WORDS: "ask_rephrase",
    InputKind.UNSUPPORTED_SCRIPT: "unsupported_language",
    InputKind.TOO_LONG: "message_too_long",
    InputKind.TEXT: "ask_rephrase",
}
REPHRASE_BUTTONS = [("button_help", "/help"), ("talk_to_person", "/request_human")]


STUCK_AFTER = 2  # unclear messages in a row before a person takes over
# Only messages we could read but not understand count; empty, huge or foreign-script input
# gets its own advice instead.
COUNTS_AS_UNCLEAR = {InputKind.TEXT, InputKind.NO_WORDS}


class ActionClarify(Action):
    """Asks again in the person's language, saying why when we know (empty, too long, script);
    after two unclear messages in a row, hands over to a person instead of asking a third time."""

    def name(self) -> Text:
        return "action_clarify"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kind = classify_input(tracker.latest_message.get("text"))
        failed = int(tracker.get_slot("failed_attempts") or 0) + (kind in COUNTS_AS_UNCLEAR)
        if failed >= STUCK_AFTER:
            return hand_off(dispatcher, tracker, because_stuck=True)
        key = MESSAGE_FOR[kind]
        say(dispatcher, tracker, key, buttons=REPHRASE_BUTTONS if key == "ask_rephrase" else ())
        return [SlotSet("failed_attempts", failed)]


class ActionCoreFallback(Action):
    """What Rasa runs when no policy is sure of the next step (config.yml): ``action_clarify``,
    then listen. Without the listen the policies see the same state, fall back again and
    repeat up to Rasa's limit of predictions per message (five apologies and five hand-overs
    for one reply)."""

    def name(self) -> Text:
        return "action_core_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return [*ActionClarify().run(dispatcher, tracker, domain), FollowupAction(ACTION_LISTEN_NAME)]
