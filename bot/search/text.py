"""Plain text from agency HTML, and short summaries from long answers.

Agency exports carry answers as HTML fragments (links, tables, ``<br>``). The stdlib HTML
parser only tokenises, it never runs or fetches anything, so it is safe on untrusted input;
script and style contents are dropped, block tags become line breaks.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import List

_BLOCK_TAGS = frozenset(
    {
        "br",
        "p",
        "div",
        "li",
        "tr",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "dd",
        "dt",
        "section",
        "article",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "iframe", "object"})
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(fragment: str) -> str:
    """Readable text of an HTML fragment: tags removed, entities decoded, blank runs collapsed."""
    collector = _TextCollector()
    collector.feed(fragment or "")
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ").replace("\u3000", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def first_sentences(text: str, limit: int = 160) -> str:
    """Leading whole sentences up to ``limit`` characters (at least one, cut with … if long)."""
    flat = " ".join(text.split())
    sentences = [s.strip() for s in _SENTENCE_END.split(flat) if s and s.strip()]
    summary = ""
    for sentence in sentences:
        if summary and len(summary) + len(sentence) > limit:
            break
        summary += sentence if not summary or summary.endswith(("。", "！", "？", "；")) else " " + sentence
    if not summary:
        summary = flat
    return summary if len(summary) <= limit else summary[: limit - 1].rstrip() + "…"
