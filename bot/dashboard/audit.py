"""Audit rows for staff actions on personal data, written in the caller's transaction.

Through ``Queries.audit``, the same statement the store's "forget" and retention use, so
the audit log has one shape. In the transaction that reads or writes the data, so a view
or download that is not recorded cannot happen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict

from sqlalchemy.engine import Connection

from bot.insights.queries import Queries

VIEW_HANDOFFS = "dashboard.view_handoffs"
EXPORT = "dashboard.export"
MARK_ADDRESSED = "dashboard.mark_addressed"


def record(connection: Connection, staff: str, action: str, detail: Dict[str, Any],
           at: datetime) -> None:
    """One row; ``detail`` holds ids, counts and filters, never free text."""
    Queries().audit(connection, f"staff:{staff}", action, None, detail, at)
