"""The needs dialogue and the four faces of customization, through the trained model."""

import datetime as dt
import re
from pathlib import Path
from typing import Any, Dict
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.i18n import t

pytestmark = pytest.mark.e2e


def texts(messages):
    return [m.get("text") for m in messages if m.get("text")]


def domain_response(name: str, language: str) -> str:
    """The text of a domain response (utter_*) in one language."""
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    return next(variant["text"] for variant in domain["responses"][name]
                if {"type": "slot", "name": "language", "value": language} in variant.get("condition", []))


ANSWERS_ZH = {  # the start of each question -> what a person might answer
    "聽起來是": "對",
    "這是您自己": "是幫我爸問的",
    "請問住在哪一區": "我住大安區",
    "這件事有多急": "很急",
    "如果市府有後續消息": "在這裡回我就好",
}


def answer_until_summary(conversation, replies, answers, summary_start, limit=6):
    """Answers each question of the form; returns the summary and the number of turns used."""
    turns = 0
    while not any(r.startswith(summary_start) for r in replies):
        assert turns < limit, f"form did not finish: {replies}"
        question = next(prefix for prefix in answers if any(r.startswith(prefix) for r in replies))
        replies = conversation.texts(answers[question])
        turns += 1
    return next(r for r in replies if r.startswith(summary_start)), turns


def test_zh_complete_form_in_at_most_six_turns_when_area_and_group_are_given(conversation) -> None:
    conversation.say("/consent_give")
    replies = conversation.texts("我住大安區，家裡的長輩最近跌倒，白天需要有人照顧")
    summary, answered = answer_until_summary(conversation, replies, ANSWERS_ZH, "我整理一下您的需求")
    assert "請問住在哪一區" not in " ".join(replies)  # the area was already given
    assert "大安區" in summary and "很急" in summary
    final = conversation.say("對")
    assert any(m.get("custom", {}).get("cards") for m in final)
    assert t("ask_fit", "zh-TW") in texts(final)
    assert texts(conversation.say('/rate_fit{"fit":"fits"}')) == [
        t("fit_thanks", "zh-TW"), t("ask_followup", "zh-TW", area="長者與長期照顧")]
    assert 1 + answered <= 6  # the form completes (summary shown) within six turns


def test_en_correction_mid_form_and_stopping_halfway(conversation) -> None:
    replies = conversation.texts("I just lost my job and can't pay next month's rent")
    assert replies  # the first question of the form
    replies = conversation.texts("it's for me, I live in Wenshan")
    assert not any("Let me sum up" in r for r in replies)
    assert conversation.slot("need_area") == "taipei/wenshan"
    conversation.texts("actually I live in Neihu")
    assert conversation.slot("need_area") == "taipei/neihu"
    assert conversation.texts("never mind, stop") == [t("need_stopped", "en")]
    assert conversation.slot("need_text") is None


def test_zh_declined_consent_still_gets_help_but_nothing_is_kept(conversation) -> None:
    conversation.say("/consent_decline")
    conversation.say("我剛搬來臺北，帶兩個小孩，想找托育")
    for answer in ("對", "/inform{\"beneficiary\":\"self\"}", "我住信義區", "不急", "不用聯絡"):
        replies = conversation.texts(answer)
        if any(r.startswith("我整理一下您的需求") for r in replies):
            break
    final = conversation.say("對")
    assert any(m.get("custom", {}).get("cards") for m in final)
    assert conversation.slot("need_id") == "unrecorded"


def test_en_preferences_personalisation_off_and_why(conversation) -> None:
    assert conversation.texts("please give me short answers") == [t("preference_this_conversation", "en")]
    assert conversation.slot("answer_length") == "brief"
    conversation.say("how do I apply for long-term care for my mother?")
    why = conversation.texts("why am I seeing this?")
    assert why and why[0].startswith("I suggested")
    assert conversation.texts("turn off personalisation") == [t("personalisation_off", "en")]


def test_zh_handoff(conversation) -> None:
    replies = conversation.texts("我要找真人")
    assert replies and replies[0].startswith("已經幫您轉給市府專人（案件編號 #")


ANSWERS_EN = {  # as ANSWERS_ZH; no answer for the district: the first message gives it
    "It sounds like a need about": "yes, that's right",
    "Is this for yourself": "it's for my father",
    "How urgent is this": "quite urgent, he's alone all day",
    "If the city has news for you": "just reply here in the chat",
}
NEED_EN = "I live in Beitou and my elderly father fell last week, he needs someone to look after him during the day"


