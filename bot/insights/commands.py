"""``coserve insights …``: exports, frozen weeks, "forget" on behalf of a person, retention,
spool, counts.

Staff actions on personal data and on what is published (export, freeze, forget, retain,
flush) write an audit row naming the actor; ``forget`` also deletes the person's
conversations from Rasa's tracker store. Handlers take an opened store (``run_*``) so tests
and scripts can pass their own.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from tqdm import tqdm

from bot.cli_support import fail
from bot.insights.database import StoreUnavailable
from bot.insights.export import FORMATS
from bot.insights.store import InsightsStore

Runner = Callable[[argparse.Namespace, InsightsStore], int]


def iso_date(value: str) -> date:
    """argparse type: a YYYY-MM-DD date, or a usage error (exit code 2)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days (1 or more)")
    return number


def not_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days (0 or more)")
    return number


def audit(store: InsightsStore, actor: str, action: str, subject: Optional[str],
          detail: Dict[str, Any]) -> None:
    """One audit row, in the same table and shape as the store's own."""
    from bot.insights.queries import Queries
    from bot.insights.store import utc_now

    with store.db.transaction(force=True) as connection:
        Queries().audit(connection, actor, action, subject, detail, utc_now())


def freezing(args: argparse.Namespace) -> Any:
    """When weeks are due to freeze, as of ``--today`` (tests) or now, and by whom."""
    from bot.insights.frozen import Freezing
    from bot.insights.store import utc_now

    after = getattr(args, "after_days", None)
    after = int(_settings().insights.freeze_after_days) if after is None else after
    today = getattr(args, "today", None)
    if today is not None:
        return Freezing.on(today, after, args.actor)
    return Freezing(after, utc_now(), args.actor)


def run_export(args: argparse.Namespace, store: InsightsStore) -> int:
    from bot.insights.aggregate import Period
    from bot.insights.export import write_export, write_polis
    from bot.insights.report import build_report

    if args.date_from > args.date_to:
        return fail(f"--from {args.date_from} is after --to {args.date_to}")
    period = Period.covering(args.date_from, args.date_to, today=getattr(args, "today", None))
    k = args.k or _settings_k()
    if k < 2:
        return fail("--k must be at least 2")
    name = f"insights-{args.date_from}-{args.date_to}-{args.format}"
    out = Path(args.out) if args.out else _exports_dir() / name
    encoder = None if args.no_clusters else _encoder(args)
    with tqdm(total=0, desc="insights export", unit="text", disable=args.quiet) as bar:
        bar.set_postfix_str("aggregating")
        with store.db.transaction(force=True) as connection:
            def progress(done: int) -> None:
                bar.total = max(bar.total or 0, bar.n + done)
                bar.update(done)

            report = build_report(connection, period, k, encoder, language=args.lang,
                                  progress=progress, city=args.city, districts=args.district,
                                  freezing=freezing(args))
            polis = write_polis(connection, period, k, out / "polis") if args.polis else []
        bar.set_postfix_str("writing")
        files = write_export(report, args.format, out)
    detail = {"from": str(period.start), "to": str(period.end), "format": args.format, "k": k,
              "rows": sum(len(rows) for rows in (report.aggregates.needs, report.aggregates.searches,
                                                 report.aggregates.satisfaction, report.aggregates.fit)),
              "clusters": len(report.gaps), "polis_comments": bool(polis),
              "frozen_weeks": len(report.aggregates.frozen)}
    audit(store, args.actor, "insights.export", None, detail)
    for note in report.notes():
        print(f"note: {note}")
    if args.polis and not polis:
        print(f"note: no Pol.is files: fewer than {k} people made suggestions in the period")
    print(f"wrote {len(files) + len(polis)} files to {out}")
    return 0


def run_freeze(args: argparse.Namespace, store: InsightsStore) -> int:
    """Freezes every due week, one transaction per week (an interrupted run keeps what it
    froze; the next run goes on from there), then writes one audit row."""
    from bot.insights import frozen
    from bot.insights.aggregate import iso_week

    k = args.k or _settings_k()
    if k < 2:
        return fail("--k must be at least 2")
    when = freezing(args)
    with store.db.transaction(force=True) as connection:
        due = frozen.due_weeks(connection, k, when)
    written: Dict[Any, int] = {}
    with tqdm(due, desc="insights freeze", unit="week", disable=args.quiet) as weeks:
        for week in weeks:
            weeks.set_postfix_str(iso_week(week))
            with store.db.transaction(force=True) as connection:
                written.update(frozen.freeze(connection, [week], k, when))
    detail = frozen.audit_detail(k, written, when, on_demand=False)
    audit(store, args.actor, frozen.FREEZE, None, detail)
    weeks_word = "week" if len(written) == 1 else "weeks"
    cells_word = "cell" if detail["cells"] == 1 else "cells"
    print(f"froze {len(written)} {weeks_word} ({detail['cells']} published {cells_word}, k={k}); "
          f"weeks up to {iso_week(when.last_due)} are due ({when.after_days} days after they end)")
    return 0


