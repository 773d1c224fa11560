"""Small helpers every action uses: the reply language, the person, what was just asked."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.i18n import STRINGS, t
from bot.language import ZH_TW
from bot.profiles.profile import Profile
from bot.render.response import Button, Response, Style
from bot.services import get_services

QUESTION_KEY = "question"  # marks a bot message that asks something a yes/no can answer


def reply_language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or ZH_TW


def person_of(tracker: Tracker) -> str:
    """The pseudonymous id of whoever this conversation is with (the same on all the screens
    they linked, see bot/linking.py)."""
    return get_services().person_id(tracker.get_latest_input_channel(), tracker.sender_id)


def identity_of(tracker: Tracker) -> str:
    """The pseudonym of this screen alone (its channel and sender id), for linking it."""
    return get_services().identity_id(tracker.get_latest_input_channel(), tracker.sender_id)


def style_of(tracker: Tracker, profile: Profile) -> Style:
    """This conversation's choice first, then what the person asked us to remember."""
    length = tracker.get_slot("answer_length") or profile.preferences.get("answer_length") or "brief"
    easy = tracker.get_slot("easy_reading") or profile.preferences.get("easy_reading") or "off"
    return Style(answer_length=length, easy_reading=easy == "on")


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def is_external(tracker: Tracker) -> bool:
    """Whether the latest message was triggered through Rasa's HTTP API (trigger_intent, a
    reminder), not sent by a person: Rasa marks those ``is_external`` in their metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata.get("is_external") is True


def has_consent(tracker: Tracker) -> bool:
    return tracker.get_slot("consent_insights") == "granted"


def say(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    key: str,
    buttons: Sequence[Tuple[str, str]] = (),
    question: Optional[str] = None,
    literal_buttons: bool = False,
    **values: Any,
) -> None:
    """Sends the string ``key`` in the person's language, with (label key, payload) buttons.

    ``question`` names what the message asks, so a following "yes"/"no" can be read as the
    answer to it (see last_bot_question). With ``literal_buttons`` the first button may be
    a label key and the rest are already-translated labels (e.g. service-area names).
    """
    language = reply_language(tracker)

    def button_label(text: str) -> str:
        return t(text, language) if not literal_buttons or text in STRINGS else text

    response = Response(
        t(key, language, **values),
        buttons=[Button(button_label(label), payload) for label, payload in buttons],
    )
    message = response.to_rasa_message()
    if question:
        message[QUESTION_KEY] = question
    dispatcher.utter_message(**message)


def last_bot_question(tracker: Tracker) -> Optional[Text]:
    """What the bot's last message before the latest user message asked, if anything.

    Lets a bare "yes" or "no" be read as the answer to whatever was just asked, and as
    nothing when the question is further back.
    """
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "bot" and seen_user:
            metadata: Dict[str, Any] = event.get("metadata") or {}
            return metadata.get(QUESTION_KEY)
    return None


def asked_this_session(tracker: Tracker, question: Text) -> bool:
    """Whether the bot already asked ``question`` since the session started."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get(QUESTION_KEY) == question:
            return True
    return False