def test_en_complete_form_in_at_most_six_turns_when_area_and_group_are_given(conversation) -> None:
    conversation.say("/consent_give")
    replies = conversation.texts(NEED_EN)
    summary, answered = answer_until_summary(conversation, replies, ANSWERS_EN, "Let me sum up your need")
    assert (conversation.slot("need_area"), conversation.slot("target_group")) == ("taipei/beitou", "elderly")
    assert conversation.slot("need_urgency") == "urgent"  # asked: "last week" is no urgency
    assert "Beitou" in summary and "it is urgent" in summary and "(older people)" in summary
    assert 1 + answered <= 6  # the form completes (summary shown) within six turns
    conversation.say("yes")
    assert conversation.slot("need_id").isdigit()  # recorded, with consent


def test_en_confirmed_need_gets_service_cards_and_the_fit_question(conversation) -> None:
    conversation.say("/consent_give")
    answer_until_summary(conversation, conversation.texts(NEED_EN), ANSWERS_EN, "Let me sum up your need")
    final = conversation.say("yes")
    assert any(m.get("custom", {}).get("cards") for m in final)
    assert t("ask_fit", "en") in texts(final)
    assert texts(conversation.say('/rate_fit{"fit":"fits"}')) == [
        t("fit_thanks", "en"), t("ask_followup", "en", area="Elderly and long-term care")]


def test_zh_correction_mid_form_changes_who_it_is_for_and_the_district(conversation) -> None:
    replies = conversation.texts("我膝蓋開刀後走路不方便，想找人白天來家裡幫忙")
    assert any(r.startswith("聽起來是") for r in replies)
    assert any(r.startswith("這是您自己") for r in conversation.texts("對"))
    assert any(r.startswith("請問住在哪一區") for r in conversation.texts("我自己要用的"))
    assert conversation.slot("beneficiary") == "self"
    replies = conversation.texts("不是，是我媽媽要用的")  # a correction, not an answer to the question
    assert conversation.slot("beneficiary") == "family"
    assert any(r.startswith("請問住在哪一區") for r in replies)  # the form goes on where it was
    assert any(r.startswith("這件事有多急") for r in conversation.texts("她住萬華區"))
    assert conversation.slot("need_area") == "taipei/wanhua"
    replies = conversation.texts("啊不對，她是住在中正區")
    assert conversation.slot("need_area") == "taipei/zhongzheng"
    assert any(r.startswith("這件事有多急") for r in replies)
    assert not any(r.startswith("我整理一下您的需求") for r in replies)
    conversation.texts("不急")
    summary = next(r for r in conversation.texts("在這裡回我就好") if r.startswith("我整理一下您的需求"))
    assert "您的家人" in summary and "中正區" in summary and "萬華區" not in summary


def test_zh_stopping_halfway_keeps_nothing(conversation) -> None:
    conversation.say("/consent_give")
    replies = conversation.texts("我最近失業了，下個月的房租快付不出來")
    assert replies  # the first question of the form
    conversation.texts("是我自己")
    assert conversation.slot("need_text")
    assert conversation.texts("算了，我改天再說好了") == [t("need_stopped", "zh-TW")]
    assert conversation.slot("need_text") is None
    assert conversation.slot("beneficiary") is None


@pytest.mark.parametrize("language, need, goodbye", [
    ("zh-TW", "我阿公中風出院了，家裡沒有人會照顧", "不填了，掰掰"),
    ("en", "my landlord is selling the flat and I have to move out next month", "ok that's all for today, bye"),
])
def test_a_goodbye_in_the_middle_of_the_form_stops_it_and_keeps_nothing(conversation, language, need,
                                                                         goodbye) -> None:
    """Leaving mid-form ends the form (nothing kept) and says goodbye; before, the goodbye was
    answered and the same question asked again, as if the person had not left."""
    conversation.say("/consent_give")
    assert conversation.texts(need)  # the first question of the form
    replies = conversation.texts(goodbye)
    assert replies == [t("need_stopped", language), domain_response("utter_goodbye", language)]
    assert conversation.slot("requested_slot") is None
    assert conversation.slot("need_text") is None
    greeting = conversation.texts("你好" if language == "zh-TW" else "hello")
    assert not any(r.startswith(("聽起來是", "It sounds like")) for r in greeting)  # the form does not resume


