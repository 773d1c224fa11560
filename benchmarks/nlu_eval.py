"""NLU benchmark: stratified k-fold cross-validation, weighted F1 per language, per pipeline.

    .venv/bin/python benchmarks/nlu_eval.py [--folds 5] [--pipelines PIPELINE.yml ...]

By default: A benchmarks/pipelines/sparse.yml, B benchmarks/pipelines/dense.yml, C config.yml.

Examples come from data/nlu/zh-TW and data/nlu/en (language = folder); synonyms and lookup
tables are shared. Each fold trains an NLU-only model on the other folds of BOTH languages
(it is one bilingual model) and predicts the held-out fold. Results: a table on stdout and
benchmarks/results/nlu_eval.json (with the machine and the training time per fold).

Intents: weighted F1 of the final intent (FallbackClassifier and InputGuard included) and of
the classifier's best guess without the fallback.

Entities: the entities the whole pipeline returns (after EntitySynonymMapper) against the
annotations of the held-out examples. An entity counts as found when its TYPE and its exact
character SPAN (start, end) match an annotation; micro precision, recall and F1 per language
and per entity type. "value_f1" additionally requires the value after synonym mapping to
equal the annotated value (what the actions read), so it also checks the synonym tables.
Span matching is the headline because it measures the extractor; value matching adds the
synonyms on top.

Held-out: a model trained on ALL examples also labels benchmarks/data/nlu_heldout/<language>.yml,
messages written only from docs/intents.md by someone who never saw the training data (10 per
intent and language). Cross-validation scores examples written alongside the ones they are
tested against; the held-out set says how the model does on messages written apart. A held-out
message identical to a training example (ignoring case and spaces) is left out and counted.

Screening: ``--fold N`` runs only fold N (1-based) and ``--out`` writes elsewhere, so a
candidate pipeline can be screened in one training instead of five.
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
from typing import Dict, Iterable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every fold trains from scratch: Rasa's training cache would reuse the components of an earlier
# run on the same data and make "train s/fold" meaningless (5 s instead of 80).
os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")

LANGUAGES = ("zh-TW", "en")


def load_examples() -> Tuple[List[Tuple[str, object]], object]:
    from rasa.shared.nlu.training_data.loading import load_data

    shared = load_data(str(ROOT / "data/nlu/synonyms.yml")).merge(load_data(str(ROOT / "data/nlu/lookups.yml")))
    examples = []
    for language in LANGUAGES:
        for message in load_data(str(ROOT / "data/nlu" / language)).intent_examples:
            examples.append((language, message))
    return examples, shared


HELDOUT = ROOT / "benchmarks/data/nlu_heldout"


def load_heldout() -> List[Tuple[str, object]]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [(language, message) for language in LANGUAGES if (HELDOUT / f"{language}.yml").exists()
            for message in load_data(str(HELDOUT / f"{language}.yml")).intent_examples]


def same_text(text: str) -> str:
    return "".join(text.lower().split())


def folds(examples: List[Tuple[str, object]], k: int, seed: int = 13) -> List[List[int]]:
    """Stratified by (language, intent) so every fold has every intent of both languages."""
    from sklearn.model_selection import StratifiedKFold

    labels = [f"{lang}/{m.get('intent')}" for lang, m in examples]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(labels, labels)]


Entity = Tuple[str, int, int, str]  # (type, start, end, value)


def gold_entities(message) -> List[Entity]:
    return [(e["entity"], int(e["start"]), int(e["end"]), str(e.get("value"))) for e in message.get("entities") or []]


def parsed_entities(parsed: Dict) -> List[Entity]:
    return [(e["entity"], int(e["start"]), int(e["end"]), str(e.get("value"))) for e in parsed.get("entities") or []]


def match(gold: List, predicted: List) -> Tuple[List, List, List]:
    """(true positives, false positives, false negatives) of two multisets of hashable entities."""
    unmatched = list(gold)
    hits, extra = [], []
    for entity in predicted:
        if entity in unmatched:
            unmatched.remove(entity)
            hits.append(entity)
        else:
            extra.append(entity)
    return hits, extra, unmatched


class EntityCounts:
    """True positives, false positives and false negatives per entity type (type + span), and value-matched."""

    def __init__(self) -> None:
        self.span: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0])
        self.value = [0, 0, 0]

    def add(self, gold: Iterable[Entity], predicted: Iterable[Entity]) -> None:
        gold, predicted = list(gold), list(predicted)
        for column, found in enumerate(match([e[:3] for e in gold], [e[:3] for e in predicted])):
            for entity_type, _, _ in found:
                self.span[entity_type][column] += 1
        for column, found in enumerate(match(gold, predicted)):
            self.value[column] += len(found)

    @staticmethod
    def scores(tp: int, fp: int, fn: int) -> Dict[str, float]:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}

    def report(self) -> Dict:
        total = [sum(c[i] for c in self.span.values()) for i in range(3)]
        return {
            **self.scores(*total),
            "value_f1": self.scores(*self.value)["f1"],
            "per_type": {name: self.scores(*self.span[name]) for name in sorted(self.span)},
        }


def train_and_predict(
    config: Path, train, shared, texts: List[str], workdir: Path
) -> Tuple[List[Tuple[str, str, List[Entity]]], float]:
    """(final intent, classifier's best intent ignoring the fallback, entities) per text, and training seconds."""
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

    async def parse_all() -> List[Tuple[str, str, List[Entity]]]:
        guesses = []
        for text in texts:
            parsed = await agent.parse_message(text)
            final = parsed["intent"]["name"] or "none"
            ranked = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            guesses.append((final, ranked[0] if ranked else final, parsed_entities(parsed)))
        return guesses

    return asyncio.run(parse_all()), seconds


def evaluate(config: Path, k: int, only_fold: Optional[int] = None) -> Dict:
    from sklearn.metrics import f1_score

    examples, shared = load_examples()
    gold: Dict[str, List[str]] = defaultdict(list)
    predicted: Dict[str, List[str]] = defaultdict(list)
    raw: Dict[str, List[str]] = defaultdict(list)
    entities: Dict[str, EntityCounts] = defaultdict(EntityCounts)
    train_seconds = []
    for number, test_rows in enumerate(folds(examples, k), start=1):
        if only_fold is not None and number != only_fold:
            continue
        test_set = set(test_rows)
        train = [m for i, (_, m) in enumerate(examples) if i not in test_set]
        held_out = [examples[i] for i in test_rows]
        with tempfile.TemporaryDirectory() as tmp:
            guesses, seconds = train_and_predict(config, train, shared, [m.get("text") for _, m in held_out], Path(tmp))
        train_seconds.append(seconds)
        for (language, message), (final, best, found) in zip(held_out, guesses, strict=True):
            gold[language].append(message.get("intent"))
            predicted[language].append(final)
            raw[language].append(best)
            entities[language].add(gold_entities(message), found)
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
            "entities": entities[language].report(),
        }
        for language in LANGUAGES
    }
    result["mean_train_seconds"] = round(sum(train_seconds) / len(train_seconds), 1)
    if only_fold is not None:
        result["only_fold"] = only_fold
    else:
        result["heldout"] = score_heldout(config, examples, shared)
    return result


