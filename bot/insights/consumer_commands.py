"""``coserve insights-consumer run``: the process that applies brokered insights writes.

Needed only with ``insights.sink: broker`` (docs/scaling.md). Runs until SIGTERM or Ctrl-C,
finishing the message in hand; a supervisor (systemd, Kubernetes, ``make consumer``)
restarts it if it dies, and nothing acknowledged is lost meanwhile: it stays in RabbitMQ.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from bot.cli_support import fail


def _positive(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return number


def run_consumer(args: argparse.Namespace) -> int:
    from bot.insights.broker import QUEUE
    from bot.insights.consumer import Consumer
    from bot.insights.store import InsightsStore
    from bot.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as error:
        return fail(str(error))
    store = InsightsStore.from_settings(settings)
    if args.database_url:  # another database; the consumer never spools, the path is unused
        store = InsightsStore(args.database_url, spool_path=store.spool.path)
    broker_url = args.broker_url or settings.insights.broker_url.get_secret_value()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = Consumer(store.open(), broker_url, args.queue or QUEUE, prefetch=args.prefetch)
    try:
        asyncio.run(_until_signalled(consumer))
    finally:
        store.close()
    print(f"insights consumer stopped: {consumer.stats}", flush=True)
    return 0


async def _until_signalled(consumer: Any) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, consumer.stop)
    await consumer.run()


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("insights-consumer", help="apply insights writes queued in RabbitMQ (scale-out)")
    commands = group.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="consume until SIGTERM or Ctrl-C")
    run.add_argument("--database-url", help="insights database (default: coserve.yml)")
    run.add_argument("--broker-url", help="RabbitMQ URL (default: insights.broker_url)")
    run.add_argument("--queue", help="queue the action servers publish to (default: coserve.insights)")
    run.add_argument("--prefetch", type=_positive, default=32, help="messages fetched ahead (default: 32)")
    run.set_defaults(handler=run_consumer)


def main(argv: Any = None) -> int:
    """``python -m bot.insights.consumer_commands run …`` until the group is in ``bot.cli``."""
    parser = argparse.ArgumentParser(prog="coserve")
    register(parser.add_subparsers(dest="group", required=True))
    args = parser.parse_args(["insights-consumer", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
