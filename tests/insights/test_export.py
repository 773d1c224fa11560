"""Exports: CSV safe for spreadsheets, Parquet DuckDB reads, offline HTML, JSON, the data
dictionary, Pol.is files and the empty period, on both backends."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List

import duckdb
import pytest

from bot.insights.aggregate import Period
from bot.insights.export import FORMULA_STARTS, TABLES, csv_safe, dictionary_rows, write_export, write_polis
from bot.insights.report import Report, build_report, findings, render_html
from bot.insights.store import InsightsStore

from .support import Clock
from .test_aggregate import MONDAY, TODAY, FakeEncoder, need, people

K = 5
PERIOD = Period.covering(date(2026, 11, 2), date(2026, 11, 15), today=TODAY)


def populate(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 8)
    for week in range(2):
        for person in crowd[: 5 + 3 * week]:
            need(store, clock, person, MONDAY + timedelta(weeks=week), channel="=cmd|' /C calc'!A0",
                 district="daan", fit_rating="partly",
                 free_text="需要夜間托育", matched_service_ids=["childcare/x"])
    clock.now = MONDAY + timedelta(weeks=1)
    for person in crowd:
        store.record_search(person, "=HYPERLINK(\"x\")", answered=False, language="en")
        store.record_rating(person, 4, service_id="childcare/x")
        store.record_feedback(person, "-希望週末也能辦理 @all", kind="suggestion")


def report(store: InsightsStore, language: str = "zh-TW", period: Period = PERIOD) -> Report:
    with store.engine.connect() as connection:
        return build_report(connection, period, K, FakeEncoder(), language=language)


def read_csv(path: Path) -> List[Dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_is_excel_ready_and_formula_safe(store: InsightsStore, clock: Clock, tmp_path: Path) -> None:
    populate(store, clock)
    files = write_export(report(store), "csv", tmp_path)
    assert {p.name for p in files} >= {f"{t}.csv" for t in TABLES} | {"data_dictionary.csv"}
    needs = tmp_path / "needs.csv"
    assert needs.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(needs)
    assert rows and rows[0]["channel"].startswith("'=cmd") and rows[0]["category_label"] == "長者與長期照顧"
    gaps = read_csv(tmp_path / "gaps.csv")
    assert gaps[0]["example"] == "'=hyperlink(\"x\")"
    for path in tmp_path.glob("*.csv"):
        for row in read_csv(path):
            for value in row.values():
                assert not value.startswith(FORMULA_STARTS) or _number(value), (path.name, value)


def _number(value: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None


@pytest.mark.parametrize("value,expected", [("=1+2", "'=1+2"), ("+886", "'+886"), ("-x", "'-x"),
                                            ("@sum", "'@sum"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                            ("ok=1", "ok=1"), (-3, -3), ("", "")])
def test_csv_safe(value: Any, expected: Any) -> None:
    assert csv_safe(value) == expected


def test_parquet_reads_in_duckdb_with_plain_types(store: InsightsStore, clock: Clock,
                                                  tmp_path: Path) -> None:
    populate(store, clock)
    result = report(store)
    write_export(result, "parquet", tmp_path)
    for table, columns in TABLES.items():
        relation = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / (table + '.parquet')}')")
        assert relation.columns == [c[0] for c in columns]
        assert not any("UINT" in str(t) or "TIMESTAMP_NS" in str(t) for t in relation.types)
    week = duckdb.sql(f"SELECT typeof(week_start), sum(people) FROM '{tmp_path / 'needs.parquet'}' "
                      "GROUP BY 1").fetchall()
    assert week == [("DATE", sum(r["people"] for r in result.aggregates.needs))]


def test_html_opens_offline_in_both_languages(store: InsightsStore, clock: Clock, tmp_path: Path) -> None:
    populate(store, clock)
    for language, title in (("zh-TW", "民眾需求洞察"), ("en", "co-production insights")):
        page = render_html(report(store, language))
        assert title in page and "<svg" in page and "<script" not in page
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?\s*(https?:)?//""", page, re.I)
        assert "http://" not in page and "https://" not in page
    zh = report(store)
    assert any("增加 60%" in line for line in findings(zh))  # 5 → 8 person-cells
    assert any(line.startswith("Needs for Elderly") for line in findings(report(store, "en")))
    write_export(zh, "html", tmp_path)
    assert (tmp_path / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_json_and_dictionary_describe_every_column(store: InsightsStore, clock: Clock,
                                                   tmp_path: Path) -> None:
    populate(store, clock)
    write_export(report(store, "en"), "json", tmp_path)
    document = json.loads((tmp_path / "insights.json").read_text("utf-8"))
    assert document["metadata"]["k"] == K and document["metadata"]["period"]["weeks"] == 2
    dictionary = json.loads((tmp_path / "data_dictionary.json").read_text("utf-8"))
    described = {(d["table"], d["column"]) for d in dictionary if d["description_zh"]
                 and d["description_en"]}
    for table, rows in document["tables"].items():
        for row in rows:
            assert {(table, column) for column in row} <= described
            assert "people" not in row or row["people"] >= K
    assert len(read_csv(tmp_path / "data_dictionary.csv")) == len(dictionary_rows())


def test_an_empty_period_is_a_valid_export_with_a_note(store: InsightsStore, tmp_path: Path) -> None:
    empty = Period.covering(date(2020, 1, 6), date(2020, 1, 12), today=TODAY)
    result = report(store, "en", empty)
    assert result.empty and "not enough data" in " ".join(result.notes())
    for fmt in ("csv", "json", "parquet", "html"):
        write_export(result, fmt, tmp_path / fmt)
    assert read_csv(tmp_path / "csv" / "needs.csv") == []
    assert (tmp_path / "csv" / "needs.csv").read_text("utf-8-sig").startswith("week_start,")
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'parquet' / 'needs.parquet'}'").fetchall() == [(0,)]
    metadata = json.loads((tmp_path / "json" / "metadata.json").read_text("utf-8"))
    assert any("not enough data" in note for note in metadata["notes"])


def test_polis_files_follow_the_polis_export(store: InsightsStore, clock: Clock, tmp_path: Path) -> None:
    populate(store, clock)
    with store.engine.connect() as connection:
        files = write_polis(connection, PERIOD, K, tmp_path)
        assert write_polis(connection, PERIOD, 9, tmp_path / "few") == []  # 8 people < 9
    comments, votes = (read_csv(p) for p in files)
    assert list(comments[0]) == ["timestamp", "datetime", "comment-id", "author-id", "agrees",
                                 "disagrees", "moderated", "comment-body"]
    assert list(votes[0]) == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert sorted(int(c["author-id"]) for c in comments) == list(range(8))
    assert comments[0]["comment-body"] == "'-希望週末也能辦理 @all"
    assert comments[0]["datetime"].startswith("Mon Nov 09 2026 00:00:00 GMT+0800")
    assert not files[0].read_bytes().startswith(b"\xef\xbb\xbf")
