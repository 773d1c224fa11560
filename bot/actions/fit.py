"""Whether the suggested services fit: fits / partly / not at all, with an optional reason.

Once the answer is complete, people who may want it are offered follow-up (see followup.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of, say
from bot.actions.followup import offer_followup
from bot.services import get_services

FITS = ("fits", "partly", "not_at_all")
REASON_BUTTONS = [
    ("button_reason_not_eligible", "not_eligible"),
    ("button_reason_too_far", "too_far"),
    ("button_reason_unclear", "unclear"),
    ("button_reason_not_what_i_need", "not_what_i_need"),
]


class ActionRateFit(Action):
    def name(self) -> Text:
        return "action_rate_fit"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        fit = next(tracker.get_latest_entity_values("fit"), None)
        reason = next(tracker.get_latest_entity_values("fit_reason"), None)
        if fit not in FITS:
            say(dispatcher, tracker, "ask_fit", buttons=[
                ("button_fits", '/rate_fit{"fit":"fits"}'),
                ("button_partly", '/rate_fit{"fit":"partly"}'),
                ("button_not_at_all", '/rate_fit{"fit":"not_at_all"}'),
            ])
            return []
        need_id = tracker.get_slot("need_id")
        if need_id and need_id.isdigit():
            get_services().insights.update_need(person_of(tracker), int(need_id), fit_rating=fit, fit_reason=reason)
        if fit == "fits":
            say(dispatcher, tracker, "fit_thanks")
        elif reason is None:
            say(dispatcher, tracker, "ask_fit_reason", buttons=[
                (label, f'/rate_fit{{"fit":"{fit}","fit_reason":"{code}"}}') for label, code in REASON_BUTTONS
            ])
            return []  # the follow-up question waits until the reason is given
        else:
            say(dispatcher, tracker, "fit_noted", buttons=[("talk_to_person", "/request_human")])
        offer_followup(dispatcher, tracker, tracker.get_slot("need_category"),
                       recorded=bool(need_id and need_id.isdigit()))
        return []
