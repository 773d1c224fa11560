"""The composition root: builds the domain services once, from settings, in start-up code.

Actions ask ``get_services()`` for what they need; tests hand in their own ``Services``
with ``use_services``. Nothing is opened at import time.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.handoff import HandoffService
    from bot.insights.store import InsightsStore
    from bot.linking import LinkingService
    from bot.profiles.profile import ProfileService
    from bot.search.embeddings import Embedder
    from bot.search.service import SearchService

logger = logging.getLogger(__name__)


class Services:
    """Lazily created domain services sharing one configuration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def embedder(self) -> Embedder:
        from bot.search.embeddings import create_embedder

        return create_embedder(self.settings.search.embedder)

    @cached_property
    def search(self) -> SearchService:
        from bot.search.index import SearchIndex
        from bot.search.service import SearchService

        index_dir = self.settings.resolve(self.settings.search.index_dir)
        index = SearchIndex.load(index_dir, expected_model_id=self.embedder.model_id)
        return SearchService(index, self.embedder, top_k=self.settings.search.top_k)

    @cached_property
    def insights(self) -> InsightsStore:
        """The store; a database that is down at start-up is logged, and writes spool until
        it is back (see bot.insights.spool), so conversations go on."""
        from bot.insights.database import StoreUnavailable
        from bot.insights.store import InsightsStore

        if self.settings.insights.sink == "broker":  # scale-out: writes via RabbitMQ, docs/scaling.md
            from bot.insights.broker import BrokerPublisher

            store: InsightsStore = BrokerPublisher.from_settings(self.settings).open()
        else:
            store = InsightsStore.from_settings(self.settings).open()
        try:
            store.migrate()
        except StoreUnavailable as error:
            logger.error("insights database unavailable at start-up, records will spool: %s", error)
        return store

    @cached_property
    def profiles(self) -> ProfileService:
        from bot.profiles.profile import ProfileService

        return ProfileService(self.insights, self.settings.privacy.policy_version)

    @cached_property
    def handoff(self) -> HandoffService:
        from bot.handoff import HandoffService

        return HandoffService(self.insights, self.settings.handoff)

    @cached_property
    def linking(self) -> LinkingService:
        from bot.linking import LinkingService

        return LinkingService.from_settings(self.settings, self.insights)

    def identity_id(self, channel: Optional[str], channel_user_id: str) -> str:
        """The pseudonym of one screen: HMAC of its channel and channel user id."""
        from bot.privacy.pseudonym import pseudonymous_id

        key = self.settings.insights.pseudonym_key.get_secret_value()
        return pseudonymous_id(key, channel or "rest", channel_user_id)

    def person_id(self, channel: Optional[str], channel_user_id: str) -> str:
        """The pseudonymous id of the person behind a channel user: the screen's pseudonym,
        resolved through the links a person made between their screens (bot/linking.py), so
        consent, preferences, needs and profile follow them. Never fails: while the links
        cannot be read it is the screen's own pseudonym."""
        return self.linking.resolve(self.identity_id(channel, channel_user_id))

    def warm_up(self) -> None:
        """Loads the index and the embedding model before the first request arrives."""
        self.search.embedder.encode_queries(["warm up"])
        self.insights  # noqa: B018 - opening the store runs its migrations


_services: Optional[Services] = None


def get_services() -> Services:
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


def use_services(services: Optional[Services]) -> None:
    """Replaces the process-wide services (tests, or a custom start-up)."""
    global _services
    _services = services
