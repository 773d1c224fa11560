"""Screen settings of the fine-tuned e5 intent classifier on the NLU folds, in minutes per setting.

    .venv/bin/python benchmarks/nlu_blend_probe.py linear                  # once, ~15 min
    .venv/bin/python benchmarks/nlu_blend_probe.py finetune NAME [--set learning_rate=5e-4 ...] [--seed 2]
    .venv/bin/python benchmarks/nlu_blend_probe.py score NAME[+NAME ...] [--blend 0.5 0.6 0.7]

`make nlu-eval` retrains the whole pipeline for every fold (~3 min each). The fine-tuned
classifier (bot/nlu/e5_intent_classifier.py) only changes the last step, so this probe trains
the rest once and the fine-tuning once per setting. Same examples and stratified 5 folds as
benchmarks/nlu_eval.py.

- ``linear``: per fold, trains config.yml's NLU pipeline without the fine-tuned classifier,
  the FallbackClassifier and the InputGuard, and keeps the linear classifier's full ranking of
  the held-out examples.
- ``finetune``: per fold, trains ``E5IntentClassifier`` itself (config.yml's settings, then
  ``--set``) on the other folds and keeps its probabilities for the held-out examples.
- ``score``: blends the two as the component does (``blend_rankings``), runs Rasa's
  FallbackClassifier with config.yml's thresholds, and prints weighted F1 per language: final,
  without the fallback, and the fine-tuned model alone. NAME+NAME averages the fine-tuned
  probabilities of several runs (an ensemble). Scores are added to
  benchmarks/results/nlu_blend_probe.json.

Rankings and probabilities are kept in .cache/nlu_blend_probe/ (not committed). The probe
uses one thread per process, so two settings can run side by side on two cores.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.nlu_eval import LANGUAGES, folds, load_examples  # noqa: E402

CACHE = ROOT / ".cache/nlu_blend_probe"
RESULTS = ROOT / "benchmarks/results/nlu_blend_probe.json"
FINE_TUNED = "bot.nlu.e5_intent_classifier.E5IntentClassifier"
LEFT_OUT_OF_LINEAR = {FINE_TUNED, "FallbackClassifier", "bot.nlu.input_guard.InputGuard"}


def pipeline_settings(name: str) -> Dict[str, Any]:
    """config.yml's settings for one pipeline component (without its name)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == name:
            return {key: value for key, value in component.items() if key != "name"}
    raise SystemExit(f"config.yml has no {name} in its pipeline")


