import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sentence_featurizer import SentenceEmbeddingFeaturizer


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
