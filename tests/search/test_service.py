"""The search service: cross-lingual answers, filters, the no-answer line, clarification."""

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
def test_finds_the_right_service_in_either_language(service: SearchService, query: str, expected: str) -> None:
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
    strict = SearchService(test_index, embedder, threshold=0.99)
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
