"""``coserve kb import``: agency exports to a knowledge-base YAML file, all rows or none."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List

from bot.cli_support import fail

FORMATS = ("auto", "csv", "jsonl", "taipei-faq")


def _mapping(pairs: List[str]) -> Dict[str, str]:
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source or not target:
            raise ValueError(f"--map expects SOURCE=FIELD, got {pair!r}")
        mapping[source] = target
    return mapping


def _format(path: Path, requested: str) -> str:
    if requested != "auto":
        return requested
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl"):
        return suffix[1:]
    if suffix == ".xml":
        return "taipei-faq"
    raise ValueError(f"cannot tell the format of {path.name}: pass --format {'|'.join(FORMATS[1:])}")


def kb_import(args: argparse.Namespace) -> int:
    from bot.search.importers import ImportFailed, import_table, import_taipei_faq
    from bot.search.kb import KnowledgeBaseError
    from bot.search.kb_files import write_kb_file
    from bot.search.taipei_faq import FaqFormatError

    source, out = Path(args.file), Path(args.out)
    if not source.is_file():
        return fail(f"{source}: no such file")
    try:
        kind = _format(source, args.format)
        if kind == "taipei-faq":
            report = import_taipei_faq(
                source, include_private=args.include_private, fallback_domain=args.fallback_domain
            )
        else:
            if (
                kind == "csv"
                and source.suffix.lower() != ".csv"
                or kind == "jsonl"
                and source.suffix.lower() != ".jsonl"
            ):
                return fail(f"{source}: --format {kind} needs a .{kind} file")
            report = import_table(source, _mapping(args.map), args.domain, args.agency)
    except ImportFailed as error:
        return fail(str(error))
    except (FaqFormatError, ValueError, UnicodeDecodeError, OSError) as error:
        return fail(f"{source}: {error}")
    if not report.entries:
        return fail(f"{source}: no entries to import")
    header = (
        f"# Imported from {source.name} by `coserve kb import --format {kind}`; "
        "edit the source, not this file.\n"
    )
    try:
        write_kb_file(report.entries, out, header)
    except (KnowledgeBaseError, OSError) as error:
        return fail(f"{out}: not written: {error}")
    for line in report.skipped:
        print(f"skipped {line}")
    print(
        f"{len(report.entries)} entries written to {out}"
        + (f"; {len(report.skipped)} skipped" if report.skipped else "")
    )
    return 0


def register(kb: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = kb.add_parser(
        "import",
        help="convert a CSV/JSONL table or the Taipei FAQ XML export into a knowledge-base file",
        description="Writes --out only when every row is valid; broken rows are listed with their line.",
    )
    parser.add_argument("file", help="the export to read (.csv, .jsonl or the Taipei FAQ .xml)")
    parser.add_argument(
        "--out", required=True, help="knowledge-base YAML file to write (replaced atomically)"
    )
    parser.add_argument("--format", choices=FORMATS, default="auto", help="default: from the file extension")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=FIELD",
        help="rename a CSV column / JSON key to a KBEntry field (repeatable)",
    )
    parser.add_argument("--domain", help="service area for rows without a 'domain' column")
    parser.add_argument("--agency", help="agency (zh-TW) for rows without an 'agency' column")
    parser.add_argument(
        "--include-private", action="store_true", help="taipei-faq: also import records with fctupublic=N"
    )
    parser.add_argument(
        "--fallback-domain",
        default="public_safety",
        help="taipei-faq: service area for bureaus with no mapping (default: public_safety)",
    )
    parser.set_defaults(handler=kb_import)
