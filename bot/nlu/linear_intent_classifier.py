"""Intent classification with a regularised linear model over words, characters and sentence vectors.

With a few dozen examples per intent, a multinomial logistic regression over TF-IDF word
n-grams (from the pipeline's Traditional-Chinese tokenizer), TF-IDF character n-grams and
the dense sentence vectors of the pipeline (multilingual e5 and USE) generalises better
than DIET trained on the same features: 5-fold cross-validation in docs/nlu-pipelines.md.
A CRF (CRFEntityExtractor) finds the entities. Probabilities come from the model itself, so
the FallbackClassifier's threshold keeps its meaning ("the model is not sure"). The solver
(bot/nlu/softmax_regression.py) keeps the dense sentence vectors apart from the sparse n-grams.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.persistence import read_trained
from bot.nlu.softmax_regression import SoftmaxRegression

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent_classifier.skops"
# skops refuses to load any type not listed here (a model file is code-free by construction).
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]


def _words(message: Message) -> str:
    """The message's tokens (from the pipeline's tokenizer), lower-cased, space-separated."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(token.text.lower() for token in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression on [word TF-IDF | char TF-IDF | weight × sparse sentence
    features (latent terms) | weight × dense sentence vectors]."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 10.0,  # inverse regularisation strength (chosen by cross-validation)
            "dense_weight": 3.0,  # how much the sentence vectors count beside the n-grams
            # sparse sentence features of these featurizers (by alias), e.g. LatentTermsFeaturizer's
            "sparse_featurizers": [],
            "sparse_weight": 3.0,
            "char_ngram_range": [1, 3],
            "word_ngram_range": [1, 2],
            # L-BFGS iterations. It converges after ~220 on our data; at 100 the objective is within
            # 0.1% of that and the cross-validated F1 is the same (docs/nlu-pipelines.md, session 8),
            # in half the time.
            "max_iter": 100,
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        # {"words", "chars": TfidfVectorizer, "sparse_widths": {alias: width}, "dense_width": int,
        #  "classifier": SoftmaxRegression's arrays}
        self._model = model
        self._classifier = SoftmaxRegression(**model["classifier"]) if model else None

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """A plain string would be read character by character: insist on a list of aliases."""
        names = config.get("sparse_featurizers")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise InvalidConfigException(
                f"LinearIntentClassifier: sparse_featurizers must be a list of featurizer aliases, got {names!r}"
            )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        cls.validate_config({**cls.get_default_config(), **config})
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "skops", "scipy"]

    def _features(self, messages: List[Message], fit: bool = False) -> Tuple[scipy.sparse.csr_matrix, np.ndarray]:
        """[word TF-IDF | char TF-IDF | weight × sparse sentence features] and weight × the dense
        sentence vectors, kept apart so the solver multiplies each the fast way."""
        assert self._model is not None
        words = [_words(m) for m in messages]
        chars = [(m.get(TEXT) or "").lower() for m in messages]
        if fit:
            blocks = [self._model["words"].fit_transform(words), self._model["chars"].fit_transform(chars)]
        else:
            blocks = [self._model["words"].transform(words), self._model["chars"].transform(chars)]
        blocks.extend(self._sparse_sentence_features(messages, self._model.setdefault("sparse_widths", {}), fit))
        vectors = [self._sentence_vector(m) for m in messages]
        if fit:
            self._model["dense_width"] = max((len(v) for v in vectors), default=0)
        width = self._model["dense_width"]
        dense = np.zeros((len(messages), width), dtype=np.float32)
        for row, vector in enumerate(vectors):
            if len(vector) == width:  # a message without sentence features keeps zeros
                dense[row] = vector
        return scipy.sparse.hstack(blocks).tocsr(), dense * float(self._config["dense_weight"])

    def _sparse_sentence_features(
        self, messages: List[Message], widths: Dict[str, int], fit: bool
    ) -> List[scipy.sparse.csr_matrix]:
        """One block per configured sparse featurizer (``widths`` learnt when fitting); a message
        the featurizer did not see keeps zeros."""
        blocks = []
        for name in self._config["sparse_featurizers"]:
            rows = [self._sparse_row(m, name) for m in messages]
            if fit:
                widths[name] = max((row.shape[1] for row in rows if row is not None), default=0)
                if not widths[name]:
                    raise InvalidConfigException(
                        f"LinearIntentClassifier: sparse_featurizers names {name!r}, but no training example has "
                        "sentence features from a featurizer of that alias; check the pipeline in config.yml"
                    )
            width = widths.get(name, 0)
            empty = scipy.sparse.csr_matrix((1, width), dtype=np.float32)
            kept = [row if row is not None and row.shape[1] == width else empty for row in rows]
            blocks.append(scipy.sparse.vstack(kept, format="csr") * float(self._config["sparse_weight"]))
        return blocks

    @staticmethod
    def _sparse_row(message: Message, featurizer: str) -> Optional[scipy.sparse.csr_matrix]:
        _, sentence = message.get_sparse_features(TEXT, featurizers=[featurizer])
        return None if sentence is None else scipy.sparse.csr_matrix(sentence.features, dtype=np.float32)

    @staticmethod
    def _sentence_vector(message: Message) -> np.ndarray:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is None:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(sentence.features, dtype=np.float32).reshape(-1)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; not trained")
            return self._resource
        self._model = {
            "words": TfidfVectorizer(
                token_pattern=r"(?u)\S+",
                ngram_range=tuple(self._config["word_ngram_range"]),
                sublinear_tf=True,
            ),
            "chars": TfidfVectorizer(
                analyzer="char_wb", ngram_range=tuple(self._config["char_ngram_range"]), sublinear_tf=True
            ),
        }
        sparse, dense = self._features(examples, fit=True)
        classifier = SoftmaxRegression.fit(
            sparse, dense, labels, C=float(self._config["C"]), max_iter=int(self._config["max_iter"])
        )
        self._model["classifier"] = classifier.to_arrays()
        self._classifier = classifier
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._classifier is None:
            for message in messages:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
            return messages
        probabilities = self._classifier.predict_proba(*self._features(messages))
        names = self._classifier.classes
        length = int(self._config["ranking_length"]) or len(names)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[:length]
            ranking = [{"name": str(names[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self._model, directory / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        import skops.io as sio

        model = read_trained(model_storage, resource, MODEL_FILE, lambda path: sio.load(path, trusted=TRUSTED_TYPES))
        return cls(config, model_storage, resource, model)
