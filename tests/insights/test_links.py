"""Identity links on SQLite and PostgreSQL: codes, guessing limits, merging, unlinking, forget."""

from __future__ import annotations

from datetime import timedelta
from typing import List

import pytest

from bot.insights import schema as t
from bot.insights.links import IdentityLinks, LinkLimits, RedeemStatus
from bot.insights.records import Purpose, WriteStatus
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

from .support import KEY, POLICY, Clock, rows

WEB = pseudonymous_id(KEY, "socketio", "5f0c3b0e9a0d4c1e8f6b7a2d3c4e5f60")
TELEGRAM = pseudonymous_id(KEY, "telegram", "123456789")
LINE = pseudonymous_id(KEY, "line", "U4af4980629a8b7c6d5e4f3a2b1c0d9e8")
REST = pseudonymous_id(KEY, "rest", "kiosk-7")


@pytest.fixture
def links(store: InsightsStore, clock: Clock) -> IdentityLinks:
    return IdentityLinks(store.db, KEY, LinkLimits(), clock=clock)


def link(links: IdentityLinks, issuer: str, issuer_channel: str, redeemer: str, channel: str) -> None:
    code = links.issue(issuer, issuer_channel).code
    assert links.redeem(redeemer, channel, code).status is RedeemStatus.LINKED


