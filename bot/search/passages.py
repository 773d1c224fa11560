"""What gets embedded for an entry: several short passages, one per field and language.

Short focused passages match short questions better than one long document, and an entry
scores as its best passage (multi-field retrieval). Long hand-written bodies are cut into
sentence-aligned chunks, each prefixed with the title; an imported answer (its summary is its
own first sentences) is embedded once, as title + summary, and left to BM25 beyond that
(measured on the Taipei FAQ: see docs/search.md). Each passage is hashed with the model id so
an index rebuild re-embeds only passages whose text or model changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import List

from bot.search.kb import KBEntry

MAX_PASSAGE_CHARS = 600
CHUNK_CHARS = 250
MAX_CHUNKS = 3
_SENTENCE = re.compile(r"(?<=[。！？；\n])|(?<=[.!?;])\s+")


@dataclass(frozen=True)
class Passage:
    entry_id: str
    field: str
    text: str

    def key(self, model_id: str) -> str:
        digest = hashlib.sha256(f"{model_id}\n{self.text}".encode()).hexdigest()
        return digest[:24]


def chunks(text: str, size: int = CHUNK_CHARS) -> List[str]:
    """Sentence-aligned pieces of at most ``size`` characters (a long sentence is cut)."""
    pieces = [p for p in _SENTENCE.split(text) if p and p.strip()]
    out: List[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > size:
            if current:
                out.append(current)
                current = ""
            out.append(piece[:size])
            piece = piece[size:]
        if current and len(current) + len(piece) > size:
            out.append(current)
            current = ""
        current += piece
    if current.strip():
        out.append(current)
    return [" ".join(c.split()) for c in out if c.strip()]


def opens_with(body: str, summary: str) -> bool:
    """Whether ``summary`` is the beginning of ``body`` (whitespace ignored; a cut summary's … too).

    Importers make the summary from the body's first sentences (bot.search.text.first_sentences),
    so for imported answers this holds, and for hand-written summaries it does not.
    """
    lead = "".join(summary.split()).rstrip("…")
    return bool(lead) and "".join(body.split()).startswith(lead)


def passages_for(entry: KBEntry) -> List[Passage]:
    """The passages of one entry: title+summary per language, each example question, body chunks.

    Tags are not embedded: they are in the lexical index, and a title+tags passage measured no
    gain on the held-out questions (docs/search.md) while costing a tenth of the build.
    A body whose summary is its own beginning (imported answers) is not chunked: the title +
    summary passage is its embedding and BM25 holds the whole text. Measured on the Taipei FAQ
    tuning questions, that kept retrieval quality with 59% fewer tokens to embed than chunking
    every answer (docs/search.md); hand-written bodies are chunked, at most MAX_CHUNKS pieces.
    """
    found: List[Passage] = []
    seen = set()

    def add(field: str, text: str) -> None:
        text = " ".join(text.split())[:MAX_PASSAGE_CHARS]
        if text and text not in seen:
            seen.add(text)
            found.append(Passage(entry.id, field, text))

    agency = entry.agency.zh
    suffix = f"（{agency}）" if agency and agency not in entry.title.zh else ""
    add("title_zh", f"{entry.title.zh}：{entry.summary.zh}{suffix}")
    if entry.title.en and entry.summary.en:
        add("title_en", f"{entry.title.en}: {entry.summary.en}")
    for question in entry.example_questions.all_items():
        add("question", question)
    # A body that opens with the summary (imported answers) adds too little to pay for embedding.
    if entry.body and not opens_with(entry.body.zh, entry.summary.zh):
        for piece in chunks(entry.body.zh)[:MAX_CHUNKS]:
            add("body_zh", f"{entry.title.zh}：{piece}")
    if entry.body and entry.body.en and not opens_with(entry.body.en, entry.summary.en or ""):
        for piece in chunks(entry.body.en, CHUNK_CHARS * 2)[:MAX_CHUNKS]:
            add("body_en", f"{entry.title.en or entry.title.zh}: {piece}")
    return found


def lexical_text(entry: KBEntry) -> str:
    """Everything a person might quote from an entry, for the BM25 index (both languages)."""
    parts = [
        entry.title.all_text(),
        entry.summary.all_text(),
        entry.agency.all_text(),
        " ".join(entry.tags),
        *entry.example_questions.all_items(),
    ]
    for optional in (entry.body, entry.eligibility, entry.how_to_apply, entry.fees):
        if optional is not None:
            parts.append(optional.all_text())
    return "\n".join(p for p in parts if p)
