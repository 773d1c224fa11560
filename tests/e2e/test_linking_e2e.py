"""One person, many screens, end to end: the trained model, the real action server and Rasa's
SQL tracker store. A web (socket.io) conversation asks for a code in the middle of a need; a
Telegram conversation types it; the need goes on there, preferences set on either screen show
on the other, and "delete my data" on Telegram erases the web conversation too."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any, Callable, List

import pytest
from sqlalchemy import create_engine, select

from bot.i18n import t
from bot.insights.links import IdentityLinks
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id
from bot.privacy.tracker_store import events

pytestmark = pytest.mark.e2e
KEY = "e2e-test-key"  # the action server's COSERVE_PSEUDONYM_KEY


@pytest.fixture
def linking_agent(agent_with_store: Callable[..., Any], e2e_data: Path) -> Any:
    """The trained model with the forgetting SQL tracker store the action server erases in."""
    from bot.privacy.tracker_store import ForgettingSQLTrackerStore

    store = ForgettingSQLTrackerStore(domain=None, host=f"sqlite:///{e2e_data / 'trackers.db'}")
    return agent_with_store(store, "link_account")


class Screen:
    """One channel account talking to the assistant."""

    def __init__(self, agent: Any, sender: str, channel: str) -> None:
        self.agent, self.sender, self.channel = agent, sender, channel

    def say(self, text: str) -> List[str]:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, self.sender, input_channel=self.channel)
        asyncio.run(self.agent.handle_message(message))
        return [m.get("text", "") for m in collector.messages]

    def slot(self, name: str) -> Any:
        tracker = asyncio.run(self.agent.tracker_store.get_or_create_tracker(self.sender))
        return tracker.get_slot(name)


def test_link_web_to_telegram_and_carry_on(linking_agent: Any, e2e_data: Path) -> None:
    web = Screen(linking_agent, uuid.uuid4().hex, "socketio")
    telegram = Screen(linking_agent, str(uuid.uuid4().int % 10 ** 10), "telegram")

    web.say("/consent_give")
    web.say("/personalisation_on")
    assert web.say('/set_preference{"easy_reading":"on"}')[0] == t("preference_saved", "zh-TW")
    asked = web.say("我爸爸中風了，白天需要有人照顧他")
    assert any(r.startswith("聽起來是") for r in asked), asked
    asked = web.say("對")
    if any(r.startswith("這是您自己") for r in asked):  # asked unless 「我爸爸」 already said who
        asked = web.say("是幫我爸問的")
    assert any(r.startswith("請問住在哪一區") for r in asked), asked
    assert web.slot("beneficiary") == "family"

    replies = web.say("可以幫我把網頁跟Telegram連在一起嗎")  # mid-form: a code, then the form asks again
    code = re.search(r"您的連結碼是 (\d{6})", replies[0]).group(1)  # type: ignore[union-attr]
    assert replies[0] == t("link_code_issued", "zh-TW", code=code, minutes=10)
    assert replies[-1].startswith("請問住在哪一區")

    parsed = asyncio.run(linking_agent.parse_message(f"連結 {code}"))
    assert parsed["intent"]["name"] == "link_account"
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "link_code"] == [code]

    replies = telegram.say(f"連結 {code}")
    assert replies[:2] == [t("link_done", "zh-TW", count=2, screens="網頁、Telegram"),
                           t("link_need_continues", "zh-TW")]
    assert replies[2].startswith("請問住在哪一區"), "the need goes on at its next question"
    assert telegram.slot("consent_insights") == "granted"

    store = InsightsStore(f"sqlite:///{e2e_data / 'coserve.db'}", spool_path=e2e_data / "spool" / "insights.jsonl")
    try:
        links = IdentityLinks(store.open().db, KEY)
        web_person = pseudonymous_id(KEY, "socketio", web.sender)
        assert links.resolve(pseudonymous_id(KEY, "telegram", telegram.sender)) == web_person

        # a preference set on the web shows on Telegram, and one set on Telegram on the web
        assert "• 易讀模式：開啟" in telegram.say("/show_preferences")[0]
        telegram.say('/set_preference{"answer_length":"detailed"}')
        assert store.preferences(web_person)["answer_length"] == "detailed"
        assert "• 回答長度：詳細" in web.say("/show_preferences")[0]

        # the need, finished on Telegram
        replies = telegram.say("我住大安區")
        for _ in range(3):
            if any(r.startswith("我整理一下您的需求") for r in replies):
                break
            replies = telegram.say({"這件事有多急": "很急", "如果市府有後續消息": "在這裡回我就好"}[
                next(p for p in ("這件事有多急", "如果市府有後續消息") if any(r.startswith(p) for r in replies))])
        summary = next(r for r in replies if r.startswith("我整理一下您的需求"))
        assert "中風" in summary and "大安區" in summary and "家人" in summary
        telegram.say("對")
        assert [need.category for need in store.needs(web_person)] == ["elderly_care"]

        # delete on Telegram: the person, both screens' links and the web conversation go
        assert telegram.say("我要刪除我的資料")[0] == t("ask_delete_confirm", "zh-TW")
        deleted = telegram.say("對")[0]
        assert deleted.startswith("已刪除您的資料") and "1 個連結的畫面" in deleted
        assert store.summary(web_person).total_records == 0 and links.channels(web_person) == []
    finally:
        store.close()
    engine = create_engine(f"sqlite:///{e2e_data / 'trackers.db'}")
    with engine.connect() as connection:
        senders = {row.sender_id for row in connection.execute(select(events.c.sender_id))}
    engine.dispose()
    assert web.sender not in senders, "the web conversation is erased from the tracker store"
    assert telegram.slot("consent_insights") is None, "this conversation starts afresh"
