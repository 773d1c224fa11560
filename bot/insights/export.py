"""Writing a report as CSV, JSON, Parquet or HTML, with a bilingual data dictionary.

Every format writes the same tables (``TABLES``); the dictionary describing each column in
zh-TW and English is written beside them (``data_dictionary.csv`` and ``.json``). CSV is
UTF-8 with a BOM, so Excel shows Chinese, and text cells that a spreadsheet would run as a
formula get a leading apostrophe. Parquet sticks to types Spark and DuckDB both read:
int64, float64, string, date32; no unsigned ints, no nanosecond timestamps.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.engine import Connection

from bot.insights.aggregate import LOCAL, Period, fetch_rows, iso_week, week_of
from bot.insights.report import Report, render_html, value_label
from bot.taxonomy import AUDIENCES, CITIES, SERVICE_AREAS, TAIPEI_DISTRICTS

FORMATS = ("csv", "json", "parquet", "html")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "date": pa.date32()}
Column = Tuple[str, str, str, str]  # name, type, zh-TW description, English description

_WEEK: List[Column] = [
    ("week_start", "date", "該週週一（臺北時間）", "Monday of the ISO week (Taipei time)"),
    ("iso_week", "string", "ISO 週次，例如 2026-W48", "ISO week, e.g. 2026-W48"),
]
_TAIL: List[Column] = [
    ("people", "int64", "不同民眾人數（至少 k 人）", "Distinct people (at least k)"),
]
_LEVEL: List[Column] = [("level", "int64", "合併層級：0 為最細，數字越大表示越多欄位合併為 *",
                         "Merge level: 0 is finest; higher means more columns merged into *")]


def _coded(name: str, zh: str, en: str) -> List[Column]:
    return [(name, "string", f"{zh}代碼；* 表示合併的其他，空白表示未填",
             f"{en} id; * means merged 'other', empty means not given"),
            (f"{name}_label", "string", f"{zh}名稱", f"{en} name")]


TABLES: Dict[str, List[Column]] = {
    "needs": _WEEK + _coded("category", "服務領域", "Service area")
    + _coded("target_group", "對象", "Target group") + _coded("city", "縣市", "City")
    + _coded("district", "行政區", "District")
    + [("channel", "string", "對話管道", "Conversation channel")] + _TAIL
    + [("records", "int64", "需求筆數", "Number of needs")] + _LEVEL,
    "searches": _WEEK + [
        ("answered", "string", "answered 有找到答案／unanswered 沒有", "answered or unanswered"),
        ("language", "string", "語言", "Language"), ("channel", "string", "對話管道", "Channel"),
    ] + _TAIL + [("events", "int64", "搜尋次數（匿名搜尋每次算一人）",
                  "Searches (each anonymous search counts as one person)")] + _LEVEL,
    "satisfaction": _WEEK + _coded("service_area", "服務領域", "Service area") + [
        ("service_id", "string", "服務代碼；* 表示合併", "Service id; * means merged"),
    ] + _TAIL + [("ratings", "int64", "評分筆數", "Number of ratings"),
                 ("mean_score", "float64", "平均滿意度（1–5）", "Mean score (1–5)")] + _LEVEL,
    "fit": _WEEK + [("fit_rating", "string", "fits 合適／partly 部分／not_at_all 不合適",
                     "fits, partly or not_at_all")] + _coded("category", "服務領域", "Service area")
    + [("service_id", "string", "第一個推薦服務代碼；* 表示合併", "First matched service; * merged")]
    + _TAIL + [("records", "int64", "需求筆數", "Number of needs")] + _LEVEL,
    "gaps": [
        ("cluster_id", "string", "群組代碼", "Cluster id"),
        ("source", "string", "search 找不到答案／fit 推薦不合適", "search (no answer) or fit (poor match)"),
        ("label", "string", "建議標籤：最接近的服務領域與代表詞", "Suggested label: nearest area and terms"),
        ("service_area", "string", "最接近的服務領域代碼", "Nearest service area id"),
        ("terms", "string", "代表詞（至少 k 人使用）", "Distinctive terms (used by at least k people)"),
        ("example", "string", "代表例句（已去識別化的中心點）", "Representative text (redacted medoid)"),
    ] + _TAIL + [("records", "int64", "提及次數", "Mentions")],
    "rising": [
        ("kind", "string", "category 服務領域／gap 未滿足需求群組", "category or gap cluster"),
        ("key", "string", "服務領域或群組代碼", "Service area or cluster id"),
        ("label", "string", "名稱", "Name"),
        ("week_start", "date", "最近一週的週一", "Monday of the latest week"),
        ("iso_week", "string", "最近一週 ISO 週次", "Latest ISO week"),
        ("previous", "int64", "前一週（人次；空白表示未達門檻）", "Previous week (empty: below k)"),
        ("current", "int64", "最近一週（人次）", "Latest week"),
        ("change", "int64", "增加量", "Increase"),
        ("change_pct", "float64", "增加百分比", "Increase, percent"),
    ],
}
VOCABULARIES = {"category": SERVICE_AREAS, "target_group": AUDIENCES, "city": CITIES,
                "district": TAIPEI_DISTRICTS, "service_area": SERVICE_AREAS}


def table_rows(report: Report) -> Dict[str, List[Dict[str, Any]]]:
    """Each table's rows, with labels in the report's language, in dictionary column order."""
    language, agg = report.language, report.aggregates
    raw: Dict[str, List[Dict[str, Any]]] = {
        "needs": agg.needs, "searches": agg.searches, "satisfaction": agg.satisfaction,
        "fit": agg.fit,
        "gaps": [{"cluster_id": c.cluster_id, "source": c.source, "label": c.label(language),
                  "service_area": c.area, "terms": ", ".join(c.terms), "example": c.example,
                  "people": c.people, "records": c.records} for c in report.gaps],
        "rising": [{**r, "iso_week": iso_week(r["week_start"]),
                    "label": r["cluster"].label(language) if "cluster" in r
                    else value_label(SERVICE_AREAS, r["key"], language)} for r in report.rising],
    }
    out = {}
    for name, columns in TABLES.items():
        rows = []
        for row in raw[name]:
            row = dict(row)
            for dim, vocabulary in VOCABULARIES.items():
                if dim in row and f"{dim}_label" not in row:
                    row[f"{dim}_label"] = value_label(vocabulary, row[dim], language)
            rows.append({column[0]: row.get(column[0]) for column in columns})
        out[name] = rows
    return out


def dictionary_rows() -> List[Dict[str, str]]:
    return [{"table": table, "column": name, "type": kind, "description_zh": zh,
             "description_en": en} for table, columns in TABLES.items()
            for name, kind, zh, en in columns]


def csv_safe(value: Any) -> Any:
    """Text a spreadsheet would evaluate (=, +, -, @, tab, CR first) is made literal."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Dict[str, Any]],
               bom: bool = True) -> None:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else csv_safe(row.get(c)) for c in header])


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def metadata(report: Report, fmt: str, files: Sequence[str]) -> Dict[str, Any]:
    period = report.period
    return {"format": fmt, "language": report.language, "k": report.aggregates.k,
            "requested": {"from": period.requested_from, "to": period.requested_to},
            "period": {"from": period.start, "to": period.end, "weeks": len(period.weeks())},
            "frozen_weeks": [iso_week(week) for week in report.aggregates.frozen],
            "generated_at": report.generated_at.replace(microsecond=0), "notes": report.notes(),
            "files": list(files)}


