"""The channel-neutral response an action produces: text, cards, buttons.

Actions build a ``Response``; ``to_rasa_message`` turns it into the keyword arguments of
``dispatcher.utter_message`` (cards travel in ``custom``), and each channel's renderer
turns Rasa's bot message back into its own payload. No channel logic lives in actions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Card:
    """One public service, as shown in a result list."""

    entry_id: str
    title: str
    summary: str
    how_to_apply: Optional[str] = None
    agency: Optional[str] = None
    url: Optional[str] = None
    contact: Optional[str] = None
    buttons: List[Button] = field(default_factory=list)
    eligibility: Optional[str] = None
    documents: List[str] = field(default_factory=list)
    fees: Optional[str] = None


@dataclass(frozen=True)
class Style:
    """How the person likes answers: brief or detailed, and easy reading (for older people)."""

    answer_length: str = "brief"
    easy_reading: bool = False


@dataclass
class Response:
    text: str
    cards: List[Card] = field(default_factory=list)
    buttons: List[Button] = field(default_factory=list)
    style: Optional[Style] = None

    def to_rasa_message(self) -> Dict[str, Any]:
        """Keyword arguments for ``CollectingDispatcher.utter_message``.

        Cards carry every field; the style travels with them so each channel's renderer
        decides what to show (brief/detailed, easy reading) in one place (bot/render/style.py).
        """
        message: Dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [asdict(b) for b in self.buttons]
        if self.cards:
            custom: Dict[str, Any] = {"cards": [asdict(c) for c in self.cards]}
            if self.style:
                custom["style"] = asdict(self.style)
            message["json_message"] = custom
        return message


def cards_from_custom(custom: Optional[Dict[str, Any]]) -> List[Card]:
    """Cards carried in a Rasa bot message's ``custom`` field (the inverse of to_rasa_message)."""
    cards = []
    for raw in (custom or {}).get("cards", []):
        buttons = [Button(**b) for b in raw.get("buttons", [])]
        cards.append(Card(**{**raw, "buttons": buttons}))
    return cards
