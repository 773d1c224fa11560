"""InsightsStore on SQLite and PostgreSQL: consent, redaction, "show my data", forget, retain."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from bot.insights import schema as t
from bot.insights.records import FitRating, Purpose, WriteStatus
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

from .support import KEY, NEED_TEXT, POLICY, Clock, rows


def total_rows(store: InsightsStore, include_audit: bool = False) -> int:
    tables = [tbl for tbl in t.metadata.sorted_tables if include_audit or tbl is not t.audit_log]
    return sum(len(rows(store, tbl)) for tbl in tables)


def record_everything(store: InsightsStore, person: str) -> Dict[str, WriteStatus]:
    need = store.record_need(person, category="elderly_care", target_group="elderly",
                             city="taipei", district="daan", urgency="urgent",
                             contact_channel="phone", free_text=NEED_TEXT,
                             matched_service_ids=["elderly_care/long_term_care_2"],
                             language="zh-TW", channel="telegram")
    return {
        "need": need.status,
        "feedback": store.record_feedback(person, "請回電 0912345678", kind="suggestion",
                                          channel="telegram").status,
        "search": store.record_search(person, "長照 A123456789", top_ids=["a", "b"],
                                      top_scores=[0.9, 0.4], answered=True).status,
        "rating": store.record_rating(person, 4, service_id="elderly_care/x").status,
        "preference": store.set_preference(person, "district", "daan").status,
    }


def test_nothing_is_stored_without_consent(store: InsightsStore, person: str) -> None:
    statuses = record_everything(store, person)
    assert set(statuses.values()) == {WriteStatus.NO_CONSENT}
    assert total_rows(store, include_audit=True) == 0  # not even the person
    assert not store.has_consent(person, Purpose.INSIGHTS)


def test_consent_is_per_purpose(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    statuses = record_everything(store, person)
    assert statuses["preference"] is WriteStatus.NO_CONSENT
    assert {statuses[k] for k in ("need", "feedback", "search", "rating")} == {WriteStatus.STORED}
    assert store.preferences(person) == {}
    store.grant(person, "personalisation", POLICY)
    assert store.set_preference(person, "district", "daan").stored
    assert store.set_preference(person, "district", "xinyi").stored  # replaces, not adds
    assert store.preferences(person) == {"district": "xinyi"}


def test_withdrawal_stops_collection_at_once(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    first = store.record_need(person, category="housing")
    assert first.stored and first.id is not None
    assert store.withdraw(person, Purpose.INSIGHTS).stored
    assert not store.has_consent(person, Purpose.INSIGHTS)
    assert store.record_need(person, category="housing").status is WriteStatus.NO_CONSENT
    assert store.update_need(person, first.id, fit_rating="fits").status is WriteStatus.NO_CONSENT
    assert len(rows(store, t.needs)) == 1
    assert store.withdraw(person, Purpose.INSIGHTS).status is WriteStatus.NOT_FOUND


def test_withdrawing_personalisation_deletes_preferences(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.PERSONALISATION, POLICY)
    store.set_preference(person, "language", "en")
    store.withdraw(person, Purpose.PERSONALISATION)
    assert rows(store, t.preferences) == []


def test_grant_is_idempotent_and_a_new_version_replaces_the_old(
    store: InsightsStore, person: str, clock: Clock
) -> None:
    assert store.grant(person, Purpose.INSIGHTS, POLICY).stored
    store.grant(person, Purpose.INSIGHTS, POLICY)
    assert len(store.consents(person)) == 1
    clock.advance(days=30)
    store.grant(person, Purpose.INSIGHTS, "2027-01")
    old, new = store.consents(person)
    assert (old.policy_version, old.withdrawn_at) == (POLICY, clock.now)
    assert (new.policy_version, new.active) == ("2027-01", True)
    assert store.has_consent(person, Purpose.INSIGHTS)


def test_free_text_is_redacted_before_storage(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    record_everything(store, person)
    need = rows(store, t.needs)[0]
    assert need["free_text"] == "我媽媽85歲，身分證[ID_NUMBER]，住[ADDRESS]，手機[PHONE]"
    assert rows(store, t.feedback)[0]["text"] == "請回電 [PHONE]"
    assert rows(store, t.search_events)[0]["query"] == "長照 [ID_NUMBER]"
    assert need["matched_service_ids"] == ["elderly_care/long_term_care_2"]
    assert need["urgency"] == "urgent" and need["district"] == "daan"


def test_need_fit_and_confirmation(store: InsightsStore, person: str, other_person: str,
                                   clock: Clock) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    store.grant(other_person, Purpose.INSIGHTS, POLICY)
    need_id = store.record_need(person, category="childcare").id
    assert need_id is not None
    clock.advance(minutes=5)
    result = store.update_need(person, need_id, fit_rating=FitRating.PARTLY,
                               fit_reason="太遠了，我住 0912345678", confirmed=True)
    assert result.stored
    (need,) = store.needs(person)
    assert need.fit_rating is FitRating.PARTLY and need.fit_reason == "太遠了，我住 [PHONE]"
    assert need.confirmed_at == clock.now
    assert store.update_need(other_person, need_id, fit_rating="fits").status is WriteStatus.NOT_FOUND


def test_anonymous_search_needs_no_consent_but_keeps_no_person(store: InsightsStore,
                                                               clock: Clock) -> None:
    result = store.record_search(None, "我的電話0912345678 怎麼申請低收", answered=False,
                                 language="zh-TW", channel="line")
    assert result.stored
    (event,) = rows(store, t.search_events)
    assert event["person_id"] is None and event["query"] == "我的電話[PHONE] 怎麼申請低收"
    assert event["created_at"] == clock.now.replace(minute=0)  # cut to the hour
    assert rows(store, t.persons) == []


def test_handoff_is_kept_for_the_human_and_redacted(store: InsightsStore, person: str,
                                                    other_person: str) -> None:
    store.grant(other_person, Purpose.INSIGHTS, POLICY)
    foreign_need = store.record_need(other_person, category="tax").id
    result = store.open_handoff(person, "想申請補助，電話 02-2345-6789", open_need_id=foreign_need)
    assert result.stored
    (handoff,) = rows(store, t.handoffs)
    assert handoff["summary"] == "想申請補助，電話 [PHONE]"
    assert handoff["open_need_id"] is None  # another person's need is never linked
    assert handoff["status"] == "open"


def test_summary_for_show_my_data(store: InsightsStore, person: str, other_person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    store.grant(person, Purpose.PERSONALISATION, POLICY)
    record_everything(store, person)
    store.grant(other_person, Purpose.INSIGHTS, POLICY)
    store.record_need(other_person, category="tax")
    summary = store.summary(person)
    assert summary.counts == {"needs": 1, "feedback": 1, "search_events": 1,
                              "satisfaction_ratings": 1, "handoffs": 0, "preferences": 1}
    assert summary.total_records == 5 and summary.preferences == {"district": "daan"}
    assert {c.purpose for c in summary.consents} == {Purpose.INSIGHTS, Purpose.PERSONALISATION}


def test_forget_deletes_everything_and_twice_is_zero(store: InsightsStore, person: str,
                                                     other_person: str) -> None:
    for who in (person, other_person):
        store.grant(who, Purpose.INSIGHTS, POLICY)
        store.grant(who, Purpose.PERSONALISATION, POLICY)
        record_everything(store, who)
    need_id = store.needs(person)[0].id
    store.open_handoff(person, "請幫我", open_need_id=need_id)
    before = total_rows(store)
    deleted = store.forget(person)
    # 5 records + handoff + 2 consents + the person row
    assert deleted == 9 and total_rows(store) == before - 9
    assert store.forget(person, actor="staff:chen") == 0
    assert store.summary(person).total_records == 0 and store.consents(person) == []
    assert store.summary(other_person).total_records == 5  # nobody else touched
    assert not store.has_consent(person, Purpose.INSIGHTS)


def test_forget_audit_rows_hold_no_personal_data(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    record_everything(store, person)
    store.forget(person, actor="citizen")
    store.forget(person, actor="staff:chen")
    actions = [(e.action, e.actor, e.detail.get("deleted")) for e in store.audit_log(person)]
    assert actions[:2] == [("forget", "staff:chen", 0), ("forget", "citizen", 6)]
    assert ("consent.grant", "citizen", None) in actions
    for entry in rows(store, t.audit_log):
        flat = repr(entry)
        assert "A123456789" not in flat and "0912" not in flat and "[PHONE]" not in flat
        assert entry["subject"] in (None, person)


def test_retain_deletes_old_events_only(store: InsightsStore, person: str, clock: Clock) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    store.grant(person, Purpose.PERSONALISATION, POLICY)
    old_need = store.record_need(person, category="housing").id
    record_everything(store, person)
    store.record_search(None, "old anonymous", answered=False)
    clock.advance(days=100)
    store.open_handoff(person, "new", open_need_id=old_need)  # newer hand-off, older need
    record_everything(store, person)
    deleted = store.retain(90, actor="cron")
    assert deleted == 6  # day 0: two needs, feedback, two searches, rating
    assert len(rows(store, t.needs)) == 1 and len(rows(store, t.handoffs)) == 1
    assert rows(store, t.handoffs)[0]["open_need_id"] is None
    assert len(store.consents(person)) == 2 and store.preferences(person)
    entry = store.audit_log(limit=1)[0]
    assert (entry.action, entry.actor, entry.detail["deleted"], entry.subject) == (
        "retain", "cron", 6, None)
    assert store.retain(90, actor="cron") == 0
    with pytest.raises(ValueError):
        store.retain(0, actor="cron")


def test_consent_changes_are_audited(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.FOLLOWUP, POLICY)
    store.withdraw(person, Purpose.FOLLOWUP)
    entries = store.audit_log(person)
    assert [e.action for e in entries] == ["consent.withdraw", "consent.grant"]
    assert entries[1].detail == {"purpose": "followup", "policy_version": POLICY}


def test_a_consented_write_is_one_statement_and_returns_its_own_row_id(
        store: InsightsStore, person: str, other_person: str) -> None:
    """The write path's contract (queries.consented_insert): one statement per message, which
    checks consent itself; the id returned is the row's, and a refusal right after a stored
    write returns no id (SQLite's last row id would still name the earlier row)."""
    store.grant(person, Purpose.INSIGHTS, POLICY)
    statements: List[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        need = store.record_need(person, category="childcare", free_text="托育")
        rating = store.record_rating(person, 4)
        refused = store.record_need(other_person, category="childcare")
        search = store.record_search(None, "托育補助", answered=False)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(statements) == 4
    assert refused.status is WriteStatus.NO_CONSENT and refused.id is None
    assert [row["id"] for row in rows(store, t.needs)] == [need.id]
    assert [row["id"] for row in rows(store, t.satisfaction_ratings)] == [rating.id]
    assert [row["id"] for row in rows(store, t.search_events)] == [search.id]
    assert {row["person_id"] for row in rows(store, t.needs)} == {person}


def test_raw_channel_id_never_reaches_the_database(store: InsightsStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw_id = "U9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    person = pseudonymous_id(KEY, "line", raw_id)
    assert pseudonymous_id(KEY, "line", raw_id) == person  # stable across calls
    store.grant(person, Purpose.INSIGHTS, POLICY)
    store.grant(person, Purpose.PERSONALISATION, POLICY)
    record_everything(store, person)
    store.open_handoff(person, "summary")
    store.forget(person)
    store.grant(person, Purpose.INSIGHTS, POLICY)
    record_everything(store, person)
    with store.engine.connect() as connection:
        for table in t.metadata.sorted_tables:
            for row in connection.execute(select(table)).all():
                assert raw_id not in repr(tuple(row)), table.name
                assert "line:" not in repr(tuple(row))
    if store.engine.dialect.name == "sqlite":
        for path in tmp_path.glob("insights.db*"):
            assert raw_id.encode() not in path.read_bytes()


@pytest.mark.parametrize("bad", ["123456789", "U4af4980629", "A" * 32])
def test_raw_ids_are_refused_as_persons(store: InsightsStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.grant(bad, Purpose.INSIGHTS, POLICY)
    with pytest.raises(ValueError):
        store.record_need(bad, category="tax")


def test_unknown_vocabulary_is_refused(store: InsightsStore, person: str) -> None:
    with pytest.raises(ValueError):
        store.record_need(person, category="long-term care")
    with pytest.raises(ValueError):
        store.record_need(person, category="tax", district="Da'an")


def test_score_range_is_enforced_by_the_database_too(store: InsightsStore, person: str) -> None:
    store.grant(person, Purpose.INSIGHTS, POLICY)
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO satisfaction_ratings (person_id, score, created_at) "
            "VALUES (:p, 9, CURRENT_TIMESTAMP)"), {"p": person})
