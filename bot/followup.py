"""Proactive follow-up: tell people who opted in that the city now has something for their need.

Run by staff as a command (``coserve followup send``), never in the request path. The
recipients are people with a need in the category AND a current ``followup`` consent (the
insights store decides, failing closed); their conversations are found in Rasa's SQL tracker
store by pseudonym (bot/privacy/tracker_store.py); then Rasa's HTTP API triggers
``EXTERNAL_need_addressed`` in each (``output_channel=latest``), so the dialogue itself says
it, in the person's language, on the channel they used (action_notify_addressed).

Raw sender ids never leave this module: outcomes and the audit log name people by pseudonym,
and failure reasons are built here rather than copied from errors that carry the URL. The
audit log names the announcement by a digest, so running the same one again (after a partial
failure) reaches only the people it missed.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

import aiohttp
from sqlalchemy.engine import URL, Engine

from bot.insights.database import StoreUnavailable
from bot.insights.store import InsightsStore
from bot.privacy.tracker_store import conversations_of
from bot.taxonomy import SERVICE_AREAS

EXTERNAL_INTENT = "EXTERNAL_need_addressed"
MAX_NOTE_CHARS = 1000  # the message must fit one LINE text bubble (5,000) with room to spare
# Rasa (Sanic) does not percent-decode the conversation id in the URL path, so only ids that
# need no encoding can be addressed; LINE, Telegram and socket.io ids all qualify.
_ADDRESSABLE = re.compile(r"[A-Za-z0-9._~:@-]+")


class Status(str, enum.Enum):
    """What happened for one person (the best outcome over their conversations)."""

    SENT = "sent"  # said in the conversation and handed to its channel
    UNDELIVERED = "undelivered"  # said, but that channel cannot send on its own (e.g. REST)
    SKIPPED = "skipped"  # the conversation said nothing: it does not show the opt-in
    FAILED = "failed"  # Rasa refused or did not answer
    ALREADY_SENT = "already_sent"  # this note was sent to them before: a re-run skips them
    NO_CONVERSATION = "no_conversation"  # nothing of theirs in the tracker store
    WOULD_SEND = "would_send"  # dry run


_RANK = [Status.SENT, Status.FAILED, Status.UNDELIVERED, Status.SKIPPED]


class RasaUnreachable(Exception):
    """Rasa's HTTP API did not answer before anything was sent; nothing was sent."""


@dataclass(frozen=True)
class Outcome:
    person: str  # a pseudonym
    status: Status
    conversations: int
    reason: str = ""


@dataclass
class Summary:
    category: str
    dry_run: bool
    outcomes: List[Outcome] = field(default_factory=list)
    audit_missing: int = 0  # outcomes whose audit row could not be written

    def counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        return counts

    @property
    def complete(self) -> bool:
        """Everyone was reached (or would be) and every send is in the audit log."""
        done = {Status.SENT, Status.WOULD_SEND, Status.ALREADY_SENT}
        return self.audit_missing == 0 and all(o.status in done for o in self.outcomes)


def recipients(store: InsightsStore, category: str) -> List[str]:
    """Pseudonyms with a need in ``category`` and a current follow-up consent."""
    return store.followup_recipients(category)


def check_request(category: str, note_zh: str, note_en: str) -> None:
    """Raises ValueError for an unknown category or an empty or overlong note."""
    if category not in SERVICE_AREAS:
        raise ValueError(f"unknown category {category!r}; one of: {', '.join(SERVICE_AREAS)}")
    for name, note in (("note_zh", note_zh), ("note_en", note_en)):
        if not note.strip():
            raise ValueError(f"{name} is empty: every message goes out in zh-TW and English")
        if len(note) > MAX_NOTE_CHARS:
            raise ValueError(f"{name} is longer than {MAX_NOTE_CHARS} characters")


async def notify(
    category: str, note_zh: str, note_en: str, rasa_url: str,
    tracker_store_url: Union[str, URL, Engine], key: Union[str, bytes], *,
    store: InsightsStore, dry_run: bool = False, actor: str = "cli", timeout: float = 30.0,
) -> Summary:
    """Sends the note to every recipient's conversations and audits each person's outcome.

    Raises ValueError (bad request), StoreUnavailable (insights database down) and
    RasaUnreachable (checked before the first send); after that, failures are per person.
    """
    check_request(category, note_zh, note_en)
    note = note_id(note_zh, note_en)
    people = recipients(store, category)
    conversations = conversations_of_people(store, tracker_store_url, people, key)
    summary = Summary(category, dry_run)
    done = {p for p in people if _sent_before(store, p, category, note)}
    summary.outcomes = [Outcome(p, Status.ALREADY_SENT, len(conversations[p])) for p in people if p in done]
    people = [p for p in people if p not in done]
    if dry_run:
        summary.outcomes += [Outcome(p, Status.WOULD_SEND if conversations[p] else Status.NO_CONVERSATION,
                                     len(conversations[p])) for p in people]
        return summary
    base = rasa_url.rstrip("/")
    body = {"name": EXTERNAL_INTENT,
            "entities": {"service_area": category, "note_zh": note_zh.strip(), "note_en": note_en.strip()}}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        await _check_rasa(session, base)
        for person in people:
            results = [await _trigger(session, base, sender, body) for sender in conversations[person]]
            outcome = _outcome(person, results)
            summary.outcomes.append(outcome)  # audited at once: a crash later loses no record
            detail = {"category": category, "note": note, "status": outcome.status.value,
                      "conversations": outcome.conversations}
            summary.audit_missing += not _audit(store, actor, person, detail)
    summary.audit_missing += not _audit(store, actor, None,
                                        {"category": category, "note": note, **summary.counts()})
    return summary


