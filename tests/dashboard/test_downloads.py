"""Downloads: every export format as a ZIP of the filtered period, audited, valid when empty."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any, Dict, List

import pyarrow.parquet as pq
import pytest
from insights.support import Clock

from bot.insights.export import TABLES
from bot.insights.store import InsightsStore

from .support import STAFF, seed_small_cells

WEEKS = "from=2026-11-02&to=2026-11-15"
EXPECTED = {"csv": {f"{t}.csv" for t in TABLES}, "parquet": {f"{t}.parquet" for t in TABLES},
            "json": {"insights.json"}, "html": {"report.html"}}
ALWAYS = {"data_dictionary.csv", "data_dictionary.json", "metadata.json"}


async def download(client: Any, query: str, fmt: str = "csv") -> zipfile.ZipFile:
    response = await client.get(f"/export/{fmt}?{query}")
    assert response.status == 200, await response.text()
    assert response.content_type == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"coserve-insights-")
    return zipfile.ZipFile(io.BytesIO(await response.read()))


def csv_rows(archive: zipfile.ZipFile, name: str) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def exports(store: InsightsStore) -> List[Any]:
    return [entry for entry in store.audit_log() if entry.action == "dashboard.export"]


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "html"])
async def test_each_format_downloads_as_a_zip_and_is_audited(staff: Any, store: InsightsStore,
                                                             clock: Clock, fmt: str) -> None:
    seed_small_cells(store, clock)
    archive = await download(staff, f"{WEEKS}&area=taipei:daan", fmt)
    assert set(archive.namelist()) == EXPECTED[fmt] | ALWAYS
    metadata = json.loads(archive.read("metadata.json"))
    assert metadata["period"] == {"from": "2026-11-02", "to": "2026-11-15", "weeks": 2}
    (entry,) = exports(store)
    assert entry.actor == f"staff:{STAFF}" and entry.subject is None
    assert entry.detail["format"] == fmt and entry.detail["filters"]["area"] == "taipei:daan"


async def test_csv_holds_published_cells_only(staff: Any, store: InsightsStore, clock: Clock) -> None:
    seed_small_cells(store, clock)
    needs = csv_rows(await download(staff, WEEKS), "needs.csv")
    assert {(row["district"], row["people"]) for row in needs} == {("daan", "6")}
    assert all(int(row["people"]) >= 5 for row in needs)


async def test_filters_apply_to_downloads(staff: Any, store: InsightsStore, clock: Clock) -> None:
    seed_small_cells(store, clock)
    needs = csv_rows(await download(staff, f"{WEEKS}&group=parenting_family"), "needs.csv")
    assert {row["category"] for row in needs} == {"childcare"}


async def test_downloads_are_in_the_chosen_language(staff: Any, store: InsightsStore, clock: Clock
                                                    ) -> None:
    seed_small_cells(store, clock)
    await staff.get("/?lang=en")
    needs = csv_rows(await download(staff, WEEKS), "needs.csv")
    assert needs[0]["district_label"] == "Da'an District"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
async def test_a_period_without_data_is_a_valid_empty_file(staff: Any, store: InsightsStore,
                                                           clock: Clock, fmt: str) -> None:
    seed_small_cells(store, clock)
    archive = await download(staff, "from=2019-01-07&to=2019-02-03", fmt)
    if fmt == "csv":
        assert csv_rows(archive, "needs.csv") == []
        assert archive.read("needs.csv").decode("utf-8-sig").startswith("week_start,iso_week,")
    elif fmt == "parquet":
        assert pq.read_table(io.BytesIO(archive.read("needs.parquet"))).num_rows == 0
    else:
        assert json.loads(archive.read("insights.json"))["tables"]["needs"] == []
    assert len(exports(store)) == 1


@pytest.mark.parametrize("path, message", [
    ("/export/csv?from=2026-11-32", "「2026-11-32」不是有效的日期"),
    ("/export/csv?from=2026-11-15&to=2026-11-02", "晚於結束日期"),
    ("/export/xlsx", "沒有「xlsx」這種下載格式"),
])
async def test_bad_downloads_are_400_and_not_audited(staff: Any, store: InsightsStore, path: str,
                                                     message: str) -> None:
    response = await staff.get(path)
    assert response.status == 400 and message in await response.text()
    assert exports(store) == []
