"""action_link_account / action_unlink_account, "show my data" and "delete my data" across linked
screens: saved trackers, the real domain, CollectingDispatcher, a temporary database."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, insert, select

from bot.actions.common import identity_of, person_of
from bot.actions.linking import ActionLinkAccount, ActionUnlinkAccount
from bot.actions.my_data import ActionShowMyData, forget_person
from bot.i18n import t
from bot.insights.database import StoreUnavailable
from bot.insights.records import Purpose
from bot.privacy.tracker_store import _metadata, events

WEB, TELEGRAM = "link_asked_mid_need_web", "link_code_typed_telegram"


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["text"] for m in dispatcher.messages]


def issue(tracker, domain) -> str:  # type: ignore[no-untyped-def]
    """Asks for a code on the web screen (mid-need) and returns it."""
    dispatcher = CollectingDispatcher()
    assert ActionLinkAccount().run(dispatcher, tracker(WEB), domain) == []
    (text,) = texts(dispatcher)
    code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
    assert text == t("link_code_issued", "zh-TW", code=code, minutes=10)
    return code


def redeem(tracker, domain, code: str, text: str = "連結 {code}", entities: Any = None, **slots: Any):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    state = tracker(TELEGRAM, text=text.format(code=code), entities=entities if entities is not None else [], **slots)
    return dispatcher, state, ActionLinkAccount().run(dispatcher, state, domain)


def test_a_code_is_issued_with_the_open_need_and_says_what_linking_means(tracker, domain, services) -> None:
    code = issue(tracker, domain)
    message = t("link_code_issued", "zh-TW", code=code, minutes=10)
    assert f"「連結 {code}」" in message and "偏好設定和還沒完成的需求" in message and "取消連結" in message
    assert "刪除我的資料" in message
    english = CollectingDispatcher()
    ActionLinkAccount().run(english, tracker(WEB, language="en"), domain)
    assert re.fullmatch(r"Your link code is \d{6}\. Within 10 minutes, type \"link \d{6}\".*", texts(english)[0], re.S)


def test_redeeming_links_the_screens_and_the_need_goes_on_at_its_next_question(tracker, domain, services) -> None:
    web = tracker(WEB)
    services.insights.grant(person_of(web), Purpose.INSIGHTS, "2026-11")
    code = issue(tracker, domain)
    dispatcher, telegram, events = redeem(tracker, domain, code)
    assert texts(dispatcher) == [t("link_done", "zh-TW", count=2, screens="網頁、Telegram"),
                                 t("link_need_continues", "zh-TW")]
    assert person_of(telegram) == person_of(web) == identity_of(web) != identity_of(telegram)
    assert events == [
        SlotSet("consent_insights", "granted"),
        SlotSet("need_text", "我爸爸中風後需要有人白天照顧"), SlotSet("need_category", "elderly_care"),
        SlotSet("need_category_confirmed", True), SlotSet("beneficiary", "family"), SlotSet("need_area", None),
        SlotSet("need_urgency", None), SlotSet("need_contact", None), SlotSet("target_group", "elderly"),
        SlotSet("need_id", None), FollowupAction("need_form"),
    ]


def test_a_complete_need_goes_straight_to_its_summary(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionLinkAccount().run(dispatcher, tracker(WEB, need_area="taipei/daan", need_urgency="urgent",
                                                need_contact="chat", requested_slot=None), domain)
    code = re.search(r"\d{6}", texts(dispatcher)[0]).group(0)  # type: ignore[union-attr]
    _, _, events = redeem(tracker, domain, code, consent_insights="declined")
    assert events[-1] == FollowupAction("action_summarise_need")
    assert SlotSet("consent_insights", "granted") not in events, "a no on this screen is not overridden"


def test_mid_form_on_the_new_screen_the_form_rule_goes_on(tracker, domain, services) -> None:
    code = issue(tracker, domain)
    mid_form = tracker(WEB)  # a mid-need tracker, but another web session's
    assert mid_form.active_loop_name == "need_form"
    dispatcher = CollectingDispatcher()
    mid_form.sender_id = "another-web-session"
    mid_form.latest_message["text"] = f"連結 {code}"
    events = ActionLinkAccount().run(dispatcher, mid_form, domain)
    assert texts(dispatcher)[0] == t("link_done", "zh-TW", count=2, screens="網頁、網頁")
    assert not any(e.get("event") == "followup" for e in events)


def test_a_code_without_a_need_just_links(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    ActionLinkAccount().run(dispatcher, tracker(TELEGRAM, text="link my accounts", entities=[], language="en"), domain)
    code = re.search(r"\d{6}", texts(dispatcher)[0]).group(0)  # type: ignore[union-attr]
    dispatcher = CollectingDispatcher()
    events = ActionLinkAccount().run(dispatcher, tracker(WEB, text=f"link {code}", language="en"), domain)
    assert texts(dispatcher) == [t("link_done", "en", count=2, screens="Telegram, web chat")]
    assert events == []


@pytest.mark.parametrize("typed", [
    "連結 {code}", "連結{code}", "連結碼 {spaced}", "連結 {wide}", '/link_account{{"link_code":"{code}"}}'])
def test_the_code_is_read_however_it_is_typed(tracker, domain, services, typed: str) -> None:
    code = issue(tracker, domain)
    wide = code.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    text = typed.format(code=code, spaced=f"{code[:3]} {code[3:]}", wide=wide)
    dispatcher = CollectingDispatcher()
    ActionLinkAccount().run(dispatcher, tracker(TELEGRAM, text=text, entities=[]), domain)
    assert texts(dispatcher)[0].startswith("連結完成")


def test_failures_say_what_went_wrong(tracker, domain, services) -> None:
    code = issue(tracker, domain)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    dispatcher, _, events = redeem(tracker, domain, wrong)
    assert (texts(dispatcher), events) == ([t("link_code_wrong", "zh-TW")], [])
    dispatcher, _, _ = redeem(tracker, domain, "12345")
    assert texts(dispatcher) == [t("link_code_format", "zh-TW")]
    dispatcher = CollectingDispatcher()
    ActionLinkAccount().run(dispatcher, tracker(WEB, text=f"連結 {code}"), domain)
    assert texts(dispatcher) == [t("link_same_screen", "zh-TW", code=code)]
    redeem(tracker, domain, code)
    dispatcher, _, _ = redeem(tracker, domain, issue(tracker, domain))
    assert texts(dispatcher) == [t("link_already", "zh-TW", count=2, screens="網頁、Telegram")]


def test_an_expired_or_used_code_is_named(tracker, domain, services) -> None:
    code = issue(tracker, domain)
    other = tracker(TELEGRAM, text=f"連結 {code}", entities=[])
    other.sender_id = "987654321"
    ActionLinkAccount().run(CollectingDispatcher(), other, domain)
    dispatcher, _, _ = redeem(tracker, domain, code)
    assert texts(dispatcher) == [t("link_code_used", "zh-TW")]
    services.linking.links._clock = lambda: services.insights._clock() + timedelta(minutes=20)
    code = issue(tracker, domain)
    services.linking.links._clock = lambda: services.insights._clock() + timedelta(minutes=31)
    dispatcher, _, _ = redeem(tracker, domain, code)
    assert texts(dispatcher) == [t("link_code_expired", "zh-TW", minutes=10)]


def test_guessing_is_stopped_after_five_wrong_codes(tracker, domain, services) -> None:
    code = issue(tracker, domain)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        redeem(tracker, domain, wrong)
    dispatcher, telegram, events = redeem(tracker, domain, code)
    assert (texts(dispatcher), events) == ([t("link_too_many_attempts", "zh-TW", minutes=60)], [])
    assert person_of(telegram) == identity_of(telegram), "not linked"


def test_a_database_that_is_down_gives_a_clear_answer(tracker, domain, services, monkeypatch) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("connection refused")

    for name in ("issue", "redeem", "unlink"):
        monkeypatch.setattr(services.linking.links, name, down)
    monkeypatch.setattr(services.linking.links, "resolve", down)
    for action, state in ((ActionLinkAccount(), tracker(WEB)), (ActionLinkAccount(), tracker(TELEGRAM)),
                          (ActionUnlinkAccount(), tracker(TELEGRAM))):
        dispatcher = CollectingDispatcher()
        assert action.run(dispatcher, state, domain) == []
        assert texts(dispatcher) == [t("data_unavailable", "zh-TW")]
    assert person_of(tracker(TELEGRAM)) == identity_of(tracker(TELEGRAM)), "resolving falls back, never fails"


def test_unlinking_this_screen(tracker, domain, services) -> None:
    redeem(tracker, domain, issue(tracker, domain))
    dispatcher = CollectingDispatcher()
    events = ActionUnlinkAccount().run(dispatcher, tracker(TELEGRAM, consent_insights="granted"), domain)
    assert texts(dispatcher) == [t("unlink_done", "zh-TW")]
    assert events == [SlotSet("consent_insights", None), SlotSet("consent_followup", None)]
    assert person_of(tracker(TELEGRAM)) == identity_of(tracker(TELEGRAM))
    dispatcher = CollectingDispatcher()
    assert ActionUnlinkAccount().run(dispatcher, tracker(TELEGRAM), domain) == []
    assert texts(dispatcher) == [t("unlink_nothing", "zh-TW")]


def test_show_my_data_lists_linked_screens_by_channel_only(tracker, domain, services) -> None:
    redeem(tracker, domain, issue(tracker, domain))
    dispatcher = CollectingDispatcher()
    ActionShowMyData().run(dispatcher, tracker(TELEGRAM), domain)
    assert texts(dispatcher)[1] == t("show_linked_screens", "zh-TW", count=2, screens="網頁、Telegram")
    everything = json.dumps(dispatcher.messages, ensure_ascii=False)
    for raw in ("123456789", "5f0c3b0e9a0d4c1e8f6b7a2d3c4e5f60", person_of(tracker(WEB))):
        assert raw not in everything


def _tracker_store(path: Path, conversations: Dict[str, str]) -> str:
    """A Rasa SQL tracker store holding one user event per (sender, channel)."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    _metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, channel in conversations.items():
            connection.execute(insert(events).values(sender_id=sender, type_name="user", timestamp=1.0,
                                                     data=json.dumps({"event": "user", "input_channel": channel})))
    engine.dispose()
    return url


