"""A small BM25 index over character bigrams, for the exact words dense models blur.

Chinese has no spaces, so the terms are overlapping character bigrams of each CJK run (plus
single characters, which carry names such as 稅 or 狗), and lower-cased words of Latin text
and numbers (measured: better than jieba words or bigrams alone, docs/search.md). Dense
embeddings miss rare exact terms (regulation names, places, amounts); BM25 finds them.

``relevance`` divides BM25 by the most the query could score (every term matched), so it is
an absolute share in [0, 1]: a junk question sharing only 申請 with an entry scores near 0.
An entry with no text in the query's script (an English-only entry for a Chinese question)
cannot match lexically at all; it gets a neutral value (the mean of the five best entries that
can) instead of 0, so adding BM25 does not push cross-lingual answers down.
It is rebuilt from text on every index change: milliseconds per thousand entries.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy import sparse

# Stored in the index manifest; an index saved with another scheme rebuilds its BM25 part.
LEXICAL_VERSION = "bm25-cjk-uni-bi-latin-words-v1"
K1 = 1.2
B = 0.75
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
_LATIN = re.compile(r"[A-Za-z]")


def terms(text: str) -> List[str]:
    """Lexical terms: CJK unigrams and bigrams, Latin/number words (NFKC, lower case)."""
    text = unicodedata.normalize("NFKC", text).lower()
    found: List[str] = []
    for run in _CJK.findall(text):
        found.extend(run)
        found.extend(run[i : i + 2] for i in range(len(run) - 1))
    found.extend(_WORD.findall(_CJK.sub(" ", text)))
    return found


class LexicalIndex:
    """BM25 weights per (document, term) in a sparse matrix, with idf and each document's scripts."""

    def __init__(
        self, vocabulary: Dict[str, int], weights: sparse.csr_matrix, idf: np.ndarray, scripts: np.ndarray
    ) -> None:
        self.vocabulary = vocabulary
        self.weights = weights
        self.idf = idf
        self.scripts = scripts  # (documents, 2) bool: has CJK text, has Latin/number words
        self._columns = weights.tocsc()  # a query sums a few columns: fast in CSC
        self._unknown_idf = float(np.log(1.0 + (len(self) + 0.5) / 0.5))

    @classmethod
    def build(cls, documents: Sequence[str]) -> LexicalIndex:
        counts = [Counter(terms(doc)) for doc in documents]
        vocabulary: Dict[str, int] = {}
        for count in counts:
            for term in count:
                vocabulary.setdefault(term, len(vocabulary))
        n = len(documents)
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        average = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        df = np.zeros(len(vocabulary), dtype=np.float64)
        rows: List[int] = []
        cols: List[int] = []
        tfs: List[float] = []
        for row, count in enumerate(counts):
            for term, tf in count.items():
                col = vocabulary[term]
                df[col] += 1
                rows.append(row)
                cols.append(col)
                tfs.append(tf)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        freq = np.asarray(tfs, dtype=np.float64)
        row_ids, col_ids = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        values = idf[col_ids] * freq * (K1 + 1.0) / (freq + K1 * (1.0 - B + B * lengths[row_ids] / average))
        weights = sparse.csr_matrix(
            (values.astype(np.float32), (row_ids, col_ids)), shape=(n, len(vocabulary)), dtype=np.float32
        )
        scripts = np.array([script_of(doc) for doc in documents], dtype=bool).reshape(n, 2)
        return cls(vocabulary, weights, idf.astype(np.float32), scripts)

    def scores(self, query: str) -> np.ndarray:
        """Raw BM25 score of every document for ``query`` (zeros when no term is known)."""
        ids = [self.vocabulary[t] for t in set(terms(query)) if t in self.vocabulary]
        if not ids or len(self) == 0:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self._columns[:, ids].sum(axis=1), dtype=np.float32).ravel()

    def relevance(self, query: str) -> np.ndarray:
        """BM25 / the query's best possible BM25, in [0, 1]; neutral for other-script documents."""
        unique = set(terms(query))
        if not unique or len(self) == 0:
            return np.zeros(len(self), dtype=np.float32)
        ceiling = (K1 + 1.0) * sum(
            float(self.idf[self.vocabulary[t]]) if t in self.vocabulary else self._unknown_idf for t in unique
        )
        share = self.scores(query) / np.float32(ceiling)
        cjk, latin = script_of(query)
        comparable = (self.scripts[:, 0] & cjk) | (self.scripts[:, 1] & latin)
        if comparable.all() or not comparable.any():
            return share
        best = np.sort(share[comparable])[-5:]
        return np.where(comparable, share, np.float32(best.mean())).astype(np.float32)

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    # persistence ------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        w = self.weights
        np.savez(
            directory / "lexical.npz",
            data=w.data,
            indices=w.indices,
            indptr=w.indptr,
            shape=np.array(w.shape),
            idf=self.idf,
            scripts=self.scripts,
        )
        (directory / "lexical-vocabulary.json").write_text(
            json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        with np.load(directory / "lexical.npz") as arrays:
            shape = tuple(int(x) for x in arrays["shape"])
            weights = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
            idf, scripts = arrays["idf"], arrays["scripts"]
        vocabulary = json.loads((directory / "lexical-vocabulary.json").read_text(encoding="utf-8"))
        return cls(vocabulary, weights, idf, scripts)


def script_of(text: str) -> Tuple[bool, bool]:
    """Whether a text has CJK characters, and whether it has Latin letters (numbers are neutral)."""
    return bool(_CJK.search(text)), bool(_LATIN.search(unicodedata.normalize("NFKC", text)))
