"""A dense sentence feature from the project's own embedder, for the intent classifier.

Adds one sentence-level vector per message (no per-token vectors), made by the same
embedder interface search uses (``bot.search.embeddings``), so the NLU can lean on a
multilingual model that knows "長照" and "long-term care" mean the same. Whether it earns
its place is measured in docs/nlu-pipelines.md.

``roles`` picks e5's ``query:`` and/or ``passage:`` encodings; with both, the two vectors are
concatenated. They are two views of one message, and the intent classifier separates
intents better with both than with either (docs/nlu-pipelines.md, session 6). Embedders
without roles (USE) give the same vector for both, so they keep the default, ``[query]``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.featurizing import MessageFeaturizerSteps
from bot.search.embeddings import Embedder, create_embedder

ROLES = ("query", "passage")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEmbeddingFeaturizer(MessageFeaturizerSteps, DenseFeaturizer, GraphComponent):
    """Sentence features from ``bot.search.embeddings`` (config key ``embedder``)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "embedder": "use", "roles": ["query"], "batch_size": 64}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._embedder: Embedder = create_embedder(config["embedder"])

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Checks the roles; the embedder spec is checked by create_embedder when the component is built."""
        roles = config.get("roles")
        listed_once = isinstance(roles, list) and len(set(roles)) == len(roles)
        if not roles or not listed_once or any(role not in ROLES for role in roles):
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: roles must list some of {list(ROLES)} once each, got {roles!r}"
            )

    def _featurize(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        size = self._config["batch_size"]
        for start in range(0, len(with_text), size):
            batch = with_text[start : start + size]
            texts = [m.get(TEXT) for m in batch]
            vectors = np.hstack([self._encode(role, texts) for role in self._config["roles"]])
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
                )

    def _encode(self, role: str, texts: List[str]) -> np.ndarray:
        return self._embedder.encode_queries(texts) if role == "query" else self._embedder.encode_passages(texts)
