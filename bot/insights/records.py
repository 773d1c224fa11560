"""Typed records of what CoServe keeps about a person, and what a write did.

The store takes and returns these, the spool serialises them, and the dialogue layer reads
them; validation against the shared vocabularies (``bot.taxonomy``) happens here once, so a
need counted as ``elderly_care`` in the insights is the same ``elderly_care`` as in the KB.
Free text is redacted by the store before a record is built; people appear only as
pseudonymous ids (``bot.privacy.pseudonym``), never as channel accounts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field, validator

from bot.privacy.pseudonym import is_pseudonymous_id
from bot.taxonomy import AUDIENCES, CITIES, LANGUAGES, SERVICE_AREAS, TAIPEI_DISTRICTS


class Purpose(str, enum.Enum):
    """What a person may consent to, each separately."""

    INSIGHTS = "insights"  # needs, feedback, ratings, search events for aggregated insights
    PERSONALISATION = "personalisation"  # preferences and profile used to re-rank answers
    FOLLOWUP = "followup"  # proactive follow-up messages


class FitRating(str, enum.Enum):
    FITS = "fits"
    PARTLY = "partly"
    NOT_AT_ALL = "not_at_all"


class FeedbackKind(str, enum.Enum):
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    PRAISE = "praise"


class Urgency(str, enum.Enum):
    """The needs form's answers (bot/needs/draft.py)."""

    URGENT = "urgent"
    SOON = "soon"
    NOT_URGENT = "not_urgent"


class ContactChannel(str, enum.Enum):
    """How the person would like to be reached about a need, if at all."""

    NONE = "none"
    CHAT = "chat"
    LINE = "line"
    TELEGRAM = "telegram"
    PHONE = "phone"
    EMAIL = "email"


class HandoffStatus(str, enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class WriteStatus(str, enum.Enum):
    STORED = "stored"
    NO_CONSENT = "no_consent"  # nothing was stored: the person has not consented
    SPOOLED = "spooled"  # database unreachable: kept in the local spool until flush_spool()
    NOT_FOUND = "not_found"  # the record to update does not exist (or is not this person's)


@dataclass(frozen=True)
class WriteResult:
    """The outcome of a write; writes never raise for missing consent or a down database."""

    status: WriteStatus
    id: Optional[int] = None

    @property
    def stored(self) -> bool:
        return self.status is WriteStatus.STORED


def _person(value: Optional[str]) -> Optional[str]:
    if value is not None and not is_pseudonymous_id(value):
        raise ValueError("must be a pseudonymous id from bot.privacy.pseudonymous_id")
    return value


def _in(vocabulary: Any, name: str, value: Optional[str]) -> Optional[str]:
    if value is not None and value not in vocabulary:
        raise ValueError(f"unknown {name} {value!r}; use an id from bot.taxonomy")
    return value


class Record(BaseModel):
    """Base: immutable, person checked to be a pseudonym."""

    class Config:
        allow_mutation = False

    @validator("person", check_fields=False)
    def _pseudonymous(cls, value: Optional[str]) -> Optional[str]:
        return _person(value)


class _Said(Record):
    """Records made from something the person said, in a language, on a channel."""

    language: str = "zh-TW"
    channel: str = Field("", max_length=32)

    @validator("language")
    def _known_language(cls, value: str) -> str:
        return _in(LANGUAGES, "language", value) or value


class Person(Record):
    person: str
    first_seen: datetime


class Consent(Record):
    person: str
    purpose: Purpose
    policy_version: str = Field(..., min_length=1, max_length=32)
    granted_at: datetime
    withdrawn_at: Optional[datetime] = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class NeedRecord(_Said):
    id: Optional[int] = None
    person: str
    category: str
    target_group: Optional[str] = None
    city: Optional[str] = None
    district: Optional[str] = Field(None, max_length=64)
    urgency: Optional[Urgency] = None
    contact_channel: Optional[ContactChannel] = None
    free_text: str = ""
    matched_service_ids: List[str] = []
    fit_rating: Optional[FitRating] = None
    fit_reason: Optional[str] = None
    created_at: datetime
    confirmed_at: Optional[datetime] = None

    @validator("category")
    def _service_area(cls, value: str) -> str:
        return _in(SERVICE_AREAS, "service area", value) or value

    @validator("target_group")
    def _audience(cls, value: Optional[str]) -> Optional[str]:
        return _in(AUDIENCES, "target group", value)

    @validator("city")
    def _city(cls, value: Optional[str]) -> Optional[str]:
        return _in(CITIES, "city", value)

    @validator("district")
    def _district(cls, value: Optional[str], values: Dict[str, Any]) -> Optional[str]:
        if values.get("city") in (None, "taipei"):
            return _in(TAIPEI_DISTRICTS, "Taipei district", value)
        return value


class NeedUpdate(Record):
    """The person's later word on a need: whether the matched services fit, and confirmation."""

    person: str
    need_id: int
    fit_rating: Optional[FitRating] = None
    fit_reason: Optional[str] = None
    confirmed_at: Optional[datetime] = None


class Withdrawal(Record):
    person: str
    purpose: Purpose
    at: datetime


class Erasure(Record):
    """A "forget me" request; ``spool_purged`` counts entries removed from the spool first."""

    person: str
    actor: str = Field(..., min_length=1, max_length=128)
    at: datetime
    spool_purged: int = 0


class Preference(Record):
    person: str
    key: str = Field(..., regex=r"^[a-z][a-z0-9_]{0,63}$")
    value: str = Field(..., max_length=500)
    updated_at: datetime


class Feedback(_Said):
    id: Optional[int] = None
    person: str
    text: str
    service_id: Optional[str] = Field(None, max_length=128)
    kind: FeedbackKind
    created_at: datetime


class SearchEvent(_Said):
    id: Optional[int] = None
    person: Optional[str] = None  # None: an anonymous knowledge-gap log, see InsightsStore
    query: str
    top_ids: List[str] = []
    top_scores: List[float] = []
    answered: bool
    created_at: datetime


class SatisfactionRating(Record):
    id: Optional[int] = None
    person: str
    service_id: Optional[str] = Field(None, max_length=128)
    score: int = Field(..., ge=1, le=5)
    created_at: datetime


class Handoff(Record):
    id: Optional[int] = None
    person: str
    summary: str
    open_need_id: Optional[int] = None
    status: HandoffStatus = HandoffStatus.OPEN
    created_at: datetime


class AuditEntry(BaseModel):
    """Who did what to whose data; ``subject`` is a pseudonym and ``detail`` holds no text."""

    id: Optional[int] = None
    actor: str = Field(..., min_length=1, max_length=128)
    action: str
    subject: Optional[str] = None
    detail: Dict[str, Any] = {}
    at: datetime


class DataSummary(BaseModel):
    """What "show my data" tells a person: counts per kind, consents and preferences."""

    person: str
    consents: List[Consent]
    preferences: Dict[str, str]
    counts: Dict[str, int]
    pending: int = 0  # records about the person still waiting in the spool
    linked_channels: List[str] = []  # the channel of each linked screen; empty when not linked

    @property
    def total_records(self) -> int:
        return sum(self.counts.values()) + self.pending
