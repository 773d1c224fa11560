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


@dataclass
class Response:
    text: str
    cards: List[Card] = field(default_factory=list)
    buttons: List[Button] = field(default_factory=list)

    def to_rasa_message(self) -> Dict[str, Any]:
        """Keyword arguments for ``CollectingDispatcher.utter_message``."""
        message: Dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [asdict(b) for b in self.buttons]
        if self.cards:
            message["json_message"] = {"cards": [asdict(c) for c in self.cards]}
        return message


def cards_from_custom(custom: Optional[Dict[str, Any]]) -> List[Card]:
    """Cards carried in a Rasa bot message's ``custom`` field (the inverse of to_rasa_message)."""
    cards = []
    for raw in (custom or {}).get("cards", []):
        buttons = [Button(**b) for b in raw.get("buttons", [])]
        cards.append(Card(**{**raw, "buttons": buttons}))
    return cards
