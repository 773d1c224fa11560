"""Consent first: ask once, remember the answer, and let people take it back."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import asked_this_session, person_of, say
from bot.actions.followup import withdraw_followup
from bot.services import get_services

INSIGHTS = "insights"
ASK_CONSENT = "consent"


def grant_consent(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Records consent to use needs and preferences for improving services."""
    services = get_services()
    services.insights.grant(person_of(tracker), INSIGHTS, services.settings.privacy.policy_version)
    say(dispatcher, tracker, "consent_given")
    return [SlotSet("consent_insights", "granted")]


def decline_consent(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Remembers a "no" (in the conversation only: nothing about the person is stored)."""
    events: List[Dict[Text, Any]] = []
    if tracker.get_slot("consent_insights") == "granted":
        get_services().insights.withdraw(person_of(tracker), INSIGHTS)
        events = withdraw_followup(tracker)
    say(dispatcher, tracker, "consent_declined")
    return [SlotSet("consent_insights", "declined"), *events]


class ActionOfferConsent(Action):
    """Asks for consent on first contact; silent once the person has decided or was just asked."""

    def name(self) -> Text:
        return "action_offer_consent"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_slot("consent_insights") is None and not asked_this_session(tracker, ASK_CONSENT):
            say(
                dispatcher, tracker, "ask_consent", question=ASK_CONSENT,
                buttons=[("button_agree", "/consent_give"), ("button_disagree", "/consent_decline")],
            )
        return []


class ActionRecordConsent(Action):
    """Handles an explicit "I agree" / "I don't agree" (typed or a button)."""

    def name(self) -> Text:
        return "action_record_consent"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_intent_of_latest_message() == "consent_give":
            return grant_consent(dispatcher, tracker)
        return decline_consent(dispatcher, tracker)


class ActionWithdrawConsent(Action):
    """Stops collection, and follow-up messages, at once; deleting what was kept is a separate,
    explicit request."""

    def name(self) -> Text:
        return "action_withdraw_consent"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        insights = tracker.get_slot("consent_insights") == "granted"
        followup = tracker.get_slot("consent_followup") == "granted"
        if not insights and not followup:
            say(dispatcher, tracker, "consent_nothing_to_withdraw")
            return []
        events: List[Dict[Text, Any]] = []
        if insights:
            get_services().insights.withdraw(person_of(tracker), INSIGHTS)
            events.append(SlotSet("consent_insights", "withdrawn"))
        events += withdraw_followup(tracker)
        say(dispatcher, tracker, "consent_and_followup_withdrawn" if followup else "consent_withdrawn")
        return events
