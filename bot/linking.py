"""Linking a person's screens, for the dialogue: codes, resolving screens, and erasure.

The rules (codes, limits, merging, unlinking) are in bot/insights/links.py. This service adds
what a conversation needs around them: every screen resolved to its person cheaply and
without ever failing (a database that is down means the screen's own pseudonym, logged); a
code read out of whatever the person typed; and "delete my data" that also reaches the other
screens' conversations in Rasa's tracker store.

Resolving is cached per process for a few seconds and the cache is emptied by every link,
unlink and erasure made here, so a conversation's several lookups in one turn cost one query.
Another action server process may see a change up to ``CACHE_SECONDS`` late.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from bot.insights.database import StoreUnavailable
from bot.insights.links import CODE, IdentityLinks, LinkCode, LinkLimits, Redemption
from bot.insights.store import InsightsStore

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000
# "483920", "483 920", "483-920"; full-width digits are made ASCII first (NFKC)
_CODE_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{3})[ \-]?([0-9]{3})(?![0-9])")
_DIGIT_RUN = re.compile(r"[0-9]{4,}")


def find_link_code(text: str, entity_values: Iterable[str] = ()) -> Tuple[Optional[str], bool]:
    """(code, attempted): a six-digit code from the NLU entity or the text, and whether the
    person seems to have typed a code at all (so a wrong length can be pointed out)."""
    values = [unicodedata.normalize("NFKC", str(value)) for value in entity_values if value]
    for value in values:
        digits = re.sub(r"[^0-9]", "", value)
        if CODE.fullmatch(digits):
            return digits, True
    normal = unicodedata.normalize("NFKC", text or "")
    match = _CODE_IN_TEXT.search(normal)
    if match:
        return match.group(1) + match.group(2), True
    return None, bool(values) or bool(_DIGIT_RUN.search(normal))


@dataclass(frozen=True)
class Erased:
    """What "delete my data" did: records deleted, the person's other linked screens, and
    their conversations deleted (or left for staff: ``conversations_pending``)."""

    records: int
    other_screens: int = 0
    conversations: int = 0
    conversations_pending: bool = False


class LinkingService:
    def __init__(self, store: InsightsStore, key: Union[str, bytes], limits: LinkLimits = LinkLimits(),
                 tracker_store: Optional[str] = None, cache_seconds: float = CACHE_SECONDS,
                 **links_options: Any) -> None:
        self.store = store
        self.links = IdentityLinks(store.db, key, limits, **links_options)
        self._key = key
        self._tracker_store = tracker_store
        self._cache_seconds = cache_seconds
        self._cache: Dict[str, Tuple[float, str]] = {}
        self._reported_down = False

    @classmethod
    def from_settings(cls, settings: Any, store: InsightsStore) -> LinkingService:
        linking = settings.linking
        limits = LinkLimits(linking.code_minutes, linking.max_failed_attempts,
                            linking.attempt_window_minutes, linking.max_failed_attempts_total)
        return cls(store, settings.insights.pseudonym_key.get_secret_value(), limits,
                   tracker_store=linking.tracker_store)

    def resolve(self, identity: str) -> str:
        """The person a screen belongs to; the screen's own pseudonym when unlinked, and when
        the links cannot be read (the writes then land on the person later, see Queries.apply)."""
        now = time.monotonic()
        cached = self._cache.get(identity)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            person = self.links.resolve(identity)
        except StoreUnavailable as error:
            if not self._reported_down:
                log.warning("identity links unreadable, using screens' own pseudonyms: %s", error)
                self._reported_down = True
            return identity
        self._reported_down = False
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[identity] = (now + self._cache_seconds, person)
        return person

    def issue(self, identity: str, channel: str, need_draft: Optional[Mapping[str, Any]] = None) -> LinkCode:
        return self.links.issue(identity, channel, need_draft)

    def redeem(self, identity: str, channel: str, code: str) -> Redemption:
        return self._changing(lambda: self.links.redeem(identity, channel, code))

    def unlink(self, identity: str) -> bool:
        return self._changing(lambda: self.links.unlink(identity))

    def channels(self, person: str) -> List[str]:
        return self.links.channels(person)

    def forget(self, identity: str, actor: str = "citizen") -> Erased:
        """Deletes the person (through any of their screens) and the conversations of their
        other screens; the current conversation is erased by the tracker store itself
        (``forget_requested``). Raises StoreUnavailable like ``InsightsStore.forget``."""
        try:
            group = self.store.identities(identity)
        except StoreUnavailable:
            group = [identity]  # the erasure is spooled and finds the links when it runs
        others = [pseudonym for pseudonym in group if pseudonym != identity]
        records = self._changing(lambda: self.store.forget(group[0], actor=actor))
        conversations = self._forget_conversations(group[0], others, actor)
        return Erased(records, len(others), max(conversations, 0), conversations < 0)

    def _changing(self, change: Callable[[], Any]) -> Any:
        try:
            return change()
        finally:
            self._cache.clear()

    def _forget_conversations(self, person: str, others: List[str], actor: str) -> int:
        """Deletes the other screens' conversations; when that fails (-1), each is left in the
        audit log (``forget.conversations.pending``) for ``coserve insights forget --person``."""
        if not others:
            return 0
        try:
            from bot.privacy.tracker_store import forget_conversations_of

            url = self._tracker_store or self._endpoints_tracker_store()
            if url is None:
                raise LookupError("no SQL tracker store configured")
            result = forget_conversations_of(url, others, self._key)
        except Exception as error:  # noqa: BLE001 - the records are gone; staff finish the rest
            log.error("linked screens' conversations not deleted (%s); see the audit log", type(error).__name__)
            for pseudonym in others:
                with suppress(StoreUnavailable):
                    self.store.record_audit(actor, "forget.conversations.pending", pseudonym,
                                            {"reason": type(error).__name__})
            return -1
        with suppress(StoreUnavailable):
            self.store.record_audit(actor, "forget.conversations", person,
                                    {"conversations": result.conversations, "events": result.events,
                                     "screens": len(others)})
        return result.conversations

    @staticmethod
    def _endpoints_tracker_store() -> Optional[str]:
        from bot.privacy.tracker_store import tracker_store_url

        return tracker_store_url()
