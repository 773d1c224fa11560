"""Services for a confirmed need: searched within the service area the person confirmed.

The "no good answer" line of the search was calibrated on questions. A need told as a story
("my dad fell last week and nobody is home during the day") scores lower against service
texts even when its topic is clear, so the open search often refused English stories. Once
the person has confirmed the service area in the needs dialogue, that confirmation is the
evidence of relevance: the best entries of that area are shown, narrowed to who and where
the need is for when entries say so, and ranked by the need's text (plus the quiet
personalisation boost). Without a confirmed area, the open search and its line decide.
"""

from __future__ import annotations

from typing import List, Optional

from bot.needs.draft import NeedDraft
from bot.search.service import Boost, Filters, Match, SearchService
from bot.taxonomy import SERVICE_AREAS


def need_filters(draft: NeedDraft) -> List[Filters]:
    """From narrowest to broadest: area + target group + place, area + target group, area."""
    if draft.category not in SERVICE_AREAS:
        return []
    audiences = (draft.target_group,) if draft.target_group else ()
    place = draft.area if draft.area and draft.area != "unspecified" else None
    candidates = [
        Filters(domain=draft.category, audiences=audiences, area=place),
        Filters(domain=draft.category, audiences=audiences),
        Filters(domain=draft.category),
    ]
    return list(dict.fromkeys(candidates))


def match_need(search: SearchService, draft: NeedDraft, boost: Optional[Boost] = None) -> List[Match]:
    """The services to show for a confirmed need; empty when nothing fits. The need's text is
    embedded once: the area's ranking is narrowed in memory, broadening until something fits."""
    steps = need_filters(draft)
    if steps:
        ranked = search.search(draft.text, filters=steps[-1], k=len(search.index.entries), boost=boost).matches
        for filters in steps:
            narrowed = [m for m in ranked if filters.allows(m.entry)]
            if narrowed:
                return narrowed[: search.top_k]
    result = search.search(draft.text, boost=boost)
    return result.matches if result.answered else []
