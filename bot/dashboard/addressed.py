""""This need category has been addressed": the marker the follow-up service acts on.

Staff record that the city did something about a service area (a new service, clearer
information), with a note in both languages that follow-up messages quote (``bot.followup``
checks them). The marker and its audit row are written in one transaction, so there is
never a marker nobody is accountable for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import List

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from bot.dashboard import audit
from bot.dashboard.tables import addressed_categories
from bot.followup import MAX_NOTE_CHARS, check_request

__all__ = ["MAX_NOTE_CHARS", "Marker", "mark_addressed", "recent_markers", "valid_marker"]


@dataclass(frozen=True)
class Marker:
    id: int
    category: str
    note_zh: str
    note_en: str
    staff: str
    at: datetime


def valid_marker(category: str, note_zh: str, note_en: str) -> bool:
    """The follow-up service's own rule, so every marker can be sent as it is."""
    try:
        check_request(category, note_zh, note_en)
    except ValueError:
        return False
    return True


def mark_addressed(connection: Connection, category: str, note_zh: str, note_en: str,
                   staff: str, at: datetime) -> Marker:
    """Stores the marker and its audit row (actor ``staff:<name>``)."""
    check_request(category, note_zh, note_en)
    marker = Marker(0, category, note_zh.strip(), note_en.strip(), staff, at)
    values = {k: v for k, v in asdict(marker).items() if k != "id"}
    marker = replace(marker, id=int(connection.execute(insert(addressed_categories).values(**values))
                                    .inserted_primary_key[0]))
    audit.record(connection, staff, audit.MARK_ADDRESSED, {"category": category, "marker": marker.id},
                 at)
    return marker


def recent_markers(connection: Connection, limit: int = 20) -> List[Marker]:
    c = addressed_categories.c
    query = select(c.id, c.category, c.note_zh, c.note_en, c.staff, c.at)
    return [Marker(*row) for row in connection.execute(query.order_by(c.at.desc(), c.id.desc())
                                                       .limit(limit))]
