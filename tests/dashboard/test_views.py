"""The pages: charts with data tables, filters, bad input, empty periods, small cells, language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from insights.support import Clock
from insights.test_aggregate import people

from bot.dashboard.text import TEXT
from bot.insights.store import InsightsStore

from .support import STAFF, seed_small_cells, sign_in, tables

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "dashboard" / "templates"
WEEK_45 = "from=2026-11-02&to=2026-11-08"


async def page(client: Any, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, text
    return text


def column(table: list, index: int) -> list:
    return [row[index] for row in table[1:]]


async def test_overview_draws_charts_with_data_tables(staff: Any, store: InsightsStore, clock: Clock
                                                      ) -> None:
    seed_small_cells(store, clock)
    html = await page(staff, "/")
    assert html.count('role="img"') == 3  # districts, service areas, weekly trend
    for chart in ("districts", "areas", "trend"):
        assert f'aria-labelledby="{chart}-title"' in html and f'id="{chart}-table"' in html
    found = tables(html)
    assert dict(found["areas-table"][1:]) == {"長者與長期照顧": "6", "育兒與托育": "6"}
    assert found["trend-table"][0] == ["週", "育兒與托育", "長者與長期照顧"]  # ties by id
    assert ["2026-11-02", "0", "6"] in found["trend-table"]
    rising = tables(await page(staff, "/?from=2026-11-02&to=2026-11-15"))["rising-table"]
    assert rising[1:] == [["育兒與托育", "0", "6", "6"]]  # the period's last week against the one before


async def test_weeks_shown_once_due_stay_as_shown(staff: Any, store: InsightsStore, clock: Clock
                                                  ) -> None:
    """2026-W45 and W46 are more than 7 days over on 2026-11-26: the first view freezes them
    (audited in the staff member's name), so a later "forget me" changes no number shown."""
    seed_small_cells(store, clock)
    path = "/?from=2026-11-02&to=2026-11-15"
    before = tables(await page(staff, path))
    store.forget(people(store, 6, "daan")[0])  # one of the six in both weeks
    assert tables(await page(staff, path)) == before
    (entry,) = [e for e in store.audit_log() if e.action == "insights.freeze"]
    assert entry.actor == f"staff:{STAFF}" and entry.detail["weeks"] == 2


async def test_weeks_inside_the_grace_period_are_shown_live(make_client: Any, store: InsightsStore,
                                                            clock: Clock) -> None:
    client = await make_client(freeze_after_days=30)
    assert (await sign_in(client)).status == 303
    seed_small_cells(store, clock)
    path = "/?from=2026-11-02&to=2026-11-15"
    assert dict(tables(await page(client, path))["areas-table"][1:])["育兒與托育"] == "6"
    store.forget(people(store, 6, "daan")[0])
    assert dict(tables(await page(client, path))["areas-table"][1:])["育兒與托育"] == "5"
    assert not [e for e in store.audit_log() if e.action == "insights.freeze"]


async def test_a_cell_of_three_people_is_never_shown(staff: Any, store: InsightsStore, clock: Clock
                                                     ) -> None:
    seed_small_cells(store, clock)  # 6 in Da'an, 3 in Nangang, the same week and need
    for path in ("/", f"/?{WEEK_45}", f"/?{WEEK_45}&area=taipei:nangang", "/?lang=en"):
        found = tables(await page(staff, path))
        shown = [cell for name, rows in found.items() for row in rows for cell in row]
        assert "南港區" not in shown and "Nangang District" not in shown
        assert "3" not in shown and "9" not in shown  # neither the 3 nor 6 + 3
    nangang = tables(await page(staff, f"/?{WEEK_45}&area=taipei:nangang&lang=zh-TW"))
    assert len(nangang["districts-table"]) == 2 and "沒有資料" in nangang["districts-table"][1][0]


async def test_filters_select_published_rows(staff: Any, store: InsightsStore, clock: Clock) -> None:
    seed_small_cells(store, clock)
    daan = tables(await page(staff, "/?area=taipei:daan&group=parenting_family&channel=line"))
    assert dict(daan["areas-table"][1:]) == {"育兒與托育": "6"}
    assert tables(await page(staff, "/?channel=telegram"))["areas-table"][1][0].startswith("沒有資料")
    html = await page(staff, "/?from=2026-11-03&to=2026-11-10&area=taipei:daan")
    assert "顯示期間：2026-11-02 至 2026-11-15（2 週）" in html  # widened to whole weeks
    assert 'value="taipei:daan" selected' in html
    assert "area=taipei%3Adaan" in html  # downloads keep the filters


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01", "「2026-13-01」不是有效的日期"),
    ("to=2026-11-31", "「2026-11-31」不是有效的日期"),
    ("from=yesterday", "「yesterday」不是有效的日期"),
    ("from=2026-11-20&to=2026-11-01", "開始日期（2026-11-20）晚於結束日期（2026-11-01）"),
    ("from=2020-01-01&to=2026-11-01", "期間最長 731 天"),
    ("area=atlantis", "「atlantis」不是「地區」的選項"),
    ("group=%3Cscript%3E", "「&lt;script&gt;」不是「對象」的選項"),
    ("channel=fax", "「fax」不是「管道」的選項"),
])
@pytest.mark.parametrize("path", ["/", "/gaps"])
async def test_bad_filters_are_400_with_a_clear_message(staff: Any, path: str, query: str,
                                                        message: str) -> None:
    html = await page(staff, f"{path}?{query}", 400)
    assert message in html and "<script>" not in html


