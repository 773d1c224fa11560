"""Marking a need category addressed: CSRF-checked, stored with its audit row, shown after."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from sqlalchemy import select

from bot.dashboard.tables import addressed_categories
from bot.insights.store import InsightsStore

from .support import STAFF, csrf_of, sign_in, tables

NOTES = {"note_zh": "新增夜間托育補助，詳見社會局網站。", "note_en": "Night-time childcare subsidy added."}


async def post(client: Any, data: Dict[str, str], token: Any = "page") -> Any:
    if token == "page":
        token = csrf_of(await (await client.get("/addressed")).text())
    form = {**data, **({} if token is None else {"csrf": token})}
    return await client.post("/addressed", data=form, allow_redirects=False)


def markers(store: InsightsStore) -> list:
    with store.engine.connect() as connection:
        return connection.execute(select(addressed_categories)).mappings().all()


async def test_marking_stores_the_marker_and_an_audit_row(staff: Any, store: InsightsStore) -> None:
    response = await post(staff, {"category": "childcare", **NOTES})
    assert response.status == 303 and response.headers["Location"] == "/addressed?marked=childcare"
    (marker,) = markers(store)
    assert (marker["category"], marker["staff"], marker["note_en"]) == ("childcare", STAFF,
                                                                        NOTES["note_en"])
    (entry,) = [e for e in store.audit_log() if e.action == "dashboard.mark_addressed"]
    assert entry.actor == f"staff:{STAFF}"
    assert entry.detail == {"category": "childcare", "marker": marker["id"]}  # no free text
    html = await (await staff.get("/addressed?marked=childcare")).text()
    assert "已記錄：育兒與托育" in html
    assert tables(html)["markers-table"][1][1:] == ["育兒與托育", NOTES["note_zh"], NOTES["note_en"], STAFF,
                                                    "未自動通知"]  # no follow-up target configured
    assert "請用 coserve followup send 傳送" in html


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_a_missing_or_wrong_csrf_token_is_403(staff: Any, store: InsightsStore, token: Any) -> None:
    response = await post(staff, {"category": "childcare", **NOTES}, token)
    assert response.status == 403 and "表單已失效" in await response.text()
    assert markers(store) == []
    assert not any(entry.action == "dashboard.mark_addressed" for entry in store.audit_log())


async def test_another_sessions_token_is_403(staff: Any, make_client: Any, store: InsightsStore) -> None:
    other = await make_client()
    await sign_in(other)
    token = csrf_of(await (await other.get("/addressed")).text())
    assert (await post(staff, {"category": "childcare", **NOTES}, token)).status == 403
    assert markers(store) == []


@pytest.mark.parametrize("data, status, message", [
    ({"category": "spaceflight", **NOTES}, 400, "「spaceflight」不是「服務領域」的選項"),
    ({"category": "childcare", "note_zh": "只有中文", "note_en": " "}, 400, "請填寫中文與英文說明"),
    ({"category": "childcare", "note_zh": "長" * 1001, "note_en": "x"}, 400, "各 1000 字以內"),
])
async def test_bad_markers_are_refused(staff: Any, store: InsightsStore, data: Dict[str, str],
                                       status: int, message: str) -> None:
    response = await post(staff, data)
    html = await response.text()
    assert response.status == status and message in html
    assert markers(store) == []
    if data["category"] == "childcare":  # the form keeps what was typed
        assert 'value="childcare" selected' in html and data["note_zh"] in html