def test_en_declined_consent_still_gets_help_but_nothing_is_kept(conversation, e2e_data) -> None:
    from bot.insights.store import InsightsStore
    from bot.privacy.pseudonym import pseudonymous_id

    conversation.say("hello")
    assert conversation.texts("no, I don't want you to keep any of my data") == [t("consent_declined", "en")]
    replies = conversation.texts("we just moved to Taipei with two small kids and I need to find daycare")
    answers = {"It sounds like a need about": "yes", "Is this for yourself": "for me",
               "Which district": "we're in Xinyi", "How urgent is this": "no rush",
               "If the city has news for you": "no need to contact me"}
    answer_until_summary(conversation, replies, answers, "Let me sum up your need")
    final = conversation.say("yes")
    assert any(m.get("custom", {}).get("cards") for m in final)
    assert conversation.slot("need_id") == "unrecorded"
    with InsightsStore(f"sqlite:///{e2e_data / 'coserve.db'}",
                       spool_path=e2e_data / "spool" / "insights.jsonl") as store:
        summary = store.summary(pseudonymous_id("e2e-test-key", "rest", conversation.sender))
    assert (summary.consents, summary.total_records, summary.preferences) == ([], 0, {})


def test_zh_preferences_personalisation_off_and_why(conversation) -> None:
    assert conversation.texts("回答簡短一點就好") == [t("preference_this_conversation", "zh-TW")]
    assert conversation.slot("answer_length") == "brief"
    conversation.say("我媽媽想申請長照服務，要怎麼辦？")
    why = conversation.texts("為什麼推薦這個？")
    assert why and why[0].startswith("我推薦「")
    assert conversation.texts("不要根據我的資料推薦東西") == [t("personalisation_off", "zh-TW")]
    assert "我沒有使用您的個人資料來排序" in conversation.texts("那為什麼推薦這個？")[0]


TAIPEI = ZoneInfo("Asia/Taipei")


def office_days(today: dt.date, open_now: bool) -> Dict[str, Any]:
    """Office hours that are open all of today and tomorrow, or closed on both (opening the
    day after tomorrow at 08:30): the same answer even if the test runs past midnight."""
    soon = {today.weekday(), (today.weekday() + 1) % 7}
    if open_now:
        return {"office_days": sorted(soon), "opens": "00:00", "closes": "23:59:59"}
    return {"office_days": sorted(set(range(7)) - soon), "opens": "08:30", "closes": "17:30"}


@pytest.mark.parametrize("language, message", [("en", "I'd like to talk to a human about this, please"),
                                               ("zh-TW", "可以幫我轉給真人嗎")])
@pytest.mark.parametrize("open_now", [True, False], ids=["office-hours", "after-hours"])
def test_handoff_says_honestly_when_staff_will_answer(conversation_with_settings, language, message,
                                                      open_now) -> None:
    today = dt.datetime.now(TAIPEI).date()
    conversation = conversation_with_settings(handoff=office_days(today, open_now))
    (reply,) = conversation.texts(message)
    reference = re.search(r"#\d+", reply)
    assert reference, reply
    if open_now:
        assert reply == t("handoff_office_hours", language, reference=reference.group(), hours=4)
    else:
        opening = today + dt.timedelta(days=2)
        weekday = opening.weekday()
        when = (f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][weekday]} {opening:%d %b} 08:30"
                if language == "en" else f"{opening.month}/{opening.day}（週{'一二三四五六日'[weekday]}）08:30")
        assert reply == t("handoff_after_hours", language, reference=reference.group(), when=when)


@pytest.mark.parametrize("language, need, unusable, usable, question, next_question", [
    ("en", NEED_EN, "for me", "no rush", "How urgent is this", "If the city has news for you"),
    ("zh-TW", "我住大安區，家裡的長輩最近跌倒，白天需要有人照顧", "他一個人住", "不急",
     "這件事有多急", "如果市府有後續消息"),
])
def test_an_answer_the_form_cannot_use_is_asked_again_once(conversation, language, need, unusable, usable,
                                                           question, next_question) -> None:
    """A reply that answers nothing the form asked (here: who it is for, or who he lives with,
    when asked how urgent) gets one "didn't catch that" and the same question, then the form goes
    on. Before, Rasa's core fallback looped: five apologies and five hand-overs for one reply."""
    answers = ANSWERS_EN if language == "en" else ANSWERS_ZH
    conversation.say("/consent_give")
    replies = conversation.texts(need)
    for _ in range(4):
        if any(r.startswith(question) for r in replies):
            break
        replies = conversation.texts(next(a for q, a in answers.items() if any(r.startswith(q) for r in replies)))
    assert any(r.startswith(question) for r in replies), replies
    replies = conversation.texts(unusable)
    assert replies == [t("form_answer_unclear", language), next(r for r in replies if r.startswith(question))]
    after = conversation.texts(usable)
    assert any(r.startswith(next_question) for r in after), after
