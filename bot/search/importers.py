"""Turning agency exports into knowledge-base entries, all rows checked before any is kept.

Two sources: flat CSV/JSONL tables (one row per service, columns named after KBEntry fields,
see docs/knowledge-base.md) and the Taipei City Government FAQ XML export. Every broken row
is collected with its line number, so one run reports all of them; the caller writes nothing
unless the list is empty.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from pydantic import ValidationError

from bot.search.agency_domains import FALLBACK_DOMAIN, domain_for
from bot.search.kb import KBEntry, chinese, describe_error
from bot.search.taipei_faq import FaqRecord, read_faq
from bot.search.text import first_sentences

TEXT_FIELDS = ("title", "summary", "body", "eligibility", "how_to_apply", "fees", "agency")
LIST_FIELDS = ("audiences", "areas", "channels", "tags")
LOCALIZED_LISTS = ("documents", "example_questions")
PLAIN_FIELDS = ("id", "domain", "contact", "url", "last_reviewed", "source")
LIST_SEPARATOR = "|"


class ImportFailed(ValueError):
    """Rows that cannot become entries; ``problems`` has one line per broken row."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__(f"{len(problems)} broken row(s); nothing was imported:\n" + "\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    entries: List[KBEntry]
    skipped: List[str] = field(default_factory=list)


# --- generic tables -----------------------------------------------------------------------
def read_rows(path: Path) -> Iterator[Tuple[int, Dict[str, Any]]]:
    """(line number, row) pairs of a ``.csv`` (header row) or ``.jsonl`` file."""
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8") as lines:
            for number, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw)
                except json.JSONDecodeError as error:
                    yield number, {"__error__": f"invalid JSON: {error.msg}"}
                    continue
                yield number, value if isinstance(value, dict) else {"__error__": "not a JSON object"}
        return
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        start = reader.line_num + 1
        for row in reader:
            yield start, dict(row)
            start = reader.line_num + 1


def _split(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    parts = str(value).replace("\n", LIST_SEPARATOR).split(LIST_SEPARATOR)
    return [p.strip() for p in parts if p.strip()]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def row_to_fields(
    row: Mapping[str, Any],
    mapping: Mapping[str, str],
    default_domain: Optional[str],
    default_agency: Optional[str],
) -> Dict[str, Any]:
    """KBEntry keyword arguments from one flat row (renamed by ``mapping``; blanks dropped)."""
    flat = {mapping.get(k, k): v for k, v in row.items() if k is not None and not _blank(v)}
    unknown = sorted(
        k
        for k in flat
        if k.split(".")[0].removesuffix("_en")
        not in (*TEXT_FIELDS, *LIST_FIELDS, *LOCALIZED_LISTS, *PLAIN_FIELDS)
    )
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}; use --map SOURCE=FIELD to rename them")
    fields: Dict[str, Any] = {
        k: (str(v).strip() if not isinstance(v, (dict, list)) else v)
        for k, v in flat.items()
        if k in PLAIN_FIELDS
    }
    for name in TEXT_FIELDS:
        zh = flat.get(name, flat.get(f"{name}.zh-TW"))
        en = flat.get(f"{name}_en", flat.get(f"{name}.en"))
        if isinstance(zh, dict):
            fields[name] = zh
        elif zh is not None or en is not None:
            fields[name] = {"zh-TW": zh, "en": en}
    for name in LOCALIZED_LISTS:
        zh, en = flat.get(name, flat.get(f"{name}.zh-TW")), flat.get(f"{name}_en", flat.get(f"{name}.en"))
        if isinstance(zh, dict):
            fields[name] = zh
        elif zh is not None or en is not None:
            fields[name] = {"zh-TW": _split(zh), "en": _split(en)}
    for name in LIST_FIELDS:
        if name in flat:
            fields[name] = _split(flat[name])
    if "summary" not in fields and isinstance(fields.get("body"), dict) and fields["body"].get("zh-TW"):
        body = fields["body"]
        fields["summary"] = {
            "zh-TW": first_sentences(str(body["zh-TW"])),
            "en": first_sentences(str(body["en"])) if body.get("en") else None,
        }
    fields.setdefault("domain", default_domain)
    if default_agency and "agency" not in fields:
        fields["agency"] = {"zh-TW": default_agency}
    return fields


def import_table(
    path: Path,
    mapping: Optional[Mapping[str, str]] = None,
    default_domain: Optional[str] = None,
    default_agency: Optional[str] = None,
) -> ImportReport:
    """Entries from a CSV/JSONL file; ImportFailed lists every broken row by line."""
    entries: List[KBEntry] = []
    problems: List[str] = []
    seen: Dict[str, int] = {}
    for line, row in read_rows(path):
        where = f"{path}:{line}"
        if "__error__" in row:
            problems.append(f"{where}: {row['__error__']}")
            continue
        try:
            entry = KBEntry(**row_to_fields(row, mapping or {}, default_domain, default_agency))
        except ValidationError as error:
            problems.append(f"{where}: id {row.get('id', '?')!r}: {describe_error(error)}")
            continue
        except (ValueError, TypeError) as error:
            problems.append(f"{where}: {error}")
            continue
        if entry.id in seen:
            problems.append(f"{where}: duplicate id {entry.id!r} (first on line {seen[entry.id]})")
            continue
        seen[entry.id] = line
        entries.append(entry)
    if problems:
        raise ImportFailed(problems)
    return ImportReport(entries)


# --- Taipei City FAQ ------------------------------------------------------------------------
def faq_entry(record: FaqRecord, fallback_domain: str = FALLBACK_DOMAIN) -> KBEntry:
    """The KBEntry for one FAQ record (ValueError/ValidationError when it cannot be one)."""
    if not record.data_id:
        raise ValueError("no data_id")
    if not record.title:
        raise ValueError("no news_title (the question)")
    return KBEntry(
        id=f"tpe-faq-{record.data_id.lower()}",
        domain=domain_for(record.bureau, record.dept, fallback_domain),
        title=chinese(record.title),
        summary=chinese(first_sentences(record.answer)),
        body=chinese(record.answer),
        agency=chinese(record.dept or "臺北市政府"),
        contact=record.phone or None,
        tags=record.keywords,
        last_reviewed=record.posted(),
        source=f"臺北市政府市政網站整合平台常見問答 {record.data_id}",
    )


def import_taipei_faq(
    path: Path, include_private: bool = False, fallback_domain: str = FALLBACK_DOMAIN
) -> ImportReport:
    """Entries from the FAQ XML: public records only unless asked; empty answers are skipped."""
    report = ImportReport([])
    problems: List[str] = []
    seen: Dict[str, int] = {}
    for record in read_faq(path):
        where = f"{path}:{record.line}"
        if not record.public and not include_private:
            continue
        if not record.answer:
            report.skipped.append(f"{where}: {record.data_id}: no answer text")
            continue
        try:
            entry = faq_entry(record, fallback_domain)
        except ValidationError as error:
            problems.append(f"{where}: data_id {record.data_id!r}: {describe_error(error)}")
            continue
        except ValueError as error:
            problems.append(f"{where}: data_id {record.data_id!r}: {error}")
            continue
        if entry.id in seen:
            problems.append(f"{where}: duplicate data_id {record.data_id!r} (first on line {seen[entry.id]})")
            continue
        seen[entry.id] = record.line
        report.entries.append(entry)
    if problems:
        raise ImportFailed(problems)
    return report
