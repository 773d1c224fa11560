"""Quiet personalisation: small boosts from a profile, and the reasons in plain words.

Boosts are small next to the gaps between good and poor matches, so they reorder close
results (a Da'an service above an equally good Beitou one) but never lift an unrelated
service over a relevant one. ``reasons`` says why, for "為什麼推薦這個？".
"""

from __future__ import annotations

from typing import Callable, List, Optional

from bot.needs.draft import area_label
from bot.profiles.profile import Profile
from bot.search.kb import KBEntry
from bot.taxonomy import AUDIENCES, SERVICE_AREAS, label

AREA_BOOST = 0.015
AUDIENCE_BOOST = 0.015
TOPIC_BOOST = 0.01

Boost = Callable[[KBEntry], float]


def _area_match(entry: KBEntry, area: str) -> float:
    """1 for a service of the person's own district, 1/3 for a city-wide one there, else 0."""
    if area in entry.areas and "/" in area:
        return 1.0
    return 1 / 3 if area.split("/")[0] in entry.areas else 0.0


def boost_for(profile: Profile) -> Optional[Boost]:
    """A boost function for SearchService, or None when there is nothing to personalise."""
    if not profile.personalised or not (profile.area or profile.target_group or profile.topics):
        return None
    area, group, topics = profile.area, profile.target_group, set(profile.topics)

    def boost(entry: KBEntry) -> float:
        score = 0.0
        if area and area != "unspecified":
            score += AREA_BOOST * _area_match(entry, area)
        if group and group in entry.audiences:
            score += AUDIENCE_BOOST
        if entry.domain in topics:
            score += TOPIC_BOOST
        return score

    return boost


def reasons(profile: Profile, entry: KBEntry, language: str) -> List[str]:
    """Plain-language reasons this entry was ranked where it is for this person."""
    found: List[str] = []
    zh = language != "en"
    if profile.personalised and profile.area and _area_match(entry, profile.area):
        where = area_label(profile.area, language)
        found.append(f"這項服務涵蓋您所在的{where}" if zh else f"it serves your area ({where})")
    if profile.personalised and profile.target_group and profile.target_group in entry.audiences:
        group = label(AUDIENCES, profile.target_group, language)
        found.append(
            f"它適合{group}，您之前提過" if zh else f"it is meant for {group.lower()}, as you mentioned before"
        )
    if profile.personalised and entry.domain in profile.topics:
        topic = label(SERVICE_AREAS, entry.domain, language)
        found.append(f"您之前問過「{topic}」相關的問題" if zh else f"you asked about {topic.lower()} before")
    return found