def test_delete_on_one_screen_deletes_the_person_and_every_screens_conversation(
        tracker, domain, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web = tracker(WEB)
    person = person_of(web)
    services.insights.grant(person, Purpose.PERSONALISATION, "2026-11")
    services.insights.set_preference(person, "easy_reading", "on")
    redeem(tracker, domain, issue(tracker, domain))
    url = _tracker_store(tmp_path / "trackers.db", {web.sender_id: "socketio", "123456789": "telegram",
                                                    "someone-else": "socketio"})
    services.linking._tracker_store = url
    dispatcher = CollectingDispatcher()
    result = forget_person(dispatcher, tracker(TELEGRAM, language="en"))
    assert SlotSet("forget_requested", True) in result
    count = int(re.search(r"\((\d+) records\)", texts(dispatcher)[0]).group(1))  # type: ignore[union-attr]
    assert texts(dispatcher) == [t("data_deleted_linked", "en", count=count, screens=1)]
    assert services.insights.summary(person).total_records == 0
    assert person_of(tracker(TELEGRAM)) == identity_of(tracker(TELEGRAM)), "unlinked"
    engine = create_engine(url)
    with engine.connect() as connection:
        left = sorted(row.sender_id for row in connection.execute(select(events.c.sender_id)))
    engine.dispose()
    # the other screen's conversation is gone; this one is erased by the tracker store itself
    assert left == ["123456789", "someone-else"]
    assert services.insights.audit_log(person, limit=1)[0].detail == {"conversations": 1, "events": 1, "screens": 1}


def test_conversations_that_cannot_be_reached_are_left_for_staff(tracker, domain, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    redeem(tracker, domain, issue(tracker, domain))
    web_screen = identity_of(tracker(WEB))
    services.linking._tracker_store = "postgresql://nobody@127.0.0.1:9/nothing"
    dispatcher = CollectingDispatcher()
    forget_person(dispatcher, tracker(TELEGRAM))
    assert texts(dispatcher)[0].startswith("已刪除您的資料") and "工作人員" in texts(dispatcher)[0]
    (entry,) = [e for e in services.insights.audit_log(web_screen) if e.action == "forget.conversations.pending"]
    assert entry.detail == {"reason": "OperationalError"}
