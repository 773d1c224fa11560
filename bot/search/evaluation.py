"""Retrieval evaluation on a documents file and a questions file (``coserve kb eval``).

The contract other tools rely on: DOCS lines ``{"id", "title", "text", "category"?}`` (other
keys ignored), QUERIES lines ``{"query", "expected_all": [ids]}`` or ``{"query", "expected": id}``.
Documents become knowledge-base entries (title, a summary of the text, the text as body) and
go through the same passages, index and service as production, so the numbers describe the
product, not a side path. Recall@k is the share of a question's expected ids in the top k,
averaged over questions; MRR@10 uses the first expected id found.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.search.kb import KBEntry, chinese
from bot.search.text import first_sentences

PLACEHOLDER_DOMAIN = "social_assistance"  # eval documents have no service area; filters are off


class EvalDataError(ValueError):
    """A documents or questions file that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class EvalDoc:
    id: str
    title: str
    text: str
    category: Optional[str] = None


@dataclass(frozen=True)
class EvalQuery:
    query: str
    expected: Tuple[str, ...]


@dataclass
class EvalReport:
    recall: Dict[int, float]
    mrr10: float
    category_acc: Optional[float]
    n: int
    p50_ms: float
    p95_ms: float
    ranked: List[List[str]] = field(default_factory=list, repr=False)

    def as_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {f"recall@{k}": round(v, 4) for k, v in sorted(self.recall.items())}
        out.update(
            {
                "mrr@10": round(self.mrr10, 4),
                "category_acc": None if self.category_acc is None else round(self.category_acc, 4),
                "n": self.n,
                "p50_ms": round(self.p50_ms, 2),
                "p95_ms": round(self.p95_ms, 2),
            }
        )
        return out


def _json_lines(path: Path) -> List[Tuple[int, Dict[str, Any]]]:
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise EvalDataError(f"{path}:{number}: invalid JSON ({error.msg})") from error
            if not isinstance(value, dict):
                raise EvalDataError(f"{path}:{number}: expected a JSON object")
            rows.append((number, value))
    if not rows:
        raise EvalDataError(f"{path}: no lines")
    return rows


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def load_docs(path: Path) -> List[EvalDoc]:
    docs: List[EvalDoc] = []
    seen: Dict[str, int] = {}
    for number, row in _json_lines(path):
        doc_id = row.get("id")
        if not isinstance(doc_id, (str, int)) or str(doc_id) == "":
            raise EvalDataError(f"{path}:{number}: missing 'id'")
        title, text = _text(row.get("title")), _text(row.get("text"))
        if not title and not text:
            raise EvalDataError(f"{path}:{number}: id {doc_id!r} has neither 'title' nor 'text'")
        if str(doc_id) in seen:
            raise EvalDataError(
                f"{path}:{number}: duplicate id {doc_id!r} (first on line {seen[str(doc_id)]})"
            )
        seen[str(doc_id)] = number
        category = row.get("category")
        docs.append(EvalDoc(str(doc_id), title, text, None if category in (None, "") else str(category)))
    return docs


def load_queries(path: Path, known_ids: Sequence[str]) -> List[EvalQuery]:
    known = set(known_ids)
    queries: List[EvalQuery] = []
    for number, row in _json_lines(path):
        query = _text(row.get("query"))
        if not query:
            raise EvalDataError(f"{path}:{number}: missing 'query'")
        expected = row.get("expected_all", row.get("expected"))
        ids = (
            [str(x) for x in expected]
            if isinstance(expected, list)
            else [str(expected)]
            if expected not in (None, "")
            else []
        )
        if not ids:
            raise EvalDataError(
                f"{path}:{number}: needs 'expected_all' (a list of ids) or 'expected' (an id)"
            )
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise EvalDataError(f"{path}:{number}: expected id(s) {unknown} are not in the documents")
        queries.append(EvalQuery(query, tuple(ids)))
    return queries


def docs_to_entries(docs: Sequence[EvalDoc]) -> List[KBEntry]:
    """Knowledge-base entries for evaluation documents, with ids ``doc-<position>``."""
    entries = []
    for position, doc in enumerate(docs):
        text = doc.text or doc.title
        entries.append(
            KBEntry(
                id=f"doc-{position}",
                domain=PLACEHOLDER_DOMAIN,
                title=chinese(doc.title or first_sentences(text, 40)),
                summary=chinese(first_sentences(text)),
                body=chinese(text),
                agency=chinese(doc.title or "-"),
            )
        )
    return entries


Search = Callable[[str, int], List[str]]


def evaluate(
    search: Search,
    queries: Sequence[EvalQuery],
    ks: Sequence[int],
    categories: Optional[Dict[str, str]] = None,
) -> EvalReport:
    """Runs every question once (after a warm-up) and scores the ranked ids."""
    depth = max(10, *ks)
    search(queries[0].query, depth)  # warm-up: model and caches loaded before timing
    ranked, timings = [], []
    for q in queries:
        start = time.perf_counter()
        ranked.append(search(q.query, depth))
        timings.append((time.perf_counter() - start) * 1000.0)
    recall = {
        k: float(
            np.mean(
                [
                    len(set(r[:k]) & set(q.expected)) / len(q.expected)
                    for r, q in zip(ranked, queries, strict=False)
                ]
            )
        )
        for k in ks
    }
    mrr = float(
        np.mean(
            [
                next((1.0 / (i + 1) for i, d in enumerate(r[:10]) if d in q.expected), 0.0)
                for r, q in zip(ranked, queries, strict=False)
            ]
        )
    )
    category_acc = None
    if categories:
        hits = [
            bool(r)
            and categories.get(r[0]) is not None
            and categories.get(r[0]) == categories.get(q.expected[0])
            for r, q in zip(ranked, queries, strict=False)
            if categories.get(q.expected[0]) is not None
        ]
        category_acc = float(np.mean(hits)) if hits else None
    return EvalReport(
        recall,
        mrr,
        category_acc,
        len(queries),
        float(np.percentile(timings, 50)),
        float(np.percentile(timings, 95)),
        ranked,
    )
