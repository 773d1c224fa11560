"""Action tests in the Rasa demo style: saved trackers, the real domain, CollectingDispatcher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker

TRACKERS = Path(__file__).resolve().parents[1] / "data" / "trackers"
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return Domain.load(str(PROJECT / "domain.yml")).as_dict()


@pytest.fixture
def tracker() -> Callable[..., Tracker]:
    """Loads ``tests/data/trackers/<name>.json``, optionally with another latest message or slots."""

    def load(name: str, intent: Optional[str] = None, text: Optional[str] = None,
             entities: Optional[List[Dict[str, Any]]] = None, **slots: Any) -> Tracker:
        state = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
        state["slots"].update(slots)
        for parse in (state["latest_message"], state["events"][-2]["parse_data"]):
            if text is not None:
                parse["text"] = text
            if entities is not None:
                parse["entities"] = entities
        if intent:
            for parse in (state["latest_message"], state["events"][-2]["parse_data"]):
                parse["intent"] = {"name": intent, "confidence": 0.98}
                parse["intent_ranking"] = [dict(parse["intent"])]
        return Tracker.from_dict(state)

    return load
