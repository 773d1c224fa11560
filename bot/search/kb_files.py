"""Writing knowledge-base YAML and files atomically, so a crash never leaves half a file.

Writers go to a temporary file in the target's directory, are checked by reading back where
that matters, and only then are renamed over the target (``os.replace`` is atomic on one file
system). A knowledge-base file is read back with ``load_file`` before the rename, so what the
importer writes is always what ``load_directory`` accepts.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import yaml

from bot.search.kb import KBEntry, KnowledgeBaseError, load_file


def atomic_write(
    target: Path, write: Callable[[Path], None], check: Callable[[Path], Any] = lambda p: None
) -> None:
    """Calls ``write(tmp)``, then ``check(tmp)``, then renames tmp over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        check(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def entry_document(entry: KBEntry) -> Dict[str, Any]:
    """An entry as plain YAML data: no empty optional fields, dates as ISO strings."""
    data = entry.dict(by_alias=True, exclude_none=True)
    for name in ("documents", "example_questions"):
        if not data[name]["zh-TW"] and not data[name]["en"]:
            del data[name]
    for name in ("channels", "tags"):
        if not data[name]:
            del data[name]
    if "last_reviewed" in data:
        data["last_reviewed"] = data["last_reviewed"].isoformat()
    return data


def dump_entries(entries: Sequence[KBEntry], header: str = "") -> str:
    """YAML text of a knowledge-base file; the commonest domain is the file's default."""
    common = Counter(e.domain for e in entries).most_common(1)
    domain = common[0][0] if common else "social_assistance"
    items: List[Dict[str, Any]] = []
    for entry in entries:
        data = entry_document(entry)
        if data["domain"] == domain:
            del data["domain"]
        items.append(data)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(
        {"domain": domain, "entries": items}, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return (header + body) if header else body


def write_kb_file(entries: Sequence[KBEntry], target: Path, header: str = "") -> None:
    """Writes a knowledge-base file atomically after checking it loads back identically."""
    text = dump_entries(entries, header)

    def check(tmp: Path) -> None:
        loaded = load_file(tmp)
        if [e.content_hash() for e in loaded] != [e.content_hash() for e in entries]:
            raise KnowledgeBaseError(f"{target}: written entries do not read back identically")

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    atomic_write(target, write, check)
