"""Quiet personalisation changes the order for a profile, and can say why."""

from bot.profiles.profile import Profile
from bot.profiles.ranking import boost_for, reasons
from bot.search.service import SearchService


def test_no_boost_without_consent_or_without_anything_learned() -> None:
    assert boost_for(Profile("p", personalised=False, preferences={"area": "taipei/daan"})) is None
    assert boost_for(Profile("p", personalised=True)) is None


def test_the_ranking_changes_for_a_profile(test_index, embedder) -> None:
    service = SearchService(test_index, embedder)
    query = "我想了解怎麼申請"
    plain = [m.entry.id for m in service.search(query, k=6).matches]
    target = "elderly-ltc-application"
    assert plain.index(target) > 0
    profile = Profile("p", True, {"target_group": "elderly", "topics": "elderly_care", "area": "taipei/daan"})
    personalised = [m.entry.id for m in service.search(query, k=6, boost=boost_for(profile)).matches]
    assert personalised != plain
    assert personalised[0] == target


def test_boosts_never_lift_an_unrelated_service_over_a_clear_match(test_index, embedder) -> None:
    service = SearchService(test_index, embedder)
    profile = Profile("p", True, {"topics": "waste_recycling", "area": "taipei", "target_group": "general"})
    result = service.search("身分證遺失要怎麼補辦", boost=boost_for(profile))
    assert result.matches[0].entry.id == "household-id-card-replacement"


def test_reasons_are_plain_words_in_both_languages(test_index) -> None:
    entry = test_index.entries["elderly-ltc-application"]
    profile = Profile("p", True, {"area": "taipei/daan", "target_group": "elderly", "topics": "elderly_care"})
    zh = reasons(profile, entry, "zh-TW")
    en = reasons(profile, entry, "en")
    assert zh == [
        "這項服務涵蓋您所在的臺北市大安區",
        "它適合長者，您之前提過",
        "您之前問過「長者與長期照顧」相關的問題",
    ]
    assert en == [
        "it serves your area (Da'an District, Taipei City)",
        "it is meant for older people, as you mentioned before",
        "you asked about elderly and long-term care before",
    ]
    assert reasons(Profile("p", False, profile.preferences), entry, "en") == []
