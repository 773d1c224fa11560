"""Pure scoring functions: entry scores from passage scores, and dense + lexical fusion.

Kept apart from I/O so the benchmark and the service score exactly the same way.
Fusion is a weighted sum on fixed scales: the dense cosine as is plus ``weight`` times the
lexical relevance (BM25 as a share of the query's best possible BM25, in [0, 1]; see
bot.search.lexical). Both are absolute, so the fused score can carry the answer threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Candidate:
    """One entry's scores for one query; ``score`` ranks, ``dense`` is the raw cosine."""

    entry_id: str
    dense: float
    lexical: float
    score: float


def entry_max(passage_scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The best passage score per entry, for passages stored contiguously per entry."""
    if len(passage_scores) == 0:
        return np.zeros(0, dtype=np.float32)
    return np.maximum.reduceat(passage_scores, starts)


def fuse(
    entry_ids: Sequence[str],
    dense: np.ndarray,
    lexical: Optional[np.ndarray],
    weight: float,
    k: int,
    floor: Optional[float] = None,
) -> List[Candidate]:
    """The ``k`` best entries by ``dense + weight * lexical`` (lexical already in [0, 1]).

    ``dense`` may hold NaN for entries an approximate (HNSW) search did not reach; they get
    ``floor`` (the lowest dense score it did reach), a fair lower bound for their cosine.
    """
    if len(entry_ids) == 0 or k <= 0:
        return []
    dense = np.asarray(dense, dtype=np.float32)
    filled = np.where(np.isnan(dense), np.float32(floor if floor is not None else 0.0), dense)
    lex = lexical.astype(np.float32) if lexical is not None and weight else np.zeros_like(filled)
    total = filled + np.float32(weight) * lex
    k = min(k, len(total))
    top = np.argpartition(-total, k - 1)[:k]
    top = top[np.lexsort((top, -total[top]))]
    return [Candidate(entry_ids[i], float(filled[i]), float(lex[i]), float(total[i])) for i in top]


def best_by_entry(rows: Sequence[str], passage_ids: np.ndarray, passage_scores: np.ndarray) -> Dict[str, float]:
    """Entry -> best score among retrieved passages (FAISS ids; -1 means no hit)."""
    best: Dict[str, float] = {}
    for row, score in zip(passage_ids, passage_scores, strict=False):
        if row < 0:
            continue
        entry_id = rows[row]
        if entry_id not in best or score > best[entry_id]:
            best[entry_id] = float(score)
    return best
