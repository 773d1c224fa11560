"""The linear intent classifier: learns, ranks, persists and reloads through Rasa's model storage."""

from functools import lru_cache
from pathlib import Path

import pytest
from intent_examples import EXAMPLES
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.latent_terms_featurizer import LatentTermsFeaturizer
from bot.nlu.linear_intent_classifier import LinearIntentClassifier
from bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer


@lru_cache(maxsize=1)
def featurizer() -> SentenceEmbeddingFeaturizer:
    return SentenceEmbeddingFeaturizer.create(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "embedder": "use"},
        None, None, ExecutionContext(None, node_name="dense"),
    )


@lru_cache(maxsize=1)
def latent_terms() -> LatentTermsFeaturizer:
    return LatentTermsFeaturizer.create(
        {**LatentTermsFeaturizer.get_default_config(), "alias": "latent_terms"},
        None, None, ExecutionContext(None, node_name="latent"),
    )


def messages(texts, with_latent_terms=False):
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    found = [Message(data=data) for data in texts]
    tokenizer.process(found)
    featurizer().process(found)
    if with_latent_terms:
        latent_terms().process(found)
    return found


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def train(storage, config=None, with_latent_terms=False) -> LinearIntentClassifier:
    config = {**LinearIntentClassifier.get_default_config(), **(config or {})}
    resource = Resource("linear")
    classifier = LinearIntentClassifier.create(config, storage, resource, ExecutionContext(None))
    examples = [{"text": text, "intent": intent} for intent, texts in EXAMPLES.items() for text in texts]
    data = messages(examples, with_latent_terms)
    classifier.train(TrainingData(training_examples=data))
    return classifier


def parse(classifier, text, with_latent_terms=False):
    (message,) = classifier.process(messages([{"text": text}], with_latent_terms))
    return message


def test_recognises_unseen_requests_in_both_languages(storage) -> None:
    classifier = train(storage)
    assert parse(classifier, "我爸爸想申請長照").get("intent")["name"] == "ask_long_term_care"
    assert parse(classifier, "when is the recycling truck coming").get("intent")["name"] == "garbage"
    message = parse(classifier, "你好啊")
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "greet"
    assert [r["name"] for r in ranking][0] == "greet" and len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6  # probabilities, for the fallback
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_reloads_from_model_storage_with_the_same_answers(storage) -> None:
    trained = train(storage)
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("linear"), ExecutionContext(None)
    )
    for text in ("長照怎麼申請", "bulky waste", "hello"):
        assert parse(loaded, text).get("intent_ranking") == parse(trained, text).get("intent_ranking")


def test_the_sentence_vectors_carry_meaning_the_n_grams_miss(tmp_path) -> None:
    """Few shared characters: the multilingual sentence vectors make the difference."""
    text = "阿嬤行動不便，需要有人到家裡幫忙"

    def confidence(weight: float) -> float:
        directory = tmp_path / str(weight)
        directory.mkdir()
        classifier = train(LocalModelStorage(directory), {"dense_weight": weight})
        ranking = parse(classifier, text).get("intent_ranking")
        return next(r["confidence"] for r in ranking if r["name"] == "ask_long_term_care")

    with_vectors = confidence(3.0)
    assert with_vectors > confidence(0.0)
    assert with_vectors > 0.5


def test_untrained_or_missing_model_answers_no_intent(storage) -> None:
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("never-trained"), ExecutionContext(None)
    )
    message = parse(loaded, "你好")
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []


def test_one_intent_is_not_enough_to_train(storage) -> None:
    resource = Resource("single")
    classifier = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, resource, ExecutionContext(None)
    )
    data = messages([{"text": t, "intent": "greet"} for t in EXAMPLES["greet"]])
    classifier.train(TrainingData(training_examples=data))
    assert parse(classifier, "hello").get("intent")["name"] is None


def test_latent_terms_join_the_features_and_survive_a_reload(storage) -> None:
    config = {"sparse_featurizers": ["latent_terms"]}
    trained = train(storage, config, with_latent_terms=True)
    model = trained._model
    words, chars = (len(model[part].vocabulary_) for part in ("words", "chars"))
    assert model["sparse_widths"] == {"latent_terms": 16384}
    assert model["classifier"]["sparse_coef"].shape[1] == words + chars + 16384
    assert model["classifier"]["dense_coef"].shape[1] == model["dense_width"]
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), **config}, storage, Resource("linear"), ExecutionContext(None)
    )
    for text in ("長照怎麼申請", "bulky waste", "hello"):
        expected = parse(trained, text, with_latent_terms=True).get("intent_ranking")
        assert parse(loaded, text, with_latent_terms=True).get("intent_ranking") == expected
    # a message the latent-terms featurizer did not see is still classified (zeros in that block)
    assert parse(loaded, "長照怎麼申請").get("intent")["name"] == "ask_long_term_care"


def test_the_latent_terms_weight_changes_the_answer(tmp_path) -> None:
    def ranking(weight: float):
        directory = tmp_path / str(weight)
        directory.mkdir()
        config = {"sparse_featurizers": ["latent_terms"], "sparse_weight": weight}
        classifier = train(LocalModelStorage(directory), config, with_latent_terms=True)
        return parse(classifier, "我家阿嬤需要長照", with_latent_terms=True).get("intent_ranking")

    assert ranking(3.0) != ranking(0.0)


@pytest.mark.parametrize("names", ["latent_terms", [3], None])
def test_sparse_featurizers_must_be_a_list_of_aliases(storage, names) -> None:
    with pytest.raises(InvalidConfigException, match="sparse_featurizers"):
        LinearIntentClassifier.create(
            {**LinearIntentClassifier.get_default_config(), "sparse_featurizers": names},
            storage, Resource("linear"), ExecutionContext(None),
        )


def test_a_sparse_featurizer_missing_from_the_pipeline_is_a_clear_error(storage) -> None:
    with pytest.raises(InvalidConfigException, match="no training example"):
        train(storage, {"sparse_featurizers": ["latent_terms"]}, with_latent_terms=False)
