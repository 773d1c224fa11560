"""Telling people who opted in, when staff mark a need category addressed.

``bot.followup.notify`` does the sending (recipients, their conversations, Rasa's HTTP API,
one audit row per person and one for the run). It is slow and talks to other services, so
the dashboard runs it on its worker thread after the marker is stored and answers at once;
what happened is read back from the audit log. Without ``dashboard.followup_rasa_url``
nothing is sent from here and staff use ``coserve followup send``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.dashboard.addressed import Marker
from bot.followup import RasaUnreachable, note_id, notify
from bot.insights import schema as t
from bot.insights.database import StoreUnavailable
from bot.insights.store import InsightsStore

log = logging.getLogger(__name__)
RUN = "followup.notify"  # the run's own audit row (subject None), written by bot.followup
NOT_SENT = "dashboard.followup_not_sent"
REACHED = ("sent", "already_sent")


@dataclass(frozen=True)
class FollowupTarget:
    """Where ``notify`` sends: Rasa (started with --enable-api) and its SQL tracker store."""

    rasa_url: str
    tracker_store: Optional[str]  # None: the one in endpoints.yml
    pseudonym_key: str


def announce_to_people_who_opted_in(store: InsightsStore, marker: Marker, target: FollowupTarget) -> None:
    """Runs ``notify`` for the marker (on a worker thread, in its own event loop). A failure
    before anything was sent is logged and audited, so the page can say so."""
    actor = f"staff:{marker.staff}"
    try:
        tracker_store = target.tracker_store or _endpoints_tracker_store()
        if tracker_store is None:
            raise LookupError("no SQL tracker store in endpoints.yml")
        asyncio.run(notify(marker.category, marker.note_zh, marker.note_en, target.rasa_url,
                           tracker_store, target.pseudonym_key, store=store, actor=actor))
    except (RasaUnreachable, StoreUnavailable, SQLAlchemyError, LookupError, ValueError) as error:
        log.error("dashboard: follow-up for marker %s not sent: %s", marker.id, type(error).__name__)
        with contextlib.suppress(StoreUnavailable):
            store.record_audit(actor, NOT_SENT, None, {"category": marker.category, "marker": marker.id,
                                                       "error": type(error).__name__})


def _endpoints_tracker_store() -> Optional[str]:
    from bot.privacy.tracker_store import tracker_store_url  # reads endpoints.yml with Rasa's reader

    return tracker_store_url()


def followup_results(connection: Connection, markers: Sequence[Marker]) -> Dict[int, Dict[str, object]]:
    """Per marker: ``{"reached": n, "total": m}`` from the run's audit row, ``{"error": name}``
    when it could not be sent, or nothing yet."""
    a = t.audit_log.c
    rows = connection.execute(select(a.action, a.detail).where(a.subject.is_(None),
                                                               a.action.in_((RUN, NOT_SENT)))
                              .order_by(a.id.desc()).limit(500)).all()
    found: Dict[int, Dict[str, object]] = {}
    for marker in markers:
        note = note_id(marker.note_zh, marker.note_en)
        for action, detail in rows:
            if action == RUN and detail.get("category") == marker.category and detail.get("note") == note:
                counts = {k: v for k, v in detail.items() if k not in ("category", "note")}
                found[marker.id] = {"reached": sum(counts.get(s, 0) for s in REACHED),
                                    "total": sum(counts.values())}
                break
            if action == NOT_SENT and detail.get("marker") == marker.id:
                found[marker.id] = {"error": detail.get("error", "")}
                break
    return found
