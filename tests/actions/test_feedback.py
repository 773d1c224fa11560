from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import person_of
from bot.actions.feedback import ActionRecordFeedback
from bot.i18n import t


def test_feedback_is_kept_redacted_with_consent(tracker, domain, services) -> None:
    state = tracker("consented_person_gives_feedback")
    state.latest_message["text"] = "櫃台等太久了，我的電話0912-345-678請回電"
    person = person_of(state)
    services.insights.grant(person, "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    assert ActionRecordFeedback().run(dispatcher, state, domain) == []
    assert dispatcher.messages[0]["text"] == t("feedback_thanks", "zh-TW")
    assert services.insights.summary(person).counts.get("feedback") == 1
    from sqlalchemy import text

    with services.insights.engine.connect() as connection:
        stored = connection.execute(text("SELECT text FROM feedback")).scalar_one()
    assert "0912" not in stored and "[PHONE]" in stored


def test_without_consent_feedback_is_not_kept_and_the_person_is_told(tracker, domain, services) -> None:
    state = tracker("consented_person_gives_feedback", consent_insights=None)
    dispatcher = CollectingDispatcher()
    ActionRecordFeedback().run(dispatcher, state, domain)
    assert dispatcher.messages[0]["text"] == t("feedback_not_recorded", "zh-TW")
    assert services.insights.summary(person_of(state)).total_records == 0
