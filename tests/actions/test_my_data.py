from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.my_data import ActionDeleteMyData, ActionShowMyData
from bot.i18n import t
from bot.insights.database import StoreUnavailable


def test_show_my_data_lists_language_consent_and_counts(tracker, domain, services) -> None:
    state = tracker("consented_person_asks_en")
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    services.insights.record_feedback(person, "More benches in the park please")
    dispatcher = CollectingDispatcher()
    assert ActionShowMyData().run(dispatcher, state, domain) == []
    expected = t("show_my_data", "en", language_label="English", consent_label="given",
                 record_count=services.insights.summary(person).total_records)
    assert dispatcher.messages[0]["text"] == expected


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
