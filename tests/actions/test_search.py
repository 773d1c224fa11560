from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text

from bot.actions.common import person_of
from bot.actions.search import ActionSearchServices
from bot.i18n import t


def search_rows(services):
    with services.insights.engine.connect() as connection:
        return connection.execute(text("SELECT person_id, query, answered FROM search_events")).fetchall()


def test_english_question_gets_english_cards_and_is_logged_with_consent(tracker, domain, services) -> None:
    state = tracker("consented_person_asks_en")
    services.insights.grant(person_of(state), "insights", "2026-11")
    dispatcher = CollectingDispatcher()
    events = ActionSearchServices().run(dispatcher, state, domain)
    (message,) = dispatcher.messages
    assert message["text"] == t("results_intro", "en")
    cards = message["custom"]["cards"]
    assert cards[0]["entry_id"] == "household-id-card-replacement"
    assert cards[0]["title"] == "Replacing a lost or damaged national ID card"
    assert all(card["summary"] and card["agency"] for card in cards)
    ids = [card["entry_id"] for card in cards]
    assert events == [SlotSet("last_query", state.latest_message["text"]), SlotSet("last_results", ids)]
    ((person, query, answered),) = search_rows(services)
    assert person == person_of(state) and answered


def test_without_consent_the_question_is_logged_anonymously(tracker, domain, services) -> None:
    state = tracker("undecided_person_asks_zh")
    dispatcher = CollectingDispatcher()
    ActionSearchServices().run(dispatcher, state, domain)
    assert dispatcher.messages[0]["custom"]["cards"][0]["title"].startswith("國民身分證")
    ((person, query, answered),) = search_rows(services)
    assert person is None and query == "身分證掉了要怎麼補辦"


def test_no_good_answer_says_so_offers_a_person_and_logs_a_gap(tracker, domain, services) -> None:
    services.search.threshold = 1.5  # above any fused score (cosine + lexical share)
    state = tracker("undecided_person_asks_zh")
    dispatcher = CollectingDispatcher()
    events = ActionSearchServices().run(dispatcher, state, domain)
    (message,) = dispatcher.messages
    assert message["text"] == t("no_good_answer", "zh-TW", query="身分證掉了要怎麼補辦")
    assert message["buttons"][0]["payload"] == "/request_human"
    assert "custom" not in message or not message["custom"]
    assert SlotSet("last_results", []) in events
    ((_, _, answered),) = search_rows(services)
    assert answered is False or answered == 0


def test_close_matches_from_different_domains_ask_which_one(tracker, domain, services, monkeypatch) -> None:
    import bot.search.service as service_module

    monkeypatch.setattr(service_module, "CLOSE_SCORES", 1.0)  # everything counts as a toss-up
    state = tracker("undecided_person_asks_zh")
    dispatcher = CollectingDispatcher()
    ActionSearchServices().run(dispatcher, state, domain)
    (message,) = dispatcher.messages
    assert message["text"] == t("clarify", "zh-TW")
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[0] == '/ask_public_service{"service_area":"household_registration"}'
    assert len(payloads) == len(set(payloads)) >= 2


def test_a_clarification_button_searches_the_last_question_in_that_domain(tracker, domain, services) -> None:
    state = tracker(
        "undecided_person_asks_zh",
        last_query="舊沙發和垃圾要怎麼處理",
    )
    state.latest_message["text"] = '/ask_public_service{"service_area":"waste_recycling"}'
    state.latest_message["entities"] = [{"entity": "service_area", "value": "waste_recycling"}]
    dispatcher = CollectingDispatcher()
    events = ActionSearchServices().run(dispatcher, state, domain)
    cards = dispatcher.messages[0]["custom"]["cards"]
    assert {c["entry_id"].split("-")[0] for c in cards} == {"waste"}
    assert events[0] == SlotSet("last_query", "舊沙發和垃圾要怎麼處理")
