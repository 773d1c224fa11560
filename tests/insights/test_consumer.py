"""The consumer applies published writes once each, checks consent when it applies them, and
leaves them in the queue while the database is down; on SQLite and PostgreSQL, real RabbitMQ.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.insights import schema as t
from bot.insights.broker import BrokerLink, BrokerPublisher, InsightsMessage, rejected_queue
from bot.insights.consumer import Backoff, Consumer, MessageApplier, Outcome, metadata, processed_messages
from bot.insights.store import InsightsStore

from .support import NEED_TEXT, POLICY, rows
from .test_broker import BROKER_URL, drain, publisher_for, queue, queue_depth, running, wait_until  # noqa: F401

FAST = Backoff(0.1, 0.5)


@pytest.fixture
def consumer(store: InsightsStore, queue: str) -> Consumer:  # noqa: F811 - the fixture imported above
    with store.engine.begin() as connection:  # the shared PostgreSQL database keeps this table
        connection.execute(processed_messages.delete())
    return Consumer(store, BROKER_URL, queue, broker_backoff=FAST, database_backoff=FAST)


@pytest.fixture
def publisher(store: InsightsStore, queue: str, tmp_path: Path) -> Iterator[BrokerPublisher]:  # noqa: F811
    publisher = publisher_for(store, queue, tmp_path)
    yield publisher
    publisher.close()


def settled(consumer: Consumer, count: int) -> bool:
    return sum(n for outcome, n in consumer.stats.counts.items() if outcome is not Outcome.DATABASE_DOWN) >= count


def test_every_write_arrives_with_its_need_tickets_resolved(store: InsightsStore, publisher: BrokerPublisher,
                                                            consumer: Consumer, person: str) -> None:
    publisher.grant(person, "insights", POLICY)
    publisher.grant(person, "personalisation", POLICY)
    need = publisher.record_need(person, category="elderly_care", free_text=NEED_TEXT, city="taipei")
    publisher.update_need(person, need.id or 0, fit_rating="partly", fit_reason="too_far")
    publisher.record_feedback(person, "請加開週末時段")
    publisher.record_search(person, "長照 2.0", top_ids=["a"], top_scores=[0.9], answered=True)
    publisher.record_rating(person, 5)
    publisher.set_preference(person, "area", "taipei/daan")
    publisher.open_handoff(person, "想找人談", open_need_id=need.id)
    with running(consumer):
        assert wait_until(lambda: settled(consumer, 9))
    assert consumer.stats.counts[Outcome.APPLIED] == 9
    [stored] = store.needs(person)
    assert stored.fit_rating and stored.fit_rating.value == "partly" and "A123456789" not in stored.free_text
    assert [h["open_need_id"] for h in rows(store, t.handoffs)] == [stored.id]
    assert store.preferences(person) == {"area": "taipei/daan"}
    assert store.summary(person).counts == {"needs": 1, "feedback": 1, "search_events": 1,
                                            "satisfaction_ratings": 1, "handoffs": 1, "preferences": 1}


def test_the_same_message_twice_is_one_row(store: InsightsStore, queue: str, consumer: Consumer,  # noqa: F811
                                           person: str) -> None:
    store.grant(person, "insights", POLICY)
    message = InsightsMessage(op="feedback", data={"person": person, "text": "多一點說明", "kind": "suggestion",
                                                   "created_at": "2026-11-26T09:30:00+00:00"})
    link = BrokerLink(BROKER_URL, queue)
    try:
        assert link.publish(message) and link.publish(message)
    finally:
        link.close()
    with running(consumer):
        assert wait_until(lambda: settled(consumer, 2))
    assert len(rows(store, t.feedback)) == 1
    assert consumer.stats.counts[Outcome.DUPLICATE] == 1
    assert MessageApplier(store).apply(message) is Outcome.DUPLICATE  # and again, directly


def test_consent_is_checked_when_the_message_is_applied(store: InsightsStore, publisher: BrokerPublisher,
                                                        consumer: Consumer, person: str) -> None:
    publisher.record_need(person, category="tax", free_text="before consent")
    publisher.grant(person, "insights", POLICY)
    publisher.record_need(person, category="tax", free_text="with consent")
    publisher.withdraw(person, "insights")
    publisher.record_need(person, category="tax", free_text="after withdrawal")
    with running(consumer):
        assert wait_until(lambda: settled(consumer, 5))
    assert [need.free_text for need in store.needs(person)] == ["with consent"]
    assert consumer.stats.counts[Outcome.REFUSED] == 2


def test_forget_erases_what_was_still_queued(store: InsightsStore, publisher: BrokerPublisher,
                                             consumer: Consumer, person: str) -> None:
    publisher.grant(person, "insights", POLICY)
    publisher.record_need(person, category="tax", free_text="queued before forget")
    publisher.open_handoff(person, "queued hand-off")
    assert publisher.forget(person) == 0  # nothing had reached the database yet
    with running(consumer):
        assert wait_until(lambda: settled(consumer, 4))
    assert store.summary(person).total_records == 0 and store.consents(person) == []
    assert rows(store, t.persons) == []


def test_an_unusable_message_is_dead_lettered_and_the_rest_go_on(store: InsightsStore, queue: str,  # noqa: F811
                                                                 publisher: BrokerPublisher, consumer: Consumer,
                                                                 person: str) -> None:
    link = BrokerLink(BROKER_URL, queue)
    try:
        assert link.publish(InsightsMessage(op="rating", data={"person": "not-a-pseudonym", "score": 9}))
    finally:
        link.close()
    publisher.grant(person, "insights", POLICY)
    publisher.record_rating(person, 3)
    with running(consumer):
        assert wait_until(lambda: settled(consumer, 3))
    assert consumer.stats.counts[Outcome.REJECTED] == 1
    assert [r["score"] for r in rows(store, t.satisfaction_ratings)] == [3]
    [dead] = drain(rejected_queue(queue))
    assert InsightsMessage.from_body(dead.body).op == "rating"


@contextlib.contextmanager
def database_down(store: InsightsStore) -> Iterator[None]:
    """A real outage: PostgreSQL refuses connections to the database; SQLite's file is gone."""
    url = make_url(store.db.url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        for file in files:
            shutil.move(file, file.with_name(file.name + ".away"))
        store.db.close()  # pooled connections would still hold the moved file open
        try:
            yield
        finally:
            store.db.close()
            for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                file.unlink(missing_ok=True)  # the empty database a connection attempt created
            for file in files:
                shutil.move(file.with_name(file.name + ".away"), file)
        return
    admin_url = os.environ.get("COSERVE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = url.database
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_database_down_leaves_the_message_queued_and_it_is_applied_later(
        store: InsightsStore, queue: str, publisher: BrokerPublisher, person: str) -> None:  # noqa: F811
    consumer = Consumer(store, BROKER_URL, queue, broker_backoff=FAST, database_backoff=Backoff(1.0, 1.0))
    with running(consumer):
        publisher.grant(person, "insights", POLICY)
        assert wait_until(lambda: consumer.stats.counts[Outcome.APPLIED] == 1)  # consuming
        with database_down(store):
            publisher.record_need(person, category="tax", free_text="written during the outage")
            assert wait_until(lambda: consumer.stats.counts[Outcome.DATABASE_DOWN] >= 2, timeout=20)
            assert wait_until(lambda: queue_depth(queue) == 1, timeout=10)  # not acked: back in the queue
            assert consumer.stats.counts[Outcome.APPLIED] == 1
        assert wait_until(lambda: consumer.stats.counts[Outcome.APPLIED] == 2, timeout=20)
    assert [need.free_text for need in store.needs(person)] == ["written during the outage"]
    assert queue_depth(queue) == 0


def test_the_migration_builds_the_processed_messages_table(fresh_url: str, tmp_path: Path) -> None:
    store = InsightsStore(fresh_url, spool_path=tmp_path / "spool.jsonl")
    store.migrate()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    store.close()
    assert [d for d in differences if "processed_messages" in repr(d)] == []


def test_old_processed_ids_are_pruned(store: InsightsStore, clock, person: str) -> None:  # type: ignore[no-untyped-def]
    store.grant(person, "insights", POLICY)
    applier = MessageApplier(store, clock=clock)
    with store.engine.begin() as connection:
        connection.execute(processed_messages.delete())
    applier.apply(InsightsMessage(op="rating", data={"person": person, "score": 2,
                                                     "created_at": "2026-11-26T09:30:00+00:00"}))
    clock.advance(days=31)
    assert applier.prune(30) == 1
    with store.engine.connect() as connection:
        assert connection.execute(select(processed_messages)).all() == []