def round_trip(training_examples) -> Any:
    """The examples as nlu_eval's folds see them: written to YAML and read back (the order of the
    examples, and so the fine-tuning's batches, follow from it)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.shared.nlu.training_data.training_data import TrainingData

    return RasaYAMLReader().reads(TrainingData(training_examples=list(training_examples)).nlu_as_yaml())


async def parse_rankings(agent: Any, texts: List[str]) -> List[Dict[str, float]]:
    """The full intent ranking the model gives each text."""
    parsed = [await agent.parse_message(text) for text in texts]
    return [{r["name"]: r["confidence"] for r in p["intent_ranking"]} for p in parsed]


def linear_stage() -> None:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in LEFT_OUT_OF_LINEAR]
    config.pop("policies", None)
    examples, shared = load_examples()
    out: Dict[str, Any] = {}
    for number, test_rows in enumerate(folds(examples, 5), start=1):
        held_out = set(test_rows)
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            (workdir / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
            data = round_trip(m for i, (_, m) in enumerate(examples) if i not in held_out).merge(shared)
            (workdir / "train.yml").write_text(data.nlu_as_yaml(), encoding="utf-8")
            model = train_nlu(str(workdir / "config.yml"), str(workdir / "train.yml"), str(workdir / "models"))
            texts = [examples[row][1].get("text") for row in test_rows]
            rankings = asyncio.run(parse_rankings(Agent.load(model), texts))
            out[str(number)] = {"rows": [int(row) for row in test_rows], "rankings": rankings}
        print(f"linear fold {number}/5 done", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "linear.json").write_text(json.dumps(out), encoding="utf-8")


def parse_setting(text: str) -> Tuple[str, Any]:
    """KEY=VALUE with a Python literal (3e-4, 6, True), or else a string."""
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def finetune_stage(name: str, settings: Dict[str, Any], seed: int) -> None:
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.e5_intent_classifier import E5IntentClassifier

    config = {**pipeline_settings(FINE_TUNED), **settings, "random_seed": seed, "ranking_length": 0}
    examples, _ = load_examples()
    out: Dict[str, Any] = {"config": config}
    started = time.perf_counter()
    for number, test_rows in enumerate(folds(examples, 5), start=1):
        held_out = set(test_rows)
        with tempfile.TemporaryDirectory() as tmp:
            component = E5IntentClassifier.create(
                config, LocalModelStorage(Path(tmp)), Resource("probe"), execution_context=None  # type: ignore[arg-type]
            )
            component.train(round_trip(m for i, (_, m) in enumerate(examples) if i not in held_out))
            messages = [Message.build(text=examples[row][1].get("text")) for row in test_rows]
            component.process(messages)  # no earlier ranking: its own probabilities
            out[str(number)] = [{r["name"]: r["confidence"] for r in m.get("intent_ranking")} for m in messages]
        print(f"{name} fold {number}/5: {time.perf_counter() - started:.0f} s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / f"finetune_{name}.json").write_text(json.dumps(out), encoding="utf-8")


def score_stage(names: List[str], blends: List[float]) -> None:
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
    from rasa.shared.nlu.training_data.message import Message
    from sklearn.metrics import f1_score

    from bot.nlu.e5_intent_classifier import blend_rankings

    examples, _ = load_examples()
    linear = json.loads((CACHE / "linear.json").read_text(encoding="utf-8"))
    runs = [json.loads((CACHE / f"finetune_{name}.json").read_text(encoding="utf-8")) for name in names]
    thresholds = pipeline_settings("FallbackClassifier")
    fallback = FallbackClassifier({**FallbackClassifier.get_default_config(), **thresholds})
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for share in blends:
        gold: Dict[str, List[str]] = {language: [] for language in LANGUAGES}
        final, best, alone = ({language: [] for language in LANGUAGES} for _ in range(3))
        for fold, data in linear.items():
            for position, row in enumerate(data["rows"]):
                language, example = examples[row]
                intents = sorted(runs[0][fold][position])
                own = np.mean([[run[fold][position][i] for i in intents] for run in runs], axis=0)
                mixed = blend_rankings(own, intents, data["rankings"][position], share)
                order = np.argsort(-mixed)
                ranking = [{"name": intents[i], "confidence": float(mixed[i])} for i in order]
                best[language].append(ranking[0]["name"])
                message = Message(data={"intent": ranking[0], "intent_ranking": ranking})
                fallback.process([message])  # may put nlu_fallback first
                gold[language].append(example.get("intent"))
                final[language].append(message.get("intent")["name"])
                alone[language].append(intents[int(np.argmax(own))])
        key = f"{'+'.join(names)} blend {share}"
        results[key] = {
            language: {
                "weighted_f1": round(f1_score(gold[language], final[language], average="weighted"), 4),
                "without_fallback": round(f1_score(gold[language], best[language], average="weighted"), 4),
                "fine_tuned_alone": round(f1_score(gold[language], alone[language], average="weighted"), 4),
                "fallback_rate": round(final[language].count("nlu_fallback") / len(gold[language]), 4),
            }
            for language in LANGUAGES
        }
        print(key + ": " + "; ".join(
            f"{language} {r['weighted_f1']:.4f} (without fallback {r['without_fallback']:.4f}, "
            f"alone {r['fine_tuned_alone']:.4f}, not sure {r['fallback_rate']:.3f})"
            for language, r in results[key].items()), flush=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    stages = parser.add_subparsers(dest="stage", required=True)
    stages.add_parser("linear")
    finetune = stages.add_parser("finetune")
    finetune.add_argument("name")
    finetune.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    finetune.add_argument("--seed", type=int, default=1)
    score = stages.add_parser("score")
    score.add_argument("names", help="NAME or NAME+NAME+... (averaged)")
    score.add_argument("--blend", type=float, nargs="+", default=[pipeline_settings(FINE_TUNED)["blend"]])
    args = parser.parse_args()
    if args.stage == "linear":
        linear_stage()
    elif args.stage == "finetune":
        finetune_stage(args.name, dict(parse_setting(s) for s in args.set), args.seed)
    else:
        score_stage(args.names.split("+"), args.blend)


if __name__ == "__main__":
    main()
