"""Services for a confirmed need come from the confirmed service area, narrowed when entries allow."""

from bot.needs.draft import NeedDraft
from bot.needs.matching import match_need, need_filters
from bot.search.service import SearchService

STORY_EN = "my dad fell last week and there is nobody at home during the day to look after him"


def test_a_story_below_the_question_line_still_gets_services_of_the_confirmed_area(test_index, embedder) -> None:
    strict = SearchService(test_index, embedder, threshold=2.0)  # no open search result can pass
    assert not strict.search(STORY_EN).answered
    matches = match_need(strict, NeedDraft(text=STORY_EN, category="elderly_care"))
    assert matches and {m.entry.domain for m in matches} == {"elderly_care"}


def test_without_a_known_area_the_open_search_and_its_line_decide(test_index, embedder) -> None:
    strict = SearchService(test_index, embedder, threshold=2.0)
    assert match_need(strict, NeedDraft(text=STORY_EN)) == []
    assert match_need(strict, NeedDraft(text=STORY_EN, category="not-an-area")) == []
    lenient = SearchService(test_index, embedder, threshold=0.0)
    assert match_need(lenient, NeedDraft(text=STORY_EN))  # answered: shown whatever the area


def test_the_confirmed_area_wins_over_a_closer_text_match_elsewhere(test_index, embedder) -> None:
    service = SearchService(test_index, embedder)
    text = "舊沙發要怎麼丟"  # a waste question, but the person confirmed childcare
    matches = match_need(service, NeedDraft(text=text, category="childcare"))
    assert matches and all(m.entry.domain == "childcare" for m in matches)


def test_filters_go_from_narrow_to_broad_and_skip_unknowns() -> None:
    draft = NeedDraft(text="x", category="elderly_care", target_group="elderly", area="taipei/daan")
    narrow, middle, broad = need_filters(draft)
    assert (narrow.audiences, narrow.area) == (("elderly",), "taipei/daan")
    assert (middle.audiences, middle.area) == (("elderly",), None)
    assert (broad.domain, broad.audiences, broad.area) == ("elderly_care", (), None)
    assert len(need_filters(NeedDraft(text="x", category="elderly_care", area="unspecified"))) == 1
    assert need_filters(NeedDraft(text="x")) == []


def test_an_area_with_no_entry_for_the_place_falls_back_to_the_whole_area(test_index, embedder) -> None:
    service = SearchService(test_index, embedder, threshold=2.0)
    draft = NeedDraft(text=STORY_EN, category="elderly_care", area="kaohsiung/zuoying")
    matches = match_need(service, draft)
    assert matches and all(m.entry.domain == "elderly_care" for m in matches)
