"""The search service: cross-lingual answers, filters, the no-answer line, clarification."""

from pathlib import Path

import pytest

from bot.search.embeddings import Embedder
from bot.search.index import SearchIndex
from bot.search.service import Filters, SearchService


@pytest.fixture
def service(test_index: SearchIndex, embedder: Embedder) -> SearchService:
    return SearchService(test_index, embedder, top_k=3)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("身分證掉了要怎麼補辦", "household-id-card-replacement"),
        ("I lost my national ID card, how do I get a new one?", "household-id-card-replacement"),
        ("how can my mother get long-term care at home", "elderly-ltc-application"),
        ("我的居留證快到期了", "new-immigrants-arc-application-extension"),
        ("舊沙發要怎麼丟", "waste-bulky-waste-pickup"),
    ],
)
def test_finds_the_right_service_in_either_language(
    service: SearchService, query: str, expected: str
) -> None:
    result = service.search(query)
    assert result.matches[0].entry.id == expected
    assert result.answered


@pytest.mark.parametrize("query", ["", "   ", "？？？！", "😀😀😀", "\x00"])
def test_nothing_to_search_gives_no_answer(service: SearchService, query: str) -> None:
    result = service.search(query)
    assert result.matches == [] and not result.answered


def test_huge_queries_are_cut_not_refused(service: SearchService) -> None:
    result = service.search("垃圾車幾點來？" * 5000)
    assert len(result.query) == 512
    assert result.matches[0].entry.id == "waste-garbage-truck-schedule"


def test_the_threshold_separates_answers_from_junk(test_index: SearchIndex, embedder: Embedder) -> None:
    strict = SearchService(test_index, embedder, threshold=1.5)  # fused scores reach 1 + lexical weight
    assert not strict.search("長照怎麼申請").answered
    lenient = SearchService(test_index, embedder, threshold=0.0)
    assert lenient.search("長照怎麼申請").answered


def test_filters_by_domain_audience_and_area(service: SearchService) -> None:
    only_waste = service.search("我想申請補助", Filters(domain="waste_recycling"))
    assert {m.entry.domain for m in only_waste.matches} == {"waste_recycling"}
    for_elders = service.search("我想申請補助", Filters(audiences=["elderly"]), k=10)
    assert all("elderly" in m.entry.audiences or "general" in m.entry.audiences for m in for_elders.matches)
    assert "elderly-ltc-application" in [m.entry.id for m in for_elders.matches]
    elsewhere = service.search("垃圾車", Filters(area="kaohsiung"), k=10)
    assert all("nationwide" in m.entry.areas or "kaohsiung" in m.entry.areas for m in elsewhere.matches)


def test_a_boost_reorders_results(service: SearchService) -> None:
    plain = service.search("要怎麼申請", k=3)
    last = plain.matches[-1].entry.id
    boosted = service.search("要怎麼申請", k=3, boost=lambda entry: 1.0 if entry.id == last else 0.0)
    assert boosted.matches[0].entry.id == last
    assert boosted.matches[0].boost == 1.0


def test_mismatched_index_and_embedder_are_refused(test_index: SearchIndex) -> None:
    from bot.search.embeddings import create_embedder

    with pytest.raises(ValueError, match="index built with"):
        SearchService(test_index, create_embedder("use"))


CROSS = Path(__file__).resolve().parent / "data" / "faq-sample.xml"


@pytest.fixture(scope="module")
def mixed_service(embedder: Embedder) -> SearchService:
    """Chinese-only imported FAQs beside an English-only entry (its zh-TW fields hold English)."""
    from bot.search.importers import import_taipei_faq
    from bot.search.kb import KBEntry

    english_only = KBEntry(
        id="public-safety-dog-registration",
        domain="public_safety",
        title={"zh-TW": "Registering your dog"},
        summary={"zh-TW": "Dog owners must register their pets and have a microchip implanted at a vet."},
        agency={"zh-TW": "Animal Protection Office"},
    )
    entries = [*import_taipei_faq(CROSS).entries, english_only]
    index, _ = SearchIndex.build(entries, embedder)
    return SearchService(index, embedder, top_k=3)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("How do I file a consumer complaint about a shop?", "tpe-faq-gip_1004"),
        ("Is there a health insurance premium subsidy for seniors?", "tpe-faq-gip_1001"),
        ("how do I get rid of an old wardrobe", "tpe-faq-gip_1002"),
        ("我家的狗要去哪裡植入晶片登記", "public-safety-dog-registration"),
    ],
)
def test_questions_cross_languages(mixed_service: SearchService, query: str, expected: str) -> None:
    assert mixed_service.search(query).matches[0].entry.id == expected


def test_matches_carry_their_dense_and_lexical_parts(service: SearchService) -> None:
    top = service.search("身分證遺失補辦").matches[0]
    assert top.dense is not None and 0 < top.dense <= 1
    assert top.score == pytest.approx(top.dense + service.lexical_weight * top.lexical, abs=1e-5)


@pytest.mark.parametrize(
    "query", ["天氣如何", "今天天氣如何？", "What's the weather like tomorrow?", "幫我寫一首詩"]
)
def test_out_of_scope_questions_are_not_answered(service: SearchService, query: str) -> None:
    assert not service.search(query).answered


def test_a_query_of_only_stop_characters_and_digits_does_not_crash(service: SearchService) -> None:
    assert service.search("的的的 123").matches
    assert service.search("a" * 10_000).query == "a" * 512
