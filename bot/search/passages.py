"""What gets embedded for an entry: several short passages, one per field and language.

Short focused passages match short questions better than one long document, and an entry
scores as its best passage (multi-field retrieval). Each passage is hashed with the model
id so an index rebuild re-embeds only passages whose text or model changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import List

from bot.search.kb import KBEntry

MAX_PASSAGE_CHARS = 600


@dataclass(frozen=True)
class Passage:
    entry_id: str
    field: str
    text: str

    def key(self, model_id: str) -> str:
        digest = hashlib.sha256(f"{model_id}\n{self.text}".encode("utf-8")).hexdigest()
        return digest[:24]


def passages_for(entry: KBEntry) -> List[Passage]:
    """The passages of one entry: title+summary per language, each example question, body."""
    found: List[Passage] = []

    def add(field: str, text: str) -> None:
        text = " ".join(text.split())[:MAX_PASSAGE_CHARS]
        if text and all(p.text != text for p in found):
            found.append(Passage(entry.id, field, text))

    agency = entry.agency.zh
    add("title_zh", f"{entry.title.zh}：{entry.summary.zh}（{agency}）")
    if entry.title.en and entry.summary.en:
        add("title_en", f"{entry.title.en}: {entry.summary.en}")
    for question in entry.example_questions.all_items():
        add("question", question)
    if entry.body:
        add("body_zh", f"{entry.title.zh}：{entry.body.zh}")
        if entry.body.en:
            add("body_en", f"{entry.title.en or entry.title.zh}: {entry.body.en}")
    if entry.tags:
        add("tags", f"{entry.title.zh} {' '.join(entry.tags)}")
    return found
