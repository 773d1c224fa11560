"""Handing a conversation to agency staff, and saying honestly when they will answer.

The hand-off record (a redacted summary of the conversation and the open need) goes to the
insights store, where staff see it; the person is told whether it is office hours and, if
not, when the office next opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional, Sequence
from zoneinfo import ZoneInfo

from bot.insights.store import InsightsStore
from bot.settings import HandoffSettings

MAX_SUMMARY_MESSAGES = 6


@dataclass(frozen=True)
class HandoffTicket:
    reference: Optional[int]  # the hand-off id, when the store could write it
    during_office_hours: bool
    next_opening: dt.datetime  # local time; now, during office hours


class OfficeHours:
    def __init__(self, settings: HandoffSettings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.zone)
        return (local.weekday() in self.settings.office_days
                and self.settings.opens <= local.time() < self.settings.closes)

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """The moment itself when open, else the start of the next office day."""
        local = moment.astimezone(self.zone)
        if self.is_open(local):
            return local
        day = local.date() if local.time() < self.settings.opens else local.date() + dt.timedelta(days=1)
        for _ in range(8):
            if day.weekday() in self.settings.office_days:
                return dt.datetime.combine(day, self.settings.opens, tzinfo=self.zone)
            day += dt.timedelta(days=1)
        raise ValueError("no office days configured")


def conversation_summary(user_messages: Sequence[str], need_summary: Optional[str]) -> str:
    """What staff read first: the open need, then the person's last few messages."""
    lines = [f"Need: {need_summary}"] if need_summary else []
    recent = [m for m in user_messages if m and not m.startswith("/")][-MAX_SUMMARY_MESSAGES:]
    lines += [f"> {m}" for m in recent]
    return "\n".join(lines) or "(no messages)"


class HandoffService:
    def __init__(self, store: InsightsStore, settings: HandoffSettings,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.store = store
        self.hours = OfficeHours(settings)
        self.clock = clock

    def open(self, person: str, summary: str, need_id: Optional[int] = None) -> HandoffTicket:
        """Records the hand-off (redacted by the store; spooled if the database is down)."""
        result = self.store.open_handoff(person, summary, open_need_id=need_id)
        now = self.clock()
        return HandoffTicket(result.id, self.hours.is_open(now), self.hours.next_opening(now))
