from datetime import datetime, timezone

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.my_data import ActionDeleteMyData, ActionShowMyData, consent_state
from bot.i18n import t
from bot.insights.database import StoreUnavailable
from bot.insights.records import Consent, Purpose
from bot.privacy.pseudonym import pseudonymous_id


def test_show_my_data_lists_language_every_consent_and_counts(tracker, domain, services) -> None:
    state = tracker("consented_person_asks_en", consent_followup="withdrawn")
    person = person_of(state)
    services.insights.grant(person, Purpose.INSIGHTS, "2026-11")
    services.insights.grant(person, Purpose.PERSONALISATION, "2026-11")
    services.insights.grant(person, Purpose.FOLLOWUP, "2026-11")
    services.insights.withdraw(person, Purpose.FOLLOWUP)
    services.insights.record_feedback(person, "More benches in the park please")
    dispatcher = CollectingDispatcher()
    assert ActionShowMyData().run(dispatcher, state, domain) == []
    text = dispatcher.messages[0]["text"]
    assert text == t("show_my_data", "en", language_label="English", consent_insights="given",
                     consent_personalisation="given", consent_followup="withdrawn",
                     record_count=services.insights.summary(person).total_records)
    assert "• Consent to record needs (to improve services): given\n" in text
    assert "• Consent to personalisation (remembering your preferences): given\n" in text
    assert "• Consent to follow-up messages (news about your need): withdrawn\n" in text


def test_show_my_data_in_chinese_says_what_was_declined_and_what_is_undecided(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", consent_insights="declined")
    dispatcher = CollectingDispatcher()
    assert ActionShowMyData().run(dispatcher, state, domain) == []
    text = dispatcher.messages[0]["text"]
    assert text == t("show_my_data", "zh-TW", language_label="中文", consent_insights="未同意",
                     consent_personalisation="尚未表示", consent_followup="尚未表示", record_count=0)
    assert "• 同意記錄需求（用來改善服務）：未同意\n" in text
    assert "• 同意個人化（記住您的偏好）：尚未表示\n" in text
    assert "• 同意後續通知（有新服務時告訴您）：尚未表示\n" in text


def test_show_my_data_in_chinese_with_follow_up_and_personalisation(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh", consent_insights="granted", consent_followup="granted")
    person = person_of(state)
    services.insights.grant(person, Purpose.INSIGHTS, "2026-11")
    services.insights.grant(person, Purpose.FOLLOWUP, "2026-11")
    services.insights.grant(person, Purpose.PERSONALISATION, "2026-11")
    services.insights.withdraw(person, Purpose.PERSONALISATION)  # "不要個人化推薦"
    dispatcher = CollectingDispatcher()
    ActionShowMyData().run(dispatcher, state, domain)
    text = dispatcher.messages[0]["text"]
    assert "• 同意記錄需求（用來改善服務）：已同意\n" in text
    assert "• 同意個人化（記住您的偏好）：已撤回\n" in text
    assert "• 同意後續通知（有新服務時告訴您）：已同意\n" in text


def _consent(purpose: Purpose, withdrawn: bool = False) -> Consent:
    now = datetime(2026, 11, 26, tzinfo=timezone.utc)
    return Consent(person=pseudonymous_id("key", "line", "U1"), purpose=purpose, policy_version="2026-11",
                   granted_at=now, withdrawn_at=now if withdrawn else None)


def test_the_store_decides_a_consent_and_a_no_comes_from_the_conversation() -> None:
    granted, withdrawn = [_consent(Purpose.FOLLOWUP)], [_consent(Purpose.FOLLOWUP, withdrawn=True)]
    assert consent_state(Purpose.FOLLOWUP, granted, None) == "granted"  # given on a linked screen
    assert consent_state(Purpose.FOLLOWUP, withdrawn, "granted") == "withdrawn"  # withdrawn on another
    assert consent_state(Purpose.FOLLOWUP, [], "declined") == "declined"  # a "no" is stored nowhere
    assert consent_state(Purpose.FOLLOWUP, [], "granted") == "granted"  # a "yes" still in the spool
    assert consent_state(Purpose.FOLLOWUP, [_consent(Purpose.INSIGHTS)], None) == "unknown"
    assert consent_state(Purpose.PERSONALISATION, [], None) == "unknown"


def test_delete_asks_for_confirmation_first(tracker, domain, services) -> None:
    dispatcher = CollectingDispatcher()
    assert ActionDeleteMyData().run(dispatcher, tracker("new_person_greets"), domain) == []
    (message,) = dispatcher.messages
    assert message["question"] == "delete_my_data"
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


def test_a_database_that_is_down_gives_a_clear_answer(tracker, domain, services, monkeypatch) -> None:
    def down(*args, **kwargs):
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(services.insights, "summary", down)
    dispatcher = CollectingDispatcher()
    assert ActionShowMyData().run(dispatcher, tracker("new_person_greets"), domain) == []
    assert dispatcher.messages[0]["text"] == t("data_unavailable", "zh-TW")
