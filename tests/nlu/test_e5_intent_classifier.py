"""The fine-tuned e5 intent classifier: learns, blends with the earlier ranking, persists and reloads."""

from pathlib import Path

import numpy as np
import pytest
from intent_examples import EXAMPLES
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.e5_intent_classifier import E5IntentClassifier

# Small enough to train in seconds on the 18 examples of intent_examples.py.
QUICK = {"trainable_layers": 1, "epochs": 15, "learning_rate": 1e-4, "head_learning_rate": 1e-2, "batch_size": 6}


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def config(**overrides) -> dict:
    return {**E5IntentClassifier.get_default_config(), **QUICK, **overrides}


def train(storage, examples=EXAMPLES, **overrides) -> E5IntentClassifier:
    classifier = E5IntentClassifier.create(config(**overrides), storage, Resource("e5"), ExecutionContext(None))
    data = [Message(data={"text": text, "intent": intent}) for intent, texts in examples.items() for text in texts]
    classifier.train(TrainingData(training_examples=data))
    return classifier


def parse(classifier, text, earlier_ranking=None) -> Message:
    message = Message(data={"text": text})
    if earlier_ranking is not None:
        message.set(INTENT_RANKING_KEY, earlier_ranking)
        message.set(INTENT, earlier_ranking[0])
    (parsed,) = classifier.process([message])
    return parsed


def confidences(message: Message) -> dict:
    return {r["name"]: r["confidence"] for r in message.get(INTENT_RANKING_KEY)}


def test_it_recognises_unseen_requests_in_both_languages(storage) -> None:
    classifier = train(storage)
    assert parse(classifier, "我爸爸想申請長照").get(INTENT)["name"] == "ask_long_term_care"
    assert parse(classifier, "when is the garbage truck coming").get(INTENT)["name"] == "garbage"
    ranking = parse(classifier, "哈囉你好").get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "greet"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_it_averages_its_probabilities_with_the_earlier_ranking_by_blend(storage) -> None:
    classifier = train(storage, blend=0.25)
    own = confidences(parse(classifier, "舊冰箱怎麼回收"))
    earlier = [{"name": "greet", "confidence": 0.9}, {"name": "garbage", "confidence": 0.1}]
    blended = confidences(parse(classifier, "舊冰箱怎麼回收", earlier))
    assert blended["greet"] == pytest.approx(0.25 * own["greet"] + 0.75 * 0.9, abs=1e-6)
    assert blended["garbage"] == pytest.approx(0.25 * own["garbage"] + 0.75 * 0.1, abs=1e-6)
    # an intent the earlier ranking left out counts as 0 there
    assert blended["ask_long_term_care"] == pytest.approx(0.25 * own["ask_long_term_care"], abs=1e-6)


def test_a_reloaded_model_gives_the_same_probabilities(storage) -> None:
    classifier = train(storage)
    before = confidences(parse(classifier, "資源回收車幾點來"))
    loaded = E5IntentClassifier.load(config(), storage, Resource("e5"), ExecutionContext(None))
    assert confidences(parse(loaded, "資源回收車幾點來")) == pytest.approx(before, abs=1e-6)


def test_training_is_reproducible_with_the_same_seed(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = train(LocalModelStorage(tmp_path / "a"))
    second = train(LocalModelStorage(tmp_path / "b"))
    text = "how do I get long-term care"
    assert confidences(parse(first, text)) == pytest.approx(confidences(parse(second, text)), abs=1e-6)


def test_a_model_trained_with_other_layers_is_refused(storage) -> None:
    train(storage)
    with pytest.raises(InvalidConfigException, match="trainable_layers 1.*retrain"):
        E5IntentClassifier.load(config(trainable_layers=2), storage, Resource("e5"), ExecutionContext(None))


def test_messages_without_text_keep_what_they_had(storage) -> None:
    classifier = train(storage)
    earlier = [{"name": "greet", "confidence": 1.0}]
    empty = Message(data={"text": ""})
    empty.set(INTENT_RANKING_KEY, earlier)
    classifier.process([empty])
    assert empty.get(INTENT_RANKING_KEY) == earlier


def test_with_one_intent_it_trains_nothing_and_leaves_the_earlier_answer(storage, caplog) -> None:
    classifier = train(storage, {"greet": EXAMPLES["greet"]})
    assert "at least two intents" in caplog.text
    earlier = [{"name": "greet", "confidence": 0.7}]
    assert parse(classifier, "你好", earlier).get(INTENT_RANKING_KEY) == earlier
    reloaded = E5IntentClassifier.load(config(), storage, Resource("e5"), ExecutionContext(None))
    assert parse(reloaded, "你好").get(INTENT) is None


def test_long_and_odd_messages_get_an_answer(storage) -> None:
    classifier = train(storage)
    for text in ("長照" * 6000, "👍", "こんにちは", "مرحبا", "\x00\x07 hi"):
        ranking = parse(classifier, text).get(INTENT_RANKING_KEY)
        assert len(ranking) == 3 and np.isfinite([r["confidence"] for r in ranking]).all()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"trainable_layers": 0}, "trainable_layers must be a positive integer"),
        ({"trainable_layers": 13}, "at most 12"),
        ({"epochs": "5"}, "epochs must be a positive integer"),
        ({"blend": 0}, r"blend must be a number in \(0, 1\]"),
        ({"blend": 1.5}, "blend must be"),
        ({"learning_rate": -1}, "learning_rate must be a positive number"),
    ],
)
def test_bad_settings_are_clear_errors(storage, overrides, message) -> None:
    with pytest.raises(InvalidConfigException, match=message):
        E5IntentClassifier.create(config(**overrides), storage, Resource("e5"), ExecutionContext(None))
