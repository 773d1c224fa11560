"""One person, many screens: link this screen to another with a one-time code, or unlink it.

"連結帳號" without a code asks for one (carrying the open need along); "連結 483920" on the
other screen redeems it, and the need goes on there. The rules are in bot/insights/links.py.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import channel_of, identity_of, reply_language, say
from bot.i18n import STRINGS, t
from bot.insights.database import StoreUnavailable
from bot.insights.links import RedeemStatus, Redemption
from bot.insights.records import Purpose
from bot.linking import find_link_code
from bot.needs.draft import DRAFT_SLOTS, draft_slots, form_complete, open_draft
from bot.services import get_services

FAILURES = {
    RedeemStatus.WRONG: "link_code_wrong",
    RedeemStatus.EXPIRED: "link_code_expired",
    RedeemStatus.USED: "link_code_used",
    RedeemStatus.SAME_SCREEN: "link_same_screen",
}
CONSENT_SLOTS = {"consent_insights": Purpose.INSIGHTS, "consent_followup": Purpose.FOLLOWUP}


def screens_label(channels: Sequence[str], language: str) -> str:
    """"網頁、Telegram" / "web chat, Telegram": channel names only, never account ids."""
    names = [t(f"channel_label_{c}" if f"channel_label_{c}" in STRINGS else "channel_label_other", language)
             for c in channels]
    return ("、" if language != "en" else ", ").join(names)


class ActionLinkAccount(Action):
    """Issues a code, or redeems the code in the message."""

    def name(self) -> Text:
        return "action_link_account"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        code, attempted = find_link_code(tracker.latest_message.get("text") or "",
                                         tracker.get_latest_entity_values("link_code"))
        if code is None and attempted:
            say(dispatcher, tracker, "link_code_format")
            return []
        linking = get_services().linking
        try:
            if code is None:
                issued = linking.issue(identity_of(tracker), channel_of(tracker), open_draft(tracker.slots))
                say(dispatcher, tracker, "link_code_issued", code=issued.code, minutes=issued.minutes)
                return []
            result = linking.redeem(identity_of(tracker), channel_of(tracker), code)
        except StoreUnavailable:
            say(dispatcher, tracker, "data_unavailable")
            return []
        return self._answer(dispatcher, tracker, result, code)

    def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, result: Redemption,
                code: str) -> List[Dict[Text, Any]]:
        limits = get_services().linking.links.limits
        screens = screens_label(result.channels, reply_language(tracker))
        if result.status is RedeemStatus.TOO_MANY:
            wait = result.retry_after.total_seconds() if result.retry_after else 60.0
            say(dispatcher, tracker, "link_too_many_attempts", minutes=max(1, math.ceil(wait / 60)))
        elif result.status in FAILURES:
            say(dispatcher, tracker, FAILURES[result.status], code=code, minutes=limits.code_minutes)
        elif result.status is RedeemStatus.ALREADY_LINKED:
            say(dispatcher, tracker, "link_already", count=len(result.channels), screens=screens)
        else:
            say(dispatcher, tracker, "link_done", count=len(result.channels), screens=screens)
            return self._carry_over(dispatcher, tracker, result)
        return []

    def _carry_over(self, dispatcher: CollectingDispatcher, tracker: Tracker, result: Redemption
                    ) -> List[Dict[Text, Any]]:
        """What the person decided elsewhere shows here: consent this screen has not been
        asked about, and the open need, which goes on at its next question (or its summary)."""
        events: List[Dict[Text, Any]] = []
        store = get_services().insights
        for slot, purpose in CONSENT_SLOTS.items():
            if tracker.get_slot(slot) is None and result.person and store.has_consent(result.person, purpose):
                events.append(SlotSet(slot, "granted"))
        need = draft_slots(result.need_draft)
        if not need:
            return events
        say(dispatcher, tracker, "link_need_continues")
        events += [SlotSet(name, need.get(name)) for name in DRAFT_SLOTS] + [SlotSet("need_id", None)]
        if tracker.active_loop_name != "need_form":  # otherwise the form's own rule goes on
            events.append(FollowupAction("action_summarise_need" if form_complete(need) else "need_form"))
        return events


class ActionUnlinkAccount(Action):
    """Takes this screen out of its group; it starts afresh, so consent is asked again."""

    def name(self) -> Text:
        return "action_unlink_account"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            unlinked = get_services().linking.unlink(identity_of(tracker))
        except StoreUnavailable:
            say(dispatcher, tracker, "data_unavailable")
            return []
        if not unlinked:
            say(dispatcher, tracker, "unlink_nothing")
            return []
        say(dispatcher, tracker, "unlink_done")
        return [SlotSet(slot, None) for slot in CONSENT_SLOTS]
