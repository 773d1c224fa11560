"""Co-production insights: what people need, think and look for, kept only with consent.

Start-up code builds one ``InsightsStore`` (``InsightsStore.from_settings(get_settings())``),
calls ``migrate()``, and hands it to the actions; nothing here connects at import time.
"""

from bot.insights.database import StoreUnavailable
from bot.insights.records import (
    AuditEntry,
    Consent,
    ContactChannel,
    DataSummary,
    Feedback,
    FeedbackKind,
    FitRating,
    Handoff,
    HandoffStatus,
    NeedRecord,
    Preference,
    Purpose,
    SatisfactionRating,
    SearchEvent,
    Urgency,
    WriteResult,
    WriteStatus,
)
from bot.insights.store import InsightsStore

__all__ = [
    "AuditEntry",
    "Consent",
    "ContactChannel",
    "DataSummary",
    "Feedback",
    "FeedbackKind",
    "FitRating",
    "Handoff",
    "HandoffStatus",
    "InsightsStore",
    "NeedRecord",
    "Preference",
    "Purpose",
    "SatisfactionRating",
    "SearchEvent",
    "StoreUnavailable",
    "Urgency",
    "WriteResult",
    "WriteStatus",
]