def run_forget(args: argparse.Namespace, store: InsightsStore) -> int:
    from bot.privacy.pseudonym import is_pseudonymous_id
    from bot.privacy.tracker_store import forget_conversations_of, tracker_store_url

    if not is_pseudonymous_id(args.person):
        return fail("--person must be a 32-hex pseudonym (see `coserve insights stats`)")
    try:  # a linked person is forgotten whole: every screen's conversation too
        screens = store.identities(args.person)
    except StoreUnavailable:
        screens = [args.person]
    try:
        deleted = store.forget(args.person, actor=args.actor)
        print(f"deleted {deleted} insights records")
    except StoreUnavailable as error:
        if not error.spooled:
            raise
        print(f"insights database unavailable; erasure queued: {error}")
    if args.no_trackers:
        return 0
    url = args.tracker_store or tracker_store_url()
    if url is None:
        return fail("no SQL tracker store in endpoints.yml; pass --tracker-store URL")
    key = _settings().insights.pseudonym_key.get_secret_value()
    result = forget_conversations_of(url, sorted(set(screens) | {args.person}), key)
    audit(store, args.actor, "forget.conversations", args.person,
          {"conversations": result.conversations, "events": result.events})
    print(f"deleted {result.events} events in {result.conversations} conversations")
    return 0


def run_retain(args: argparse.Namespace, store: InsightsStore) -> int:
    deleted = store.retain(args.days, actor=args.actor)
    print(f"deleted {deleted} records older than {args.days} days")
    return 0


def run_flush(args: argparse.Namespace, store: InsightsStore) -> int:
    pending = store.spool_pending()
    done = store.flush_spool()
    audit(store, args.actor, "spool.flush", None, {"applied": done, "pending_before": pending})
    print(f"replayed {done} of {pending} spooled writes; {store.spool_pending()} still waiting")
    return 0


def run_stats(args: argparse.Namespace, store: InsightsStore) -> int:
    """Row counts only: no personal data, so not audited."""
    from bot.insights.queries import Queries

    with store.db.transaction(force=True) as connection:
        counts = Queries().table_counts(connection)
    counts["spool_pending"] = store.spool_pending()
    for name, count in counts.items():
        print(f"{name:22} {count}")
    return 0


def _settings() -> Any:
    from bot.settings import get_settings

    return get_settings()


def _exports_dir() -> Path:
    settings = _settings()
    return Path(settings.resolve(Path(settings.data_dir))) / "exports"


def _settings_k() -> int:
    return int(_settings().insights.small_cell_k)


def _encoder(args: argparse.Namespace) -> Any:
    from bot.search.embeddings import create_embedder

    return create_embedder(args.embedder or _settings().search.embedder)


def with_store(runner: Runner) -> Callable[[argparse.Namespace], int]:
    """Opens the configured store (or ``--database-url``), migrates, runs, closes."""
    def handler(args: argparse.Namespace) -> int:
        from bot.settings import SettingsError

        try:
            store = InsightsStore.from_settings(_settings())
        except SettingsError as error:
            return fail(str(error))
        if args.database_url:  # another database, the configured spool
            store = InsightsStore(args.database_url, spool_path=store.spool.path)
        try:
            store.migrate()
            return runner(args, store)
        except StoreUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            store.close()
    return handler


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("insights", help="co-production insights: exports and personal data")
    commands = group.add_subparsers(dest="command", required=True)

    def command(name: str, runner: Runner, help: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help)
        parser.add_argument("--database-url", help="insights database (default: coserve.yml)")
        parser.set_defaults(handler=with_store(runner))
        return parser

    export = command("export", run_export, "aggregated, small-cell-suppressed export of a period")
    export.add_argument("--from", dest="date_from", type=iso_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=iso_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--lang", choices=["zh-TW", "en"], default="zh-TW")
    export.add_argument("--out", help="output directory (default: <data_dir>/exports/…)")
    export.add_argument("--city", help="only needs rows of this city id, e.g. taipei")
    export.add_argument("--district", action="append", help="only these district ids (repeatable)")
    export.add_argument("--polis", action="store_true", help="also write Pol.is comments/votes")
    export.add_argument("--k", type=int, help="small-cell threshold (default: insights.small_cell_k)")
    export.add_argument("--embedder", help="embedder spec for clustering (default: search.embedder)")
    export.add_argument("--no-clusters", action="store_true", help="skip unmet-need clustering")
    export.add_argument("--actor", default="cli", help="who runs the export, for the audit log")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.add_argument("--today", type=iso_date, help=argparse.SUPPRESS)  # tests: a fixed date

    freeze = command("freeze", run_freeze, "freeze the published cells of every due week")
    freeze.add_argument("--k", type=int, help="small-cell threshold (default: insights.small_cell_k)")
    freeze.add_argument("--after-days", type=not_negative,
                        help="days after a week ends before it is due (default: insights.freeze_after_days)")
    freeze.add_argument("--actor", default="cli", help="who freezes, for the audit log")
    freeze.add_argument("--quiet", action="store_true", help="no progress bar")
    freeze.add_argument("--today", type=iso_date, help=argparse.SUPPRESS)

    forget = command("forget", run_forget, "delete everything about one person (staff)")
    forget.add_argument("--person", required=True, help="the person's pseudonym")
    forget.add_argument("--actor", required=True, help="staff member, for the audit log")
    forget.add_argument("--tracker-store", help="SQLAlchemy URL of Rasa's tracker store")
    forget.add_argument("--no-trackers", action="store_true", help="leave Rasa's conversations")

    retain = command("retain", run_retain, "delete records older than N days")
    retain.add_argument("--days", type=positive, required=True)
    retain.add_argument("--actor", required=True, help="staff member or job, for the audit log")

    flush = command("flush", run_flush, "replay writes spooled while the database was down")
    flush.add_argument("--actor", default="cli", help="for the audit log")

    command("stats", run_stats, "row counts per table and spooled writes")
