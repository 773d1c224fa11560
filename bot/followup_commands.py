"""``coserve followup send``: tell people who opted in that the city added something for a need.

Problems found before sending (unknown category, empty note, no tracker store, insights
database or Rasa not answering) exit with 2 and send nothing. Once sending starts, every
recipient gets a line (pseudonym, status, reason) and the exit code is 1 unless everyone was
reached, so a partial run is never silent.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any, Optional

from bot.cli_support import fail

DEFAULT_RASA_URL = "http://localhost:5005"


def _settings() -> Any:
    from bot.settings import get_settings

    return get_settings()


def run_send(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.followup import RasaUnreachable, Status, check_request, notify
    from bot.insights.database import StoreUnavailable
    from bot.insights.store import InsightsStore
    from bot.settings import SettingsError

    try:
        check_request(args.category, args.note_zh, args.note_en)
        settings = _settings()
    except (ValueError, SettingsError) as error:
        return fail(str(error))
    tracker_store = args.tracker_store or _tracker_store_url()
    if tracker_store is None:
        return fail("no SQL tracker store in endpoints.yml; pass --tracker-store URL")
    problem = _unusable(tracker_store)
    if problem:
        return fail(f"{problem}; nothing was sent")
    store = InsightsStore.from_settings(settings)
    if args.database_url:  # another database, the configured spool
        store = InsightsStore(args.database_url, spool_path=store.spool.path)
    key = settings.insights.pseudonym_key.get_secret_value()
    try:
        store.migrate()
        summary = asyncio.run(notify(
            args.category, args.note_zh, args.note_en, args.rasa_url, tracker_store, key,
            store=store, dry_run=args.dry_run, actor=args.actor, timeout=args.timeout))
    except RasaUnreachable as error:
        return fail(f"{error}; nothing was sent")
    except StoreUnavailable as error:
        return fail(f"insights database unavailable ({error}); nothing was sent")
    except SQLAlchemyError as error:
        return fail(f"tracker store unreadable ({type(error).__name__}); nothing was sent")
    finally:
        store.close()
    verb = "would reach" if args.dry_run else "reached"
    print(f"follow-up for {args.category}: {len(summary.outcomes)} people opted in with such a need")
    for outcome in summary.outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        print(f"  {outcome.person}  {outcome.status.value}  ({outcome.conversations} conversations){reason}")
    counts = ", ".join(f"{status} {count}" for status, count in sorted(summary.counts().items()))
    reached = sum(o.status in (Status.SENT, Status.WOULD_SEND) for o in summary.outcomes)
    print(f"{verb} {reached} of {len(summary.outcomes)}" + (f" ({counts})" if counts else ""))
    if summary.audit_missing:
        print(f"warning: {summary.audit_missing} audit rows could not be written (database down)")
    return 0 if summary.complete else 1


def _unusable(url: str) -> Optional[str]:
    """Why ``url`` cannot be Rasa's tracker store: malformed, or a SQLite file that does not
    exist (opening it would create an empty one and report everyone as without conversation)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "--tracker-store is not an SQLAlchemy URL"
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
            and not Path(database).exists():
        return f"tracker store {database} does not exist (is Rasa using another one?)"
    return None


def _tracker_store_url() -> Any:
    from bot.privacy.tracker_store import tracker_store_url

    return tracker_store_url()


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("followup", help="proactive follow-up to people who opted in")
    commands = group.add_subparsers(dest="command", required=True)
    send = commands.add_parser(
        "send", help="tell people with a need in CATEGORY (and follow-up consent) what is new")
    send.add_argument("--category", required=True, help="service area id, e.g. elderly_care")
    send.add_argument("--note-zh", required=True, help="what is new, in Traditional Chinese")
    send.add_argument("--note-en", required=True, help="what is new, in English")
    send.add_argument("--rasa-url", default=DEFAULT_RASA_URL,
                      help=f"Rasa server started with --enable-api (default: {DEFAULT_RASA_URL})")
    send.add_argument("--dry-run", action="store_true", help="list who would be told; send nothing")
    send.add_argument("--tracker-store", help="SQLAlchemy URL of Rasa's tracker store (default: endpoints.yml)")
    send.add_argument("--database-url", help="insights database (default: coserve.yml)")
    send.add_argument("--actor", default="cli", help="staff member, for the audit log")
    send.add_argument("--timeout", type=float, default=30.0, help="seconds per request to Rasa")
    send.set_defaults(handler=run_send)