async def test_bad_dates_in_english(staff: Any) -> None:
    html = await page(staff, "/?lang=en&from=2026-02-30", 400)
    assert "“2026-02-30” is not a date; use YYYY-MM-DD." in html


@pytest.mark.parametrize("query", ["from=2019-01-07&to=2019-02-03", "from=2027-01-04&to=2027-01-10"])
async def test_a_period_without_data_is_an_empty_page_not_an_error(staff: Any, store: InsightsStore,
                                                                   clock: Clock, query: str) -> None:
    seed_small_cells(store, clock)
    html = await page(staff, f"/?{query}")
    assert "這段期間沒有足以公布的資料" in html and 'role="img"' not in html
    assert (await staff.get(f"/gaps?{query}")).status == 200


async def test_language_switch_is_remembered(staff: Any) -> None:
    chinese = await page(staff, "/")
    assert '<html lang="zh-Hant-TW">' in chinese and "需求總覽" in chinese
    assert 'href="/?lang=en" lang="en" hreflang="en">English</a>' in chinese
    english = await page(staff, "/?lang=en")
    assert '<html lang="en">' in english and "Needs overview" in english and "需求總覽" not in english
    assert "Needs overview" in await page(staff, "/handoffs")  # remembered in a cookie
    assert "待回覆轉接" in await page(staff, "/handoffs?lang=zh-TW")


async def test_sign_in_page_switches_language_too(client: Any) -> None:
    assert "Sign in" in await page(client, "/login?lang=en")
    assert "登入" in await page(client, "/login?lang=zh-TW")


def test_every_string_exists_in_both_languages_and_templates_use_only_known_keys() -> None:
    for key, label in TEXT.items():
        assert label.zh.strip() and label.en.strip(), key
        assert sorted(re.findall(r"{(\w+)}", label.zh)) == sorted(re.findall(r"{(\w+)}", label.en)), key
    used = {key for path in TEMPLATES.glob("*.html")
            for key in re.findall(r"\bt\('(\w+)'", path.read_text("utf-8"))}
    assert used and used <= set(TEXT), used - set(TEXT)


async def test_gap_clusters_show_groups_of_at_least_k_people(staff: Any, store: InsightsStore,
                                                             clock: Clock) -> None:
    from insights.test_aggregate import MONDAY, people

    now, clock.now = clock.now, MONDAY
    for person in people(store, 6, "gap"):
        store.record_search(person, "電動機車充電站申請", answered=False)
    for person in people(store, 2, "rare"):
        store.record_search(person, "公園晚上太吵要找誰", answered=False)
    clock.now = now
    html = await page(staff, f"/gaps?{WEEK_45}")
    rows = tables(html)["clusters-table"][1:]
    assert [(row[1], row[2], row[3]) for row in rows] == [("找不到答案", "電動機車充電站申請", "6")]
    assert "公園晚上太吵" not in html


async def test_gap_page_says_when_clustering_is_off(make_client: Any) -> None:
    from .support import sign_in

    client = await make_client(encoder=None)
    await sign_in(client)
    assert "未開啟語意分群" in await page(client, "/gaps")
