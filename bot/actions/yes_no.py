"""A bare "yes" or "no" answers whatever the bot asked just before, and nothing older."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import last_bot_question, say
from bot.actions.consent import ASK_CONSENT, decline_consent, grant_consent
from bot.actions.followup import ASK_FOLLOWUP, decline_followup, grant_followup
from bot.actions.my_data import ASK_DELETE, forget_person
from bot.actions.needs import ASK_SUMMARY, confirm_need, correct_need

Handler = Callable[[CollectingDispatcher, Tracker], List[Dict[Text, Any]]]


def _cancel_delete(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    say(dispatcher, tracker, "delete_cancelled")
    return []


# question asked -> (what "yes" does, what "no" does)
ANSWERS: Dict[Text, Tuple[Handler, Handler]] = {
    ASK_CONSENT: (grant_consent, decline_consent),
    ASK_DELETE: (forget_person, _cancel_delete),
    ASK_SUMMARY: (confirm_need, correct_need),
    ASK_FOLLOWUP: (grant_followup, decline_followup),
}


class ActionAnswerYesNo(Action):
    def name(self) -> Text:
        return "action_answer_yes_no"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        handlers = ANSWERS.get(last_bot_question(tracker) or "")
        if handlers is None:
            say(dispatcher, tracker, "ok")
            return []
        on_yes, on_no = handlers
        answer = on_yes if tracker.get_intent_of_latest_message() == "affirm" else on_no
        return answer(dispatcher, tracker)
