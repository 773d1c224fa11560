"""Faults: a consumer SIGKILLed between commit and ack, RabbitMQ restarted under a running
consumer, RabbitMQ down while the action server publishes. No acknowledged write is lost and
none is stored twice.

The broker restarts use ``rabbitmqctl`` on the local node, so those tests are skipped when
it is missing or ``COSERVE_TEST_BROKER_URL`` points elsewhere. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
from sqlalchemy import func, select
from yarl import URL

from bot.insights import schema as t
from bot.insights.broker import BrokerPublisher
from bot.insights.consumer import Backoff, Consumer, Outcome, processed_messages
from bot.insights.records import WriteStatus
from bot.insights.store import InsightsStore
from bot.settings import PROJECT_ROOT

from .support import POLICY
from .test_broker import BROKER_URL, publisher_for, queue, queue_depth, running, wait_until  # noqa: F401

FAST = Backoff(0.1, 0.5)
POSTGRES_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])

CONSUMER = """
import asyncio, sys, time
from bot.insights.consumer import Consumer
from bot.insights.store import InsightsStore

url, broker, queue, spool, pause_at = sys.argv[1:6]
committed = 0

def after_commit(message):
    global committed
    committed += 1
    print("committed", message.data.get("free_text"), flush=True)
    if committed == int(pause_at):
        print("window", flush=True)  # committed, not acked: the test kills us here
        time.sleep(60)

store = InsightsStore(url, spool_path=spool).open()
asyncio.run(Consumer(store, broker, queue, prefetch=10, after_commit=after_commit).run())
"""


def texts(store: InsightsStore) -> List[str]:
    with store.engine.connect() as connection:
        return [row[0] for row in connection.execute(select(t.needs.c.free_text).order_by(t.needs.c.id))]


def need_count(store: InsightsStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(t.needs)).scalar_one())


@pytest.fixture
def clean(store: InsightsStore) -> InsightsStore:
    with store.engine.begin() as connection:
        connection.execute(processed_messages.delete())
    return store


def publish_needs(publisher: BrokerPublisher, person: str, numbers: range) -> None:
    """Publishes until RabbitMQ confirmed every write ("acknowledged"); a write that met the
    broker restarting (another test session may restart it too) waits in the spool meanwhile."""
    for number in numbers:
        result = publisher.record_need(person, category="tax", free_text=f"fault-test-{number}")
        assert result.status is WriteStatus.SPOOLED
    assert wait_until(lambda: publisher.flush_spool() >= 0 and publisher.spool.is_empty(), 60, 0.5)


def test_sigkill_between_commit_and_ack_loses_nothing_and_stores_nothing_twice(
        clean: InsightsStore, queue: str, person: str, tmp_path: Path) -> None:  # noqa: F811
    store = clean
    store.grant(person, "insights", POLICY)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "COSERVE_PSEUDONYM_KEY": "fault-test-key",
           "COSERVE_DATA_DIR": str(tmp_path)}
    publisher = publisher_for(store, queue, tmp_path)
    try:
        publish_needs(publisher, person, range(300))
        killed = subprocess.Popen([sys.executable, "-c", CONSUMER, store.db.url, BROKER_URL, queue,
                                   str(tmp_path / "unused.jsonl"), "100"],
                                  stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, env=env)
        last = ""
        try:
            assert killed.stdout is not None
            for line in killed.stdout:  # bounded: the consumer sleeps at the 100th commit
                if line.strip() == "window":
                    break
                last = line.split()[-1]
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL
        assert last in texts(store)  # committed; its ack never sent

        restarted = subprocess.Popen([sys.executable, "-m", "bot.insights.consumer_commands", "run",
                                      "--database-url", store.db.url, "--broker-url", BROKER_URL, "--queue", queue],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=PROJECT_ROOT, env=env)
        try:
            publish_needs(publisher, person, range(300, 400))  # while it runs
            assert wait_until(lambda: need_count(store) >= 400 and queue_depth(queue) == 0, timeout=60)
        finally:
            restarted.send_signal(signal.SIGTERM)  # graceful: finishes the message in hand, exits 0
            out, err = restarted.communicate(timeout=30)
        assert restarted.returncode == 0, err[-2000:]
        duplicates = re.search(r"insights consumer stopped: .*duplicate (\d+)", out)
        assert duplicates and int(duplicates.group(1)) >= 1  # the 100th, redelivered and skipped
    finally:
        publisher.close()
    stored = texts(store)
    assert sorted(stored) == sorted(f"fault-test-{n}" for n in range(400))  # none lost, none twice


def broker_is_local() -> bool:
    return shutil.which("rabbitmqctl") is not None and URL(BROKER_URL).host in {"127.0.0.1", "localhost"}


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@contextlib.contextmanager
def broker_stopped() -> Iterator[None]:
    """Stops the local RabbitMQ application (every connection drops) and starts it again."""
    if not broker_is_local():
        pytest.skip("needs rabbitmqctl and a local RabbitMQ to restart")
    _rabbitmqctl("stop_app")
    try:
        yield
    finally:
        _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")


@POSTGRES_ONLY
def test_a_broker_restart_under_a_running_consumer(clean: InsightsStore, queue: str, person: str,  # noqa: F811
                                                   tmp_path: Path) -> None:
    store = clean
    store.grant(person, "insights", POLICY)
    consumer = Consumer(store, BROKER_URL, queue, broker_backoff=FAST, database_backoff=FAST,
                        after_commit=lambda _: time.sleep(0.02))  # slow, so the restart lands mid-stream
    publisher = publisher_for(store, queue, tmp_path)
    try:
        with running(consumer):
            publish_needs(publisher, person, range(300))
            assert wait_until(lambda: need_count(store) >= 30)
            with broker_stopped():
                pass
            publish_needs(publisher, person, range(300, 400))  # the publisher reconnects too
            assert wait_until(lambda: need_count(store) >= 400 and queue_depth(queue) == 0, timeout=90)
    finally:
        publisher.close()
    assert consumer.stats.reconnects >= 1
    assert sorted(texts(store)) == sorted(f"fault-test-{n}" for n in range(400))


@POSTGRES_ONLY
def test_broker_down_at_publish_time_spools_then_flushes(clean: InsightsStore, queue: str, person: str,  # noqa: F811
                                                         tmp_path: Path) -> None:
    store = clean
    publisher = publisher_for(store, queue, tmp_path)
    consumer = Consumer(store, BROKER_URL, queue, broker_backoff=FAST, database_backoff=FAST)
    try:
        publisher.grant(person, "insights", POLICY)  # declares the queue while the broker is up
        with broker_stopped():
            started = time.monotonic()
            results = [publisher.record_need(person, category="tax", free_text=f"fault-test-{n}") for n in range(3)]
            assert time.monotonic() - started < 10  # one failed attempt, then the spool
            assert {r.status for r in results} == {WriteStatus.SPOOLED}
            assert len(publisher.spool.entries()) == 3
        with running(consumer):
            assert publisher.flush_spool() == 3
            assert wait_until(lambda: need_count(store) == 3 and queue_depth(queue) == 0, timeout=30)
            assert consumer.stats.counts[Outcome.APPLIED] == 4
    finally:
        publisher.close()
    assert publisher.spool.is_empty()
    assert texts(store) == [f"fault-test-{n}" for n in range(3)]  # in order