def conversations_of_people(store: InsightsStore, tracker_store_url: Union[str, URL, Engine],
                            people: List[str], key: Union[str, bytes]) -> Dict[str, List[str]]:
    """Each person's conversations on every screen they linked (bot/insights/links.py): the
    opt-in may have been given on any of them, and the note goes to all."""
    screens = {person: store.identities(person) for person in people}
    found = conversations_of(tracker_store_url, [s for group in screens.values() for s in group], key)
    return {person: sorted({sender for screen in group for sender in found[screen]})
            for person, group in screens.items()}


def note_id(note_zh: str, note_en: str) -> str:
    """A short digest naming an announcement in the audit log without keeping its text."""
    return hashlib.sha256(f"{note_zh.strip()}\n{note_en.strip()}".encode()).hexdigest()[:16]


def _sent_before(store: InsightsStore, person: str, category: str, note: str) -> bool:
    """Whether the audit log shows this announcement reached ``person``: re-running after a
    partial failure then reaches only those it missed."""
    return any(entry.action == "followup.notify" and entry.detail.get("category") == category
               and entry.detail.get("note") == note and entry.detail.get("status") == Status.SENT.value
               for entry in store.audit_log(person, limit=1000))


async def _check_rasa(session: aiohttp.ClientSession, base: str) -> None:
    try:
        async with session.get(f"{base}/version") as response:
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise RasaUnreachable(f"Rasa at {base} did not answer ({type(error).__name__})") from None
    if status == 404:
        raise RasaUnreachable(f"Rasa at {base} answers but its HTTP API is off: run it with --enable-api")
    if status != 200:
        raise RasaUnreachable(f"Rasa at {base} answered HTTP {status} to /version")


async def _trigger(session: aiohttp.ClientSession, base: str, sender: str, body: Dict[str, Any]
                   ) -> Tuple[Status, str]:
    """One conversation: (status, reason), the reason free of the sender id."""
    if not _ADDRESSABLE.fullmatch(sender):
        return Status.FAILED, "conversation id cannot be used in Rasa's API path"
    url = f"{base}/conversations/{sender}/trigger_intent"
    try:
        async with session.post(url, json=body, params={"output_channel": "latest"}) as response:
            status = response.status
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return Status.FAILED, type(error).__name__
    if status != 200 or not isinstance(answer, dict):
        reason = answer.get("reason", "") if isinstance(answer, dict) else ""
        hint = " (is the model trained with EXTERNAL_need_addressed?)" if status == 404 else ""
        return Status.FAILED, f"HTTP {status} {reason}".strip() + hint
    if not _said_something(answer.get("tracker")):
        return Status.SKIPPED, "the conversation does not show the opt-in"
    if "messages" in answer:  # Rasa fell back to collecting the messages into this response
        return Status.UNDELIVERED, "the conversation's channel cannot send on its own"
    return Status.SENT, ""


def _said_something(tracker: Any) -> bool:
    """Whether a bot message follows the last external user event of the returned tracker."""
    events = tracker.get("events") if isinstance(tracker, dict) else None
    said = False
    for event in events or []:
        if event.get("event") == "user" and (event.get("metadata") or {}).get("is_external"):
            said = False
        elif event.get("event") == "bot":
            said = True
    return said


def _outcome(person: str, results: List[Tuple[Status, str]]) -> Outcome:
    if not results:
        return Outcome(person, Status.NO_CONVERSATION, 0)
    best = min((status for status, _ in results), key=_RANK.index)
    reasons = sorted({reason for status, reason in results if reason and status is not Status.SENT})
    return Outcome(person, best, len(results), "; ".join(reasons) if best is not Status.SENT else "")


def _audit(store: InsightsStore, actor: str, subject: Optional[str], detail: Dict[str, Any]) -> bool:
    """One audit row (per person, and one for the run; statuses only, never the note text)."""
    try:
        store.record_audit(actor, "followup.notify", subject, detail)
    except StoreUnavailable:
        return False
    return True
