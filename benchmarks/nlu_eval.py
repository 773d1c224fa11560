"""NLU benchmark: stratified k-fold cross-validation, weighted F1 per language, per pipeline.

    .venv/bin/python benchmarks/nlu_eval.py [--folds 5] [--pipelines PIPELINE.yml ...]

By default: A benchmarks/pipelines/sparse.yml, B benchmarks/pipelines/dense.yml, C config.yml.

Examples come from data/nlu/zh-TW and data/nlu/en (language = folder); synonyms and lookup
tables are shared. Each fold trains an NLU-only model on the other folds of BOTH languages
(it is one bilingual model) and predicts the held-out fold. Results: a table on stdout and
benchmarks/results/nlu_eval.json (with the machine and the training time per fold).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LANGUAGES = ("zh-TW", "en")


def load_examples() -> Tuple[List[Tuple[str, object]], object]:
    from rasa.shared.nlu.training_data.loading import load_data

    shared = load_data(str(ROOT / "data/nlu/synonyms.yml")).merge(load_data(str(ROOT / "data/nlu/lookups.yml")))
    examples = []
    for language in LANGUAGES:
        for message in load_data(str(ROOT / "data/nlu" / language)).intent_examples:
            examples.append((language, message))
    return examples, shared


def folds(examples: List[Tuple[str, object]], k: int, seed: int = 13) -> List[List[int]]:
    """Stratified by (language, intent) so every fold has every intent of both languages."""
    from sklearn.model_selection import StratifiedKFold

    labels = [f"{lang}/{m.get('intent')}" for lang, m in examples]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(labels, labels)]


def train_and_predict(
    config: Path, train, shared, texts: List[str], workdir: Path
) -> Tuple[List[Tuple[str, str]], float]:
    """(final intent, classifier's best intent ignoring the fallback) per text, and training seconds."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(training_examples=list(train)).merge(shared)
    data_path = workdir / "train.yml"
    data_path.write_text(data.nlu_as_yaml(), encoding="utf-8")
    started = time.perf_counter()
    model = train_nlu(str(config), str(data_path), str(workdir / "models"), fixed_model_name="fold")
    seconds = time.perf_counter() - started
    agent = Agent.load(model)

    async def parse_all() -> List[Tuple[str, str]]:
        guesses = []
        for text in texts:
            parsed = await agent.parse_message(text)
            final = parsed["intent"]["name"] or "none"
            ranked = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            guesses.append((final, ranked[0] if ranked else final))
        return guesses

    return asyncio.run(parse_all()), seconds


def evaluate(config: Path, k: int) -> Dict:
    from sklearn.metrics import f1_score

    examples, shared = load_examples()
    gold: Dict[str, List[str]] = defaultdict(list)
    predicted: Dict[str, List[str]] = defaultdict(list)
    raw: Dict[str, List[str]] = defaultdict(list)
    train_seconds = []
    for number, test_rows in enumerate(folds(examples, k), start=1):
        test_set = set(test_rows)
        train = [m for i, (_, m) in enumerate(examples) if i not in test_set]
        held_out = [examples[i] for i in test_rows]
        with tempfile.TemporaryDirectory() as tmp:
            guesses, seconds = train_and_predict(config, train, shared, [m.get("text") for _, m in held_out], Path(tmp))
        train_seconds.append(seconds)
        for (language, message), (final, best) in zip(held_out, guesses, strict=True):
            gold[language].append(message.get("intent"))
            predicted[language].append(final)
            raw[language].append(best)
        print(f"  {config.name} fold {number}/{k}: trained in {seconds:.0f} s", flush=True)
    result = {
        language: {
            "weighted_f1": round(f1_score(gold[language], predicted[language], average="weighted"), 4),
            "accuracy": round(
                sum(g == p for g, p in zip(gold[language], predicted[language], strict=True)) / len(gold[language]), 4
            ),
            "examples": len(gold[language]),
            # how often the FallbackClassifier answered "not sure", and the F1 without it
            "fallback_rate": round(predicted[language].count("nlu_fallback") / len(gold[language]), 4),
            "classifier_weighted_f1": round(f1_score(gold[language], raw[language], average="weighted"), 4),
        }
        for language in LANGUAGES
    }
    result["mean_train_seconds"] = round(sum(train_seconds) / len(train_seconds), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--pipelines",
        nargs="+",
        default=["benchmarks/pipelines/sparse.yml", "benchmarks/pipelines/dense.yml", "config.yml"],
    )
    args = parser.parse_args()
    out = ROOT / "benchmarks/results/nlu_eval.json"
    # Pipelines not run this time keep their earlier results (each entry says when and on what).
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"pipelines": {}}
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report["folds"] = args.folds
    for name in args.pipelines:
        started = time.strftime("%Y-%m-%d %H:%M")
        result = evaluate(ROOT / name, args.folds)
        result["measured"] = f"{started}, load average {os.getloadavg()[0]:.1f} at the end"
        report["pipelines"][name] = result
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")  # after each
    print("\n| pipeline | zh-TW weighted F1 | en weighted F1 | train s/fold |\n|---|---|---|---|")
    for name, r in report["pipelines"].items():
        print(
            f"| {name} | {r['zh-TW']['weighted_f1']:.3f} | {r['en']['weighted_f1']:.3f} | {r['mean_train_seconds']} |"
        )
    print(f"\n{report['machine']}; written to {out}")


if __name__ == "__main__":
    main()