def bootstrap_interval(gold: List[str], predicted: List[str], rounds: int = 1000) -> List[float]:
    """95% interval of the weighted F1 over resamples of the messages: with ~200 messages per
    language one F1 figure is uncertain by a few points, and the report should say so."""
    import numpy as np
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    gold_array, predicted_array = np.array(gold), np.array(predicted)
    scores = []
    for _ in range(rounds):
        sample = rng.integers(0, len(gold), len(gold))
        scores.append(f1_score(gold_array[sample], predicted_array[sample], average="weighted"))
    return [round(float(np.percentile(scores, 2.5)), 3), round(float(np.percentile(scores, 97.5)), 3)]


def score_heldout(config: Path, examples, shared) -> Dict:
    """Weighted F1 per language on the held-out set, for a model trained on every example."""
    from sklearn.metrics import f1_score

    trained = {same_text(m.get("text")) for _, m in examples}
    heldout = load_heldout()
    kept = [(language, m) for language, m in heldout if same_text(m.get("text")) not in trained]
    if not kept:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        guesses, _ = train_and_predict(config, [m for _, m in examples], shared,
                                       [m.get("text") for _, m in kept], Path(tmp))
    report: Dict = {"left_out_as_in_training": len(heldout) - len(kept)}
    for language in LANGUAGES:
        rows = [i for i, (found, _) in enumerate(kept) if found == language]
        gold = [kept[i][1].get("intent") for i in rows]
        final = [guesses[i][0] for i in rows]
        report[language] = {
            "examples": len(rows),
            "weighted_f1": round(f1_score(gold, final, average="weighted"), 4),
            "weighted_f1_95pct": bootstrap_interval(gold, final),
            "classifier_weighted_f1": round(f1_score(gold, [guesses[i][1] for i in rows], average="weighted"), 4),
        }
    print(f"  {config.name} held-out: " + ", ".join(
        f"{lang} {report[lang]['weighted_f1']:.3f}" for lang in LANGUAGES), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--pipelines",
        nargs="+",
        default=["benchmarks/pipelines/sparse.yml", "benchmarks/pipelines/dense.yml", "config.yml"],
    )
    parser.add_argument("--fold", type=int, default=None, help="run only this fold (1-based), for screening")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/nlu_eval.json")
    args = parser.parse_args()
    out = args.out
    # Pipelines not run this time keep their earlier results (each entry says when and on what).
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"pipelines": {}}
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report["folds"] = args.folds
    for name in args.pipelines:
        started = time.strftime("%Y-%m-%d %H:%M")
        result = evaluate(ROOT / name, args.folds, args.fold)
        result["measured"] = f"{started}, load average {os.getloadavg()[0]:.1f} at the end"
        report["pipelines"][name] = result
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # after each
    print(
        "\n| pipeline | zh-TW weighted F1 | en weighted F1 | zh-TW held-out | en held-out "
        "| zh-TW entity F1 | en entity F1 | train s/fold |"
        "\n|---|---|---|---|---|---|---|---|"
    )
    for name, r in report["pipelines"].items():
        entity_f1 = [f"{r[lang]['entities']['f1']:.3f}" if "entities" in r[lang] else "–" for lang in LANGUAGES]
        heldout = [f"{r['heldout'][lang]['weighted_f1']:.3f}" if r.get("heldout") else "–" for lang in LANGUAGES]
        print(
            f"| {name} | {r['zh-TW']['weighted_f1']:.3f} | {r['en']['weighted_f1']:.3f} "
            f"| {heldout[0]} | {heldout[1]} | {entity_f1[0]} | {entity_f1[1]} | {r['mean_train_seconds']} |"
        )
    for name in args.pipelines:
        r = report["pipelines"][name]
        print(f"\nentities, {name} (type + exact span; P / R / F1 (support)):")
        types = sorted({t for lang in LANGUAGES for t in r[lang]["entities"]["per_type"]})
        print("| entity | " + " | ".join(LANGUAGES) + " |\n|---|" + "---|" * len(LANGUAGES))
        for entity_type in ["(all)"] + types:
            cells = []
            for lang in LANGUAGES:
                scores = r[lang]["entities"]
                found = scores if entity_type == "(all)" else scores["per_type"].get(entity_type)
                cells.append(
                    f"{found['precision']:.2f} / {found['recall']:.2f} / {found['f1']:.3f} ({found['support']})"
                    if found else "–"
                )
            print(f"| {entity_type} | " + " | ".join(cells) + " |")
        print("value F1 (span + value after synonyms): " + ", ".join(
            f"{lang} {r[lang]['entities']['value_f1']:.3f}" for lang in LANGUAGES))
    print(f"\n{report['machine']}; written to {out}")


if __name__ == "__main__":
    main()