def wrong_code(links: IdentityLinks, right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


# Codes -------------------------------------------------------------------------------------


def test_a_code_links_two_screens_and_is_never_stored_in_clear(store, links, clock) -> None:  # type: ignore[no-untyped-def]
    issued = links.issue(WEB, "socketio")
    assert len(issued.code) == 6 and issued.code.isdigit() and issued.minutes == 10
    assert issued.expires_at == clock.now + timedelta(minutes=10)
    stored = rows(store, t.link_codes)
    assert len(stored) == 1 and issued.code not in repr(stored)
    assert stored[0]["code_hash"] == links.code_hash(issued.code) != issued.code

    result = links.redeem(TELEGRAM, "telegram", issued.code)
    assert result.status is RedeemStatus.LINKED and result.linked
    assert result.person == WEB and result.channels == ("socketio", "telegram")
    assert links.resolve(TELEGRAM) == WEB and links.resolve(WEB) == WEB
    assert links.resolve(LINE) == LINE, "an unlinked screen is its own person"
    assert links.channels(TELEGRAM) == ["socketio", "telegram"]
    assert [e.action for e in store.audit_log(WEB)] == ["identity.link"]
    assert store.audit_log(WEB)[0].detail == {"channel": "telegram", "screens": 2, "moved": 0}


def test_a_code_works_once(links) -> None:  # type: ignore[no-untyped-def]
    code = links.issue(WEB, "socketio").code
    assert links.redeem(TELEGRAM, "telegram", code).linked
    assert links.redeem(LINE, "line", code).status is RedeemStatus.USED
    assert links.resolve(LINE) == LINE


def test_a_code_expires_after_ten_minutes(links, clock) -> None:  # type: ignore[no-untyped-def]
    code = links.issue(WEB, "socketio").code
    clock.advance(minutes=10, seconds=1)
    assert links.redeem(TELEGRAM, "telegram", code).status is RedeemStatus.EXPIRED
    clock.advance(days=2)
    assert links.redeem(TELEGRAM, "telegram", code).status is RedeemStatus.WRONG, "pruned a day later"
    assert links.resolve(TELEGRAM) == TELEGRAM


def test_a_code_still_works_just_before_it_expires(links, clock) -> None:  # type: ignore[no-untyped-def]
    code = links.issue(WEB, "socketio").code
    clock.advance(minutes=9, seconds=59)
    assert links.redeem(TELEGRAM, "telegram", code).linked


def test_a_new_code_replaces_the_screens_earlier_one(links) -> None:  # type: ignore[no-untyped-def]
    first = links.issue(WEB, "socketio").code
    second = links.issue(WEB, "socketio").code
    if first != second:
        assert links.redeem(TELEGRAM, "telegram", first).status is RedeemStatus.WRONG
    assert links.redeem(TELEGRAM, "telegram", second).linked


def test_typing_the_code_on_the_same_screen_keeps_it_valid(links) -> None:  # type: ignore[no-untyped-def]
    code = links.issue(WEB, "socketio").code
    assert links.redeem(WEB, "socketio", code).status is RedeemStatus.SAME_SCREEN
    assert links.redeem(TELEGRAM, "telegram", code).linked


def test_linking_screens_already_linked_says_so(links) -> None:  # type: ignore[no-untyped-def]
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    code = links.issue(TELEGRAM, "telegram").code
    result = links.redeem(WEB, "socketio", code)
    assert result.status is RedeemStatus.ALREADY_LINKED and result.person == WEB


def test_malformed_codes_are_a_programming_error(links) -> None:  # type: ignore[no-untyped-def]
    for bad in ["12345", "1234567", "12a456", " 123456", "１２３４５６"]:
        with pytest.raises(ValueError):
            links.redeem(TELEGRAM, "telegram", bad)


def test_codes_are_compared_in_constant_time(links, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import bot.insights.links as module

    compared: List[tuple] = []
    real = module.hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    code = links.issue(WEB, "socketio").code
    assert links.redeem(TELEGRAM, "telegram", code).linked
    assert compared and all(len(a) == len(b) == 64 for a, b in compared)


# Guessing ----------------------------------------------------------------------------------


def test_five_wrong_codes_lock_the_screen_for_an_hour_even_with_the_right_code(links, clock) -> None:  # type: ignore[no-untyped-def]
    code = links.issue(WEB, "socketio").code
    for _ in range(5):
        assert links.redeem(TELEGRAM, "telegram", wrong_code(links, code)).status is RedeemStatus.WRONG
        clock.advance(seconds=30)
    refused = links.redeem(TELEGRAM, "telegram", code)
    assert refused.status is RedeemStatus.TOO_MANY
    assert refused.retry_after == timedelta(minutes=60) - timedelta(seconds=150)
    assert links.resolve(TELEGRAM) == TELEGRAM
    assert links.redeem(LINE, "line", code).linked, "another screen is not locked"


def test_the_lock_lifts_when_the_oldest_failure_ages_out(links, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        links.redeem(TELEGRAM, "telegram", "000000")
    clock.advance(minutes=55)
    code = links.issue(WEB, "socketio").code
    assert links.redeem(TELEGRAM, "telegram", code).status is RedeemStatus.TOO_MANY
    clock.advance(minutes=5, seconds=1)
    assert links.redeem(TELEGRAM, "telegram", code).linked


def test_expired_and_used_codes_count_as_failures(links, clock) -> None:  # type: ignore[no-untyped-def]
    used = links.issue(WEB, "socketio").code
    links.redeem(LINE, "line", used)
    for _ in range(3):
        assert links.redeem(TELEGRAM, "telegram", used).status is RedeemStatus.USED
    stale = links.issue(REST, "rest").code
    clock.advance(minutes=11)
    for _ in range(2):
        assert links.redeem(TELEGRAM, "telegram", stale).status is RedeemStatus.EXPIRED
    assert links.redeem(TELEGRAM, "telegram", links.issue(REST, "rest").code).status is RedeemStatus.TOO_MANY


def test_many_screens_guessing_together_are_stopped_too(store, clock) -> None:  # type: ignore[no-untyped-def]
    links = IdentityLinks(store.db, KEY, LinkLimits(max_failed_attempts=5, max_failed_attempts_total=8), clock=clock)
    code = links.issue(WEB, "socketio").code
    guessers = [pseudonymous_id(KEY, "socketio", f"session-{n}") for n in range(4)]
    for guesser in guessers:
        for _ in range(2):
            assert links.redeem(guesser, "socketio", wrong_code(links, code)).status is RedeemStatus.WRONG
    assert links.redeem(TELEGRAM, "telegram", code).status is RedeemStatus.TOO_MANY


# Linking merges ----------------------------------------------------------------------------


def test_the_redeeming_screens_records_join_the_person(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    for who in (WEB, TELEGRAM):
        store.grant(who, Purpose.INSIGHTS, POLICY)
        store.grant(who, Purpose.PERSONALISATION, POLICY)
    store.set_preference(WEB, "answer_length", "brief")
    store.set_preference(WEB, "area", "taipei/daan")
    store.record_need(TELEGRAM, category="elderly_care", free_text="爸爸需要長照")
    store.record_feedback(TELEGRAM, "公園多一點椅子")
    clock.advance(minutes=1)
    store.set_preference(TELEGRAM, "answer_length", "detailed")  # newer: it wins
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    assert store.preferences(WEB) == {"answer_length": "detailed", "area": "taipei/daan"}
    assert [need.category for need in store.needs(WEB)] == ["elderly_care"]
    assert store.summary(WEB).counts["feedback"] == 1
    assert {row["id"] for row in rows(store, t.persons)} == {WEB}, "the redeemer's person row is gone"
    assert store.has_consent(WEB, Purpose.INSIGHTS)


def test_a_withdrawal_on_either_screen_after_the_last_grant_wins(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    store.grant(WEB, Purpose.PERSONALISATION, POLICY)
    store.set_preference(WEB, "easy_reading", "on")
    store.grant(WEB, Purpose.INSIGHTS, POLICY)
    store.grant(WEB, Purpose.FOLLOWUP, POLICY)
    clock.advance(minutes=1)
    store.grant(TELEGRAM, Purpose.INSIGHTS, POLICY)
    store.grant(TELEGRAM, Purpose.PERSONALISATION, POLICY)
    clock.advance(minutes=1)
    store.withdraw(TELEGRAM, Purpose.INSIGHTS)  # the person's latest word on insights
    store.withdraw(TELEGRAM, Purpose.PERSONALISATION)
    clock.advance(minutes=1)
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    assert not store.has_consent(WEB, Purpose.INSIGHTS)
    assert not store.has_consent(WEB, Purpose.FOLLOWUP), "follow-up rests on insights consent"
    assert not store.has_consent(WEB, Purpose.PERSONALISATION)
    assert rows(store, t.preferences) == [], "withdrawn personalisation keeps no preferences"


def test_a_grant_after_an_old_withdrawal_stays(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    store.grant(TELEGRAM, Purpose.INSIGHTS, POLICY)
    store.withdraw(TELEGRAM, Purpose.INSIGHTS)
    clock.advance(minutes=1)
    store.grant(WEB, Purpose.INSIGHTS, POLICY)
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    assert links.resolve(TELEGRAM) == WEB and store.has_consent(WEB, Purpose.INSIGHTS)


def test_two_groups_become_one(store: InsightsStore, links) -> None:  # type: ignore[no-untyped-def]
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    link(links, LINE, "line", REST, "rest")
    store.grant(REST, Purpose.INSIGHTS, POLICY)  # lands on LINE, the person REST belongs to
    store.record_feedback(REST, "路燈壞了")
    link(links, TELEGRAM, "telegram", REST, "rest")  # REST's whole group joins WEB's person
    assert {links.resolve(x) for x in (WEB, TELEGRAM, LINE, REST)} == {WEB}
    assert sorted(links.channels(LINE)) == ["line", "rest", "socketio", "telegram"]
    assert store.summary(LINE).counts["feedback"] == 1 and store.has_consent(WEB, Purpose.INSIGHTS)


def test_writes_for_a_linked_screen_land_on_its_person(store: InsightsStore, links) -> None:  # type: ignore[no-untyped-def]
    """A write spooled or queued under the screen's own pseudonym before the link, or made while
    the links could not be read, still reaches the person (Queries.apply)."""
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    assert store.grant(TELEGRAM, Purpose.INSIGHTS, POLICY).stored
    assert store.record_feedback(TELEGRAM, "謝謝").status is WriteStatus.STORED
    assert {row["person_id"] for row in rows(store, t.feedback)} == {WEB}
    assert {row["person_id"] for row in rows(store, t.consents)} == {WEB}


# Need drafts -------------------------------------------------------------------------------


def test_the_need_draft_travels_redacted_and_is_not_kept(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    draft = {"need_text": "我媽媽要長照，手機0912-345-678", "need_category": "elderly_care",
             "need_category_confirmed": True, "beneficiary": "family", "need_urgency": None,
             "ignored": ["not", "a", "scalar"]}
    code = links.issue(WEB, "socketio", draft).code
    assert "0912" not in repr(rows(store, t.link_codes))
    result = links.redeem(TELEGRAM, "telegram", code)
    assert result.need_draft == {"need_text": "我媽媽要長照，手機[PHONE]", "need_category": "elderly_care",
                                 "need_category_confirmed": True, "beneficiary": "family", "need_urgency": None}
    assert rows(store, t.link_codes)[0]["need_draft"] is None, "used: the draft is gone"
    code = links.issue(WEB, "socketio", draft).code
    clock.advance(minutes=11)
    links.issue(LINE, "line")  # any later code prunes
    assert [r["need_draft"] for r in rows(store, t.link_codes) if r["issuer_id"] == WEB] == [None, None]


# Unlinking and forgetting ------------------------------------------------------------------


def test_unlinking_a_screen_leaves_the_records_with_the_person(store: InsightsStore, links) -> None:  # type: ignore[no-untyped-def]
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    link(links, WEB, "socketio", LINE, "line")
    store.grant(WEB, Purpose.INSIGHTS, POLICY)
    store.record_feedback(TELEGRAM, "好用")
    assert links.unlink(TELEGRAM) is True
    assert links.resolve(TELEGRAM) == TELEGRAM and links.resolve(LINE) == WEB
    assert store.summary(WEB).counts["feedback"] == 1 and store.summary(TELEGRAM).counts["feedback"] == 0
    assert links.unlink(TELEGRAM) is False
    assert links.unlink(LINE) is True
    assert rows(store, t.identity_links) == [], "a group of one is no group"
    assert [e.action for e in store.audit_log(WEB)][:2] == ["identity.unlink", "identity.unlink"]


def test_when_the_persons_own_screen_leaves_the_others_keep_the_records(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    clock.advance(minutes=1)
    link(links, WEB, "socketio", LINE, "line")
    store.grant(WEB, Purpose.INSIGHTS, POLICY)
    store.record_need(WEB, category="housing", free_text="租屋補助")
    assert links.unlink(WEB)
    assert links.resolve(WEB) == WEB
    assert links.resolve(LINE) == links.resolve(TELEGRAM) == TELEGRAM, "the screen linked longest ago"
    assert [n.category for n in store.needs(TELEGRAM)] == ["housing"] and store.needs(WEB) == []
    assert store.has_consent(TELEGRAM, Purpose.INSIGHTS) and not store.has_consent(WEB, Purpose.INSIGHTS)
    assert WEB not in {row["id"] for row in rows(store, t.persons)}


def test_forget_through_any_screen_deletes_the_whole_person(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    clock.advance(minutes=1)
    link(links, TELEGRAM, "telegram", LINE, "line")
    store.grant(WEB, Purpose.INSIGHTS, POLICY)
    store.record_feedback(WEB, "1")
    store.record_need(LINE, category="housing")
    links.issue(TELEGRAM, "telegram", {"need_text": "x"})
    links.redeem(LINE, "line", "000000")  # a failed attempt, kept for the limit
    assert store.identities(LINE) == [WEB, TELEGRAM, LINE]
    # need, feedback, consent, person; three links; three codes (two used, one open); one attempt
    assert store.forget(LINE) == 1 + 1 + 1 + 1 + 3 + 3 + 1
    for table in (t.identity_links, t.link_codes, t.link_attempts, t.needs, t.feedback, t.persons, t.consents):
        assert rows(store, table) == [], table.name
    assert links.resolve(TELEGRAM) == TELEGRAM
    assert store.audit_log(WEB, limit=1)[0].action == "forget"


def test_show_my_data_lists_the_linked_channels_only(store: InsightsStore, links) -> None:  # type: ignore[no-untyped-def]
    assert store.summary(WEB).linked_channels == []
    link(links, WEB, "socketio", TELEGRAM, "telegram")
    summary = store.summary(TELEGRAM)
    assert summary.person == WEB and summary.linked_channels == ["socketio", "telegram"]


def test_retention_clears_old_codes_and_attempts(store: InsightsStore, links, clock) -> None:  # type: ignore[no-untyped-def]
    links.issue(WEB, "socketio", {"need_text": "x"})
    links.redeem(TELEGRAM, "telegram", "000000")
    clock.advance(days=2)
    store.retain(90, actor="cron")
    assert rows(store, t.link_codes) == [] and rows(store, t.link_attempts) == []
    detail = store.audit_log(limit=1)[0].detail
    assert detail["by_table"]["link_codes"] == 1 and detail["by_table"]["link_attempts"] == 1
