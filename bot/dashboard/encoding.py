"""An encoder that remembers vectors, so unmet-need clusters are cheap after the first time.

Clustering embeds up to 200 texts per request, about ten seconds on two cores with the
offline model; most of those texts come back every time staff open the page or download
an export. Only texts are remembered, never clusters: what is shown is always regrouped from
what the database holds now, so a person's "forget me" takes effect at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Dict, Sequence, Tuple

import numpy as np

from bot.insights.clusters import Encoder

MAX_TEXTS = 20_000  # about 30 MB of 384-dimensional vectors


class CachedEncoder:
    """Wraps an ``Encoder``; least recently used vectors are dropped beyond ``limit``."""

    def __init__(self, encoder: Encoder, limit: int = MAX_TEXTS) -> None:
        self.encoder, self.limit = encoder, limit
        self._vectors: OrderedDict[Tuple[bool, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (query, t) not in self._vectors))
            if missing:
                encode = self.encoder.encode_queries if query else self.encoder.encode_passages
                fresh: Dict[str, np.ndarray] = dict(zip(missing, encode(missing), strict=True))
                for text, vector in fresh.items():
                    self._vectors[(query, text)] = vector
            rows = []
            for text in texts:
                self._vectors.move_to_end((query, text))
                rows.append(self._vectors[(query, text)])
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
