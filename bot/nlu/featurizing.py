"""The Rasa plumbing shared by CoServe's message featurizers, so each one only says how it featurizes."""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Text, Type, TypeVar

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SelfType = TypeVar("SelfType", bound="MessageFeaturizerSteps")


class MessageFeaturizerSteps(abc.ABC):
    """create / process / process_training_data for featurizers built from (config, node name)."""

    @abc.abstractmethod
    def _featurize(self, messages: List[Message]) -> None:
        """Adds this featurizer's features to the messages that have text."""

    @classmethod
    def create(
        cls: Type[SelfType],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SelfType:
        # Listed first among the bases, so it must not define __init__ (the featurizer's Rasa base
        # class takes (name, config)); every subclass is built from (config, node name).
        return cls(config, execution_context.node_name)  # type: ignore[call-arg]

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
