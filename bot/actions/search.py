"""Answering a question or a described need with matching public services."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import channel_of, has_consent, person_of, reply_language, style_of
from bot.i18n import t
from bot.profiles.ranking import boost_for
from bot.render.cards import card_for
from bot.render.response import Button, Response, Style
from bot.search.service import Filters, SearchResult
from bot.services import get_services
from bot.taxonomy import SERVICE_AREAS, label


def _domain_choice(tracker: Tracker) -> Optional[str]:
    """The service area picked from a clarification button, if this message is one."""
    if not (tracker.latest_message.get("text") or "").startswith("/"):
        return None
    return next(tracker.get_latest_entity_values("service_area"), None)


def _present(result: SearchResult, language: str, clarify: bool, style: Style) -> Response:
    if not result.answered:
        return Response(
            t("no_good_answer", language, query=result.query[:40]),
            buttons=[Button(t("talk_to_person", language), "/request_human")],
        )
    if clarify:
        domains = list(dict.fromkeys(m.entry.domain for m in result.matches))
        buttons = [
            Button(label(SERVICE_AREAS, d, language), f'/ask_public_service{{"service_area":"{d}"}}')
            for d in domains
        ]
        return Response(t("clarify", language), buttons=buttons)
    return Response(t("results_intro", language), cards=[card_for(m.entry, language) for m in result.matches],
                    style=style)


class ActionSearchServices(Action):
    """Searches the knowledge base, shows cards, asks which domain when it is a toss-up,
    and logs unanswered questions as knowledge gaps."""

    def name(self) -> Text:
        return "action_search_services"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        chosen = _domain_choice(tracker)
        query = (tracker.get_slot("last_query") if chosen else None) or tracker.latest_message.get("text") or ""
        services = get_services()
        profile = services.profiles.load(person_of(tracker))
        result = services.search.search(query, Filters(domain=chosen), boost=boost_for(profile))
        services.insights.record_search(
            person=person_of(tracker) if has_consent(tracker) else None,
            query=result.query,
            top_ids=[m.entry.id for m in result.matches],
            top_scores=[round(m.score, 4) for m in result.matches],
            answered=result.answered,
            language=language,
            channel=channel_of(tracker),
        )
        response = _present(result, language, clarify=result.needs_clarification and not chosen,
                            style=style_of(tracker, profile))
        dispatcher.utter_message(**response.to_rasa_message())
        shown = [m.entry.id for m in result.matches] if result.answered else []
        return [SlotSet("last_query", result.query), SlotSet("last_results", shown)]
