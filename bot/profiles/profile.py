"""A person's profile: preferences they set and what was learned, with their consent.

Everything is stored as ``personalisation`` preferences in the insights store, so it is
kept only with that consent, shown by "show my data" and removed by "forget me".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from bot.insights.records import Purpose, WriteResult
from bot.insights.store import InsightsStore

TOPIC_SEPARATOR = ","
MAX_TOPICS = 5


@dataclass
class Profile:
    """Preferences by key; empty when the person has not consented to personalisation."""

    person: str
    personalised: bool = False
    preferences: Dict[str, str] = field(default_factory=dict)

    @property
    def area(self) -> Optional[str]:
        return self.preferences.get("area")

    @property
    def target_group(self) -> Optional[str]:
        return self.preferences.get("target_group")

    @property
    def topics(self) -> List[str]:
        raw = self.preferences.get("topics", "")
        return [t for t in raw.split(TOPIC_SEPARATOR) if t]


class ProfileService:
    """Loads and updates profiles in the insights store."""

    def __init__(self, store: InsightsStore, policy_version: str) -> None:
        self.store = store
        self.policy_version = policy_version

    def load(self, person: str) -> Profile:
        """The profile; not personalised (and empty) without consent or with the store down."""
        preferences = self.store.personalisation(person)
        if preferences is None:
            return Profile(person)
        return Profile(person, True, preferences)

    def set_personalisation(self, person: str, on: bool) -> WriteResult:
        """Turning it off withdraws consent, which also deletes stored preferences."""
        if on:
            return self.store.grant(person, Purpose.PERSONALISATION, self.policy_version)
        return self.store.withdraw(person, Purpose.PERSONALISATION)

    def remember(self, person: str, key: str, value: str) -> WriteResult:
        """Stores one preference (refused by the store without personalisation consent)."""
        return self.store.set_preference(person, key, value)

    def learn_need(self, person: str, area: Optional[str], target_group: Optional[str],
                   category: Optional[str]) -> None:
        """Keeps area, target group and recent topics from a confirmed need, for re-ranking."""
        profile = self.load(person)
        if not profile.personalised:
            return
        if area and area != "unspecified":
            self.remember(person, "area", area)
        if target_group:
            self.remember(person, "target_group", target_group)
        if category:
            topics = [category] + [t for t in profile.topics if t != category]
            self.remember(person, "topics", TOPIC_SEPARATOR.join(topics[:MAX_TOPICS]))
