"""The needs form: one question per turn, skipping what the person already said.

``validate_need_form`` reads answers (typed or buttons) and corrections at any point;
``action_ask_<slot>`` asks for the next missing piece in the person's language.
"""

from __future__ import annotations

from typing import Any, Collection, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import say
from bot.needs.draft import BENEFICIARY, CONTACT, URGENCY
from bot.nlu.closed_answers import read_closed_answer
from bot.services import get_services
from bot.taxonomy import SERVICE_AREAS, TAIPEI_DISTRICTS, label

CHOICES_SHOWN = 3


def area_from(tracker: Tracker) -> Optional[str]:
    """``taipei/<district>`` from a district, else the city, from this message or the slots."""
    district = next(tracker.get_latest_entity_values("district"), None) or tracker.get_slot("district")
    if district in TAIPEI_DISTRICTS:
        return f"taipei/{district}"
    return next(tracker.get_latest_entity_values("city"), None) or tracker.get_slot("city")


def domain_choices(text: str, exclude: Optional[str] = None) -> List[str]:
    """The service areas of the best search matches for the person's words, best first."""
    result = get_services().search.search(text, k=10)
    ordered = list(dict.fromkeys(m.entry.domain for m in result.matches))
    return [d for d in ordered if d != exclude][:CHOICES_SHOWN]


class ValidateNeedForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_need_form"

    def _requested(self, tracker: Tracker) -> Optional[str]:
        return tracker.get_slot("requested_slot")

    def extract_need_category_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A named service area (typed or a button) settles it; yes/no answers the question."""
        named = next(tracker.get_latest_entity_values("service_area"), None)
        if named in SERVICE_AREAS:
            return {"need_category": named, "need_category_confirmed": True}
        if self._requested(tracker) == "need_category_confirmed" and tracker.get_slot("need_category"):
            intent = tracker.get_intent_of_latest_message()
            if intent in ("affirm", "deny"):
                return {"need_category_confirmed": intent == "affirm"}
        return {}

    def validate_need_category_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A "no" clears the guess, so the next question offers other service areas."""
        if value is False:
            return {"need_category_confirmed": None, "need_category": None}
        return {"need_category_confirmed": value}

    def extract_need_area(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        area = area_from(tracker) if tracker.latest_message.get("entities") else None
        if area:
            return {"need_area": area}
        if self._requested(tracker) == "need_area" and tracker.get_intent_of_latest_message() == "deny":
            return {"need_area": "unspecified"}  # "不方便說" is an answer too
        return {}

    def _closed_answer(self, tracker: Tracker, slot: str, allowed: Collection[str]) -> Dict[Text, Any]:
        """A typed reply to this slot's own question, read against its known answers when the
        entity extractor found none ("for me", 「這裡回就好」): bot.nlu.closed_answers."""
        if self._requested(tracker) != slot or tracker.get_slot(slot) is not None:
            return {}
        value = read_closed_answer(tracker.latest_message.get("text") or "", allowed)
        return {slot: value} if value else {}

    def extract_beneficiary(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._closed_answer(tracker, "beneficiary", BENEFICIARY)

    def extract_need_urgency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._closed_answer(tracker, "need_urgency", URGENCY)

    def extract_need_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._closed_answer(tracker, "need_contact", CONTACT)

    def validate_need_urgency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Only a known urgency counts: a word the model half-recognised (e.g. "week" from
        "he fell last week") must not skip the question."""
        return {"need_urgency": value if value in URGENCY else None}

    def validate_need_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"need_contact": value if value in CONTACT else None}


class ActionAskNeedCategoryConfirmed(Action):
    """"聽起來是「長照」方面的需求，對嗎？" — or, after a "no", a choice of other areas."""

    def name(self) -> Text:
        return "action_ask_need_category_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = tracker.get_slot("language") or "zh-TW"
        category = tracker.get_slot("need_category")
        others = domain_choices(tracker.get_slot("need_text") or "", exclude=category)
        buttons = [(label(SERVICE_AREAS, d, language), f'/inform{{"service_area":"{d}"}}') for d in others]
        if category:
            say(dispatcher, tracker, "ask_need_category", category=label(SERVICE_AREAS, category, language),
                buttons=[("yes", "/affirm"), *buttons], literal_buttons=True)
        else:
            say(dispatcher, tracker, "ask_need_category_choice", buttons=buttons, literal_buttons=True)
        return []


def _asker(slot: str, key: str, buttons: List[tuple]) -> type:
    """An ``action_ask_<slot>`` class that asks ``key`` with fixed (label key, payload) buttons."""

    class AskAction(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
            say(dispatcher, tracker, key, buttons=buttons)
            return []

    AskAction.__name__ = AskAction.__qualname__ = "ActionAsk" + "".join(p.title() for p in slot.split("_"))
    AskAction.__doc__ = f"Asks for ``{slot}``."
    return AskAction


ActionAskBeneficiary = _asker("beneficiary", "ask_beneficiary", [
    ("button_self", '/inform{"beneficiary":"self"}'),
    ("button_family", '/inform{"beneficiary":"family"}'),
])
ActionAskNeedArea = _asker("need_area", "ask_need_area", [("button_rather_not_say", "/deny")])
ActionAskNeedUrgency = _asker("need_urgency", "ask_need_urgency", [
    ("button_urgent", '/inform{"urgency":"urgent"}'),
    ("button_soon", '/inform{"urgency":"soon"}'),
    ("button_not_urgent", '/inform{"urgency":"not_urgent"}'),
])
ActionAskNeedContact = _asker("need_contact", "ask_need_contact", [
    ("button_contact_chat", '/inform{"contact_channel":"chat"}'),
    ("button_contact_phone", '/inform{"contact_channel":"phone"}'),
    ("button_contact_email", '/inform{"contact_channel":"email"}'),
    ("button_contact_none", '/inform{"contact_channel":"none"}'),
])


class ActionFormAnswerUnclear(Action):
    """A reply the form could not use as an answer to its question ("他一個人住" to "how
    urgent?"): the form rejects it, and a rule (data/rules/needs.yml) runs this, then the form,
    which asks the same question again with its answer buttons."""

    def name(self) -> Text:
        return "action_form_answer_unclear"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        say(dispatcher, tracker, "form_answer_unclear")
        return []
