"""Reading the answer to a closed question when the entity extractor found nothing in it.

The needs form asks questions with a known set of answers ("Who is it for?", "How urgent?",
"How should we reach you?"). Typed replies to them are short and generic — "for me", 「我自己」,
"just reply here in the chat" — exactly where a statistical extractor trained on whole
sentences is least sure. Since the question already says what kind of answer is expected, the
reply is matched against the surface forms the NLU data lists for that answer's values
(``data/nlu/synonyms.yml``), so the training data stays the one place those words live.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Collection, Dict, List, Optional, Tuple

import yaml

from bot.settings import PROJECT_ROOT

SYNONYMS_FILE = PROJECT_ROOT / "data" / "nlu" / "synonyms.yml"
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=4)
def surface_forms(path: Path = SYNONYMS_FILE) -> Dict[str, str]:
    """Lower-cased surface form -> value, from the ``synonym`` blocks of an NLU data file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    forms: Dict[str, str] = {}
    for block in data.get("nlu", []):
        value = block.get("synonym")
        if not value:
            continue
        forms[str(value).lower()] = value
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().lstrip("-").strip()
            if text:
                forms[text.lower()] = value
    return forms


@lru_cache(maxsize=4)
def _patterns(path: Path) -> List[Tuple[re.Pattern[str], str]]:
    """(pattern, value) per surface form, compiled once: Chinese forms match anywhere (no
    spaces between words), others as whole words."""
    return [
        (re.compile(re.escape(form) if _CJK.search(form) else rf"(?<!\w){re.escape(form)}(?!\w)"), value)
        for form, value in surface_forms(path).items()
    ]


def read_closed_answer(text: str, allowed: Collection[str], path: Path = SYNONYMS_FILE) -> Optional[str]:
    """The one allowed value the reply names, or None when it names none or several.

    The longest surface form wins where forms overlap, so 「沒有很急」 reads as not urgent
    although it contains 「很急」. A reply naming two values ("not for me, for my mum") is left
    to the question being asked again rather than guessed.
    """
    lowered = " ".join(text.lower().split())
    if not lowered:
        return None
    found: List[Tuple[int, int, str]] = []
    for pattern, value in _patterns(path):
        if value in allowed:
            found.extend((m.start(), m.end(), value) for m in pattern.finditer(lowered))
    kept = [
        (start, end, value)
        for start, end, value in found
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in found)
    ]
    values = {value for _, _, value in kept}
    return values.pop() if len(values) == 1 else None
