"""The jieba user dictionary of NLU terms, generated from the lookup tables and synonyms.

Entity annotations must fall on token boundaries or DIET cannot learn them. Writing every
Chinese surface form of a lookup table or synonym as a jieba word keeps the two in step;
``coserve nlu userdict`` regenerates the file and a test fails when it is stale.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List

import yaml

from bot.language import _is_han

WORD_FREQUENCY = 2000
_ANNOTATED = re.compile(r"\[([^\]]+)\]\{")


def _surface_forms(nlu_dir: Path) -> Iterable[str]:
    for name in ("lookups.yml", "synonyms.yml"):
        document = yaml.safe_load((nlu_dir / name).read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []):
            examples = block.get("examples", "")
            for line in examples.splitlines():
                item = line.strip().lstrip("-").strip()
                if item:
                    yield item


def terms(nlu_dir: Path) -> List[str]:
    """Sorted unique surface forms containing Chinese (English is split on spaces anyway)."""
    found = {form for form in _surface_forms(nlu_dir) if any(_is_han(c) for c in form) and " " not in form}
    return sorted(found)


def render(nlu_dir: Path) -> str:
    return "".join(f"{term} {WORD_FREQUENCY} n\n" for term in terms(nlu_dir))


def write(nlu_dir: Path, target: Path) -> int:
    """Writes the dictionary; returns the number of terms."""
    text = render(nlu_dir)
    target.write_text(text, encoding="utf-8")
    return text.count("\n")