def write_export(report: Report, fmt: str, out: Path) -> List[Path]:
    """Writes the report into directory ``out``; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    tables, written = table_rows(report), []
    if fmt == "csv":
        for name, rows in tables.items():
            _write_csv(out / f"{name}.csv", [c[0] for c in TABLES[name]], rows)
            written.append(out / f"{name}.csv")
    elif fmt == "parquet":
        for name, rows in tables.items():
            schema = pa.schema([(c[0], ARROW[c[1]]) for c in TABLES[name]])
            table = pa.Table.from_pylist(rows, schema=schema)
            pq.write_table(table, out / f"{name}.parquet", coerce_timestamps="us",
                           use_deprecated_int96_timestamps=False)
            written.append(out / f"{name}.parquet")
    elif fmt == "json":
        document = {"metadata": metadata(report, fmt, []), "tables": tables}
        (out / "insights.json").write_text(json.dumps(document, ensure_ascii=False, indent=1,
                                                      default=_json_default), "utf-8")
        written.append(out / "insights.json")
    else:
        (out / "report.html").write_text(render_html(report), "utf-8")
        written.append(out / "report.html")
    dictionary = dictionary_rows()
    _write_csv(out / "data_dictionary.csv", list(dictionary[0]), dictionary)
    (out / "data_dictionary.json").write_text(json.dumps(dictionary, ensure_ascii=False, indent=1),
                                              "utf-8")
    written += [out / "data_dictionary.csv", out / "data_dictionary.json"]
    names = [p.name for p in written] + ["metadata.json"]
    (out / "metadata.json").write_text(json.dumps(metadata(report, fmt, names), ensure_ascii=False,
                                                  indent=1, default=_json_default), "utf-8")
    return written + [out / "metadata.json"]


def write_polis(connection: Connection, period: Period, k: int, out: Path) -> List[Path]:
    """Suggestions as Pol.is ``comments.csv`` and ``votes.csv`` (see docs/insights.md).

    Authors get per-export participant numbers, times are cut to the week, and nothing is
    written unless at least ``k`` people made suggestions. Each author agrees (vote 1) with
    their own comment, as Pol.is records it.
    """
    rows = [] if period.empty else fetch_rows(connection, period, "text, person_id", "feedback",
                                          "AND kind = 'suggestion' ORDER BY created_at, id")
    if len({r[2] for r in rows}) < k:
        return []
    out.mkdir(parents=True, exist_ok=True)
    participants: Dict[str, int] = {}
    comments, votes = [], []
    for comment_id, (day, text, person) in enumerate(rows):
        author = participants.setdefault(person, len(participants))
        week = datetime.combine(week_of(int(day)), datetime.min.time(), LOCAL)
        stamp, shown = int(week.timestamp()), _js_datetime(week)
        comments.append({"timestamp": stamp, "datetime": shown, "comment-id": comment_id,
                         "author-id": author, "agrees": 1, "disagrees": 0, "moderated": 0,
                         "comment-body": text})
        votes.append({"timestamp": stamp, "datetime": shown, "comment-id": comment_id,
                      "voter-id": author, "vote": 1})
    _write_csv(out / "comments.csv", list(comments[0]), comments, bom=False)  # as Pol.is writes
    _write_csv(out / "votes.csv", list(votes[0]), votes, bom=False)
    return [out / "comments.csv", out / "votes.csv"]


def _js_datetime(moment: datetime) -> str:
    """The ``datetime`` column as Pol.is writes it (JavaScript ``Date.toString()``)."""
    local = moment.astimezone(timezone(timedelta(hours=8)))
    return local.strftime("%a %b %d %Y %H:%M:%S GMT+0800 (Taipei Standard Time)")


__all__ = ["FORMATS", "TABLES", "csv_safe", "dictionary_rows", "table_rows", "write_export",
           "write_polis"]
