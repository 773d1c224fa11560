"""Reading the Taipei City Government FAQ open-data export (``<xmlmessage><datas><data>``).

A streaming expat parse keeps each ``<data>`` element's source line, so a broken record is
reported where a person can find it. Entity declarations are refused (the export has none;
refusing them closes the door on entity-expansion attacks without an extra dependency).
The mapping to ``KBEntry`` fields lives in ``bot.search.importers``; this module only reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional
from xml.parsers import expat

from bot.search.text import strip_html

FIELDS = (
    "data_id",
    "deptName",
    "authority",
    "news_title",
    "news_content",
    "keyword",
    "contact_phone",
    "post_date",
    "fctupublic",
)


class FaqFormatError(ValueError):
    """The file is not well-formed XML or not the FAQ export; the message has the line."""


@dataclass(frozen=True)
class FaqRecord:
    """One ``<data>`` element, with its answer already stripped of HTML."""

    line: int
    data_id: str
    dept: str
    authority: str
    title: str
    answer: str
    keywords: List[str]
    phone: str
    post_date: str
    public: bool

    @property
    def bureau(self) -> str:
        """The second ``authority`` level (the bureau code); '' when the path has none."""
        parts = [p for p in self.authority.split("/") if p]
        return parts[1] if len(parts) > 1 else ""

    def posted(self) -> Optional[dt.date]:
        """The date part of ``post_date``; None when blank; ValueError when malformed."""
        if not self.post_date:
            return None
        return dt.datetime.strptime(self.post_date[:10], "%Y-%m-%d").date()


def _split_keywords(raw: str) -> List[str]:
    seen: Dict[str, None] = {}
    for part in raw.replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def read_faq(path: Path) -> List[FaqRecord]:
    """Every ``<data>`` record in file order; FaqFormatError for malformed XML."""
    records: List[FaqRecord] = []
    parser = expat.ParserCreate("UTF-8")
    current: Optional[Dict[str, str]] = None
    field: Optional[str] = None
    buffer: List[str] = []
    start_line = 0

    def refuse_entities(*_: object) -> None:
        raise FaqFormatError(f"{path}:{parser.CurrentLineNumber}: entity declarations are not allowed")

    def start(name: str, _attrs: Dict[str, str]) -> None:
        nonlocal current, field, start_line
        if name == "data":
            current, start_line = {}, parser.CurrentLineNumber
        elif current is not None and name in FIELDS:
            field = name
            buffer.clear()

    def end(name: str) -> None:
        nonlocal current, field
        if current is not None and name == field:
            current[name] = "".join(buffer).strip()
            field = None
        elif name == "data" and current is not None:
            records.append(_record(current, start_line))
            current = None

    def text(data: str) -> None:
        if field is not None:
            buffer.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse_entities
    parser.buffer_text = True
    try:
        with path.open("rb") as stream:
            parser.ParseFile(stream)
    except expat.ExpatError as error:
        raise FaqFormatError(
            f"{path}:{error.lineno}: not well-formed XML ({expat.errors.messages[error.code]})"
        ) from error
    except OSError as error:
        raise FaqFormatError(f"{path}: cannot read: {error}") from error
    return records


def _record(raw: Dict[str, str], line: int) -> FaqRecord:
    return FaqRecord(
        line=line,
        data_id=raw.get("data_id", ""),
        dept=raw.get("deptName", ""),
        authority=raw.get("authority", ""),
        title=" ".join(raw.get("news_title", "").split()),
        answer=strip_html(raw.get("news_content", "")),
        keywords=_split_keywords(raw.get("keyword", "")),
        phone=raw.get("contact_phone", ""),
        post_date=raw.get("post_date", ""),
        public=raw.get("fctupublic", "").upper() == "Y",
    )
