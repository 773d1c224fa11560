"""An embedder wrapper for benchmarks that remembers every text it embedded, across runs.

The per-text store (var/bench-cache/<name>.pkl) is shared with search_ablation.py, so the
product-path benchmark does not re-embed texts the ablation already embedded. Never used by
the product: its own cache is the index's vectors.npy.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from bot.search.embeddings import Embedder

CACHE = Path(__file__).resolve().parents[1] / "var" / "bench-cache"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class CachedEmbedder(Embedder):
    """Same model id and vectors as ``inner``; passages come from the store when present."""

    def __init__(self, inner: Embedder, store_name: str) -> None:
        super().__init__()
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.path = CACHE / f"{store_name}.pkl"
        self.store: Dict[str, np.ndarray] = pickle.loads(self.path.read_bytes()) if self.path.exists() else {}
        # Query vectors kept in memory when a benchmark runs the same questions many times
        # (tuning grids); latency runs must use questions not seen before.
        self.remember_queries = False
        self.queries: Dict[str, np.ndarray] = {}

    def _load(self) -> Any:
        return self.inner

    def _encode(self, texts: List[str], is_query: bool) -> np.ndarray:
        if is_query:
            if not self.remember_queries:
                return self.inner.encode_queries(texts)
            missing = [t for t in dict.fromkeys(texts) if t not in self.queries]
            for text, vector in zip(missing, self.inner.encode_queries(missing), strict=True):
                self.queries[text] = vector
            return np.stack([self.queries[t] for t in texts])
        todo = [t for t in dict.fromkeys(texts) if _key(t) not in self.store]
        if todo:
            for text, vector in zip(todo, self.inner.encode_passages(todo), strict=False):
                self.store[_key(text)] = vector
            self.path.write_bytes(pickle.dumps(self.store))
        return np.stack([self.store[_key(t)] for t in texts])
