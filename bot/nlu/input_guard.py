"""Turns input the model cannot read into ``nlu_fallback``.

A classifier always names some intent, even for "😀😀", an empty message or Arabic text.
This component runs last and overrides the prediction for such input, so the dialogue asks
the person to rephrase (in their language) instead of acting on a guess.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.language import InputKind, classify_input

FALLBACK_INTENT = "nlu_fallback"
UNREADABLE = {InputKind.EMPTY, InputKind.NO_WORDS, InputKind.UNSUPPORTED_SCRIPT, InputKind.TOO_LONG}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class InputGuard(GraphComponent):
    """Overrides the intent with nlu_fallback for empty, wordless, foreign-script or huge input."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if classify_input(message.get(TEXT)) in UNREADABLE:
                fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages
