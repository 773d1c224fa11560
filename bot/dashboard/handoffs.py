"""Hand-offs waiting for staff: a work queue, read only.

Each row is one person's request for a human, so looking at the list is a staff action on
personal data and is audited by the caller. Summaries were redacted before they were
stored; pseudonyms are not shown, because staff answer in the conversation, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.insights import schema as t
from bot.insights.records import HandoffStatus

WAITING = (HandoffStatus.OPEN.value, HandoffStatus.IN_PROGRESS.value)
LIST_LIMIT = 200


@dataclass(frozen=True)
class WaitingHandoff:
    id: int
    created_at: datetime
    status: str
    summary: str
    category: Optional[str]  # the service area of the open need, if there was one


def waiting_count(connection: Connection) -> int:
    query = select(func.count()).select_from(t.handoffs).where(t.handoffs.c.status.in_(WAITING))
    return int(connection.execute(query).scalar_one())


def waiting(connection: Connection, limit: int = LIST_LIMIT) -> List[WaitingHandoff]:
    """The oldest waiting hand-offs first: they have waited longest."""
    h, n = t.handoffs.c, t.needs.c
    query = (select(h.id, h.created_at, h.status, h.summary, n.category)
             .select_from(t.handoffs.outerjoin(t.needs, h.open_need_id == n.id))
             .where(h.status.in_(WAITING)).order_by(h.created_at, h.id).limit(limit))
    return [WaitingHandoff(*row) for row in connection.execute(query)]
