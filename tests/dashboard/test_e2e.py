"""End to end in headless Chromium: sign in, see the charts, filter, download a CSV, mark a
category addressed, switch language, sign out; on a year-like synthetic database.

Screenshots go to a temporary directory; with ``COSERVE_UPDATE_SCREENSHOTS=1`` they replace
docs/screenshots/dashboard-*.png (look at them before committing).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, Iterator, List
from urllib.parse import urlsplit

import pytest
from insights.support import Clock
from web.support import CHROMIUM, CHROMIUM_ARGS, BackgroundApp

from bot.dashboard.app import create_app
from bot.dashboard.config import DashboardSettings
from bot.dashboard.users import StaffUsers
from bot.insights.store import InsightsStore
from bot.insights.synthetic import generate

from .support import PASSWORD, STAFF, open_handoffs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HANDOFFS = ["我爸爸中風出院，想申請長照居家服務，請專人聯絡 [電話]",
            "My landlord is evicting us next week, I need housing help", "想問育兒津貼的申請進度"]


class Server(BackgroundApp):
    """The dashboard in a background thread with its own event loop."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Server]:
    """Twelve weeks of synthetic needs and searches for 700 people, three hand-offs, the
    offline embedder for the knowledge-gap clusters."""
    directory = tmp_path_factory.mktemp("dashboard-e2e")
    clock = Clock()
    store = InsightsStore(f"sqlite:///{directory / 'insights.db'}", spool_path=directory / "spool.jsonl",
                          clock=clock).open()
    store.migrate()
    generate(store.engine, people=700, records=7000, start=date(2026, 8, 31), days=84, seed=3)
    StaffUsers(store, clock).add(STAFF, PASSWORD)
    open_handoffs(store, clock, HANDOFFS, clock.now)
    running = Server(create_app(store, DashboardSettings(secure_cookies=False), k=5,
                                encoder=embedder, now=clock))
    yield running
    running.stop()
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium: run scripts/install_browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("COSERVE_UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_staff_journey(browser: Any, server: Server, screenshots: Path, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: List[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.extend(
        [] if urlsplit(request.url).netloc == f"127.0.0.1:{server.port}" else [request.url]))

    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login?next=")
    page.get_by_label("帳號").fill(STAFF)
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(server.url + "/")
    assert page.locator("svg[role=img]").count() == 3
    assert page.get_by_role("img", name="每週需求趨勢：前五大服務領域（人次）").is_visible()
    page.screenshot(path=str(screenshots / "dashboard-overview-zh-TW.png"), full_page=True)

    page.get_by_label("地區", exact=True).select_option("taipei:daan")
    page.get_by_role("button", name="套用").click()
    page.wait_for_url("**area=taipei%3Adaan**")
    places = page.locator("#districts-table tbody th").all_text_contents()
    assert places and set(places) <= {"大安區", "其他（合併）"}

    with page.expect_download(timeout=120_000) as waiting:  # the first clustering embeds ~200 texts
        page.get_by_role("link", name="CSV").click()
    archive = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(archive)
    with zipfile.ZipFile(archive) as files:
        needs = list(csv.DictReader(io.StringIO(files.read("needs.csv").decode("utf-8-sig"))))
    assert needs and {row["district"] for row in needs} <= {"daan", "*"}
    assert min(int(row["people"]) for row in needs) >= 5

    page.get_by_role("link", name="知識缺口").click()
    assert page.locator("#clusters-table tbody tr").count() > 0
    page.screenshot(path=str(screenshots / "dashboard-gaps-zh-TW.png"), full_page=True)

    page.get_by_role("link", name="待回覆轉接").click()
    assert page.get_by_text("共 3 件等待中").is_visible()

    page.get_by_role("link", name="已回應的需求").click()
    page.get_by_label("服務領域", exact=True).select_option("childcare")
    page.get_by_label("說明（中文）").fill("新增夜間托育補助，申請方式請見社會局網站。")
    page.get_by_label("說明（英文）").fill("A night-time childcare subsidy was added; see the Social "
                                       "Welfare Department's site.")
    page.get_by_role("button", name="標記為已回應").click()
    assert page.get_by_role("status").inner_text() == "已記錄：育兒與托育。"

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Mark a need category as addressed").is_visible()
    page.screenshot(path=str(screenshots / "dashboard-addressed-en.png"), full_page=True)
    page.get_by_role("link", name="Needs overview").click()
    assert page.get_by_role("img", name="Needs by district (person-cells)").is_visible()
    page.screenshot(path=str(screenshots / "dashboard-overview-en.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(server.url + "/login")
    page.goto(server.url + "/handoffs")
    assert "/login?next=" in page.url
    context.close()
    assert problems == []
