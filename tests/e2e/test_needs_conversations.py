"""The needs dialogue and the four faces of customization, through the trained model."""

import pytest

from bot.i18n import t

pytestmark = pytest.mark.e2e


def texts(messages):
    return [m.get("text") for m in messages if m.get("text")]


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
