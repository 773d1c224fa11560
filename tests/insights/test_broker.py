"""The broker sink: writes become confirmed, persistent, redacted messages, or spool.

Against the real RabbitMQ (``COSERVE_TEST_BROKER_URL``, default the local guest account);
skipped, saying why, when it is unreachable. Each test uses its own queue and deletes it.
The RabbitMQ helpers here are shared with the consumer tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import aio_pika
import pytest
from yarl import URL

from bot.insights.broker import TICKET_BASE, BrokerPublisher, InsightsMessage, is_ticket, rejected_queue
from bot.insights.consumer import Consumer
from bot.insights.records import WriteStatus
from bot.insights.store import InsightsStore

from .support import NEED_TEXT, POLICY

BROKER_URL = os.environ.get("COSERVE_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
NOWHERE = "amqp://guest:guest@127.0.0.1:1/"  # nothing listens: connection refused at once
WRITES = ["record_need", "update_need", "record_feedback", "record_search", "record_rating",
          "set_preference", "open_handoff", "grant", "withdraw"]
READS = ["has_consent", "summary", "preferences", "needs", "consents"]


# -- helpers shared with test_consumer*.py ---------------------------------------------------


def broker_reachable() -> bool:
    url = URL(BROKER_URL)
    with contextlib.suppress(OSError), socket.create_connection((url.host or "localhost", url.port or 5672), 2):
        return True
    return False


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> bool:
    """Polls ``predicate`` until it holds or ``timeout`` seconds pass (tests never hang)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


async def _queue_call(name: str, action: str) -> int:
    connection = await aio_pika.connect(BROKER_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        if action == "delete":
            for queue in (name, rejected_queue(name)):
                await channel.queue_delete(queue)
            return 0
        declared = await channel.declare_queue(name, passive=True)
        return int(declared.declaration_result.message_count or 0)


def queue_depth(name: str) -> int:
    """Messages ready in ``name`` (unacknowledged deliveries are not counted)."""
    return asyncio.run(_queue_call(name, "depth"))


async def _drain(name: str, limit: int) -> List[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(BROKER_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        queue, messages = await channel.get_queue(name), []
        while len(messages) < limit and (message := await queue.get(no_ack=True, fail=False, timeout=5)):
            messages.append(message)
        return messages


def drain(name: str, limit: int = 1000) -> List[aio_pika.abc.AbstractIncomingMessage]:
    """Takes up to ``limit`` messages off the queue, oldest first."""
    return asyncio.run(_drain(name, limit))


@pytest.fixture
def queue() -> Iterator[str]:
    """A fresh queue name; the queue and its dead letters are deleted afterwards."""
    if not broker_reachable():
        pytest.skip(f"RabbitMQ unreachable at {URL(BROKER_URL).with_password('***')}")
    name = f"coserve.test.{uuid.uuid4().hex[:12]}"
    yield name
    for _ in range(20):  # the broker may be restarting (a test here, or another session)
        try:
            asyncio.run(_queue_call(name, "delete"))
            return
        except Exception:  # noqa: BLE001 - retried, bounded
            time.sleep(0.5)


@contextlib.contextmanager
def running(consumer: Consumer) -> Iterator[Consumer]:
    """Runs a consumer on its own thread and loop; stops it and checks it stopped."""
    thread = threading.Thread(target=asyncio.run, args=(consumer.run(),), name="test-consumer")
    thread.start()
    try:
        yield consumer
    finally:
        consumer.stop()
        thread.join(timeout=20)
        assert not thread.is_alive(), "consumer did not stop within 20 s"


def publisher_for(store: InsightsStore, queue: str, tmp_path: Path, broker_url: str = BROKER_URL,
                  retry_after: float = 30.0) -> BrokerPublisher:
    """A publisher writing to ``queue``, reading from ``store``'s database, spooling beside it."""
    return BrokerPublisher(store.db.url, broker_url=broker_url, queue=queue, retry_after=retry_after,
                           spool_path=tmp_path / "broker-spool" / "insights.jsonl").open()


# -- the publisher -----------------------------------------------------------------------------


def test_the_publisher_has_the_stores_write_and_read_api() -> None:
    for name in WRITES + READS + ["forget"]:
        assert inspect.signature(getattr(BrokerPublisher, name)) == inspect.signature(getattr(InsightsStore, name))
    for name in WRITES + READS:  # built by the store's own code: same validation and redaction
        assert getattr(BrokerPublisher, name) is getattr(InsightsStore, name)


def test_a_write_is_one_persistent_redacted_message(store: InsightsStore, person: str, queue: str,
                                                    tmp_path: Path) -> None:
    publisher = publisher_for(store, queue, tmp_path)
    try:
        granted = publisher.grant(person, "insights", POLICY)
        need = publisher.record_need(person, category="elderly_care", free_text=NEED_TEXT)
        publisher.record_search(None, "0912-345-678 長照", answered=False)
    finally:
        publisher.close()
    assert granted.status is WriteStatus.SPOOLED and granted.id is None
    assert need.status is WriteStatus.SPOOLED and is_ticket(need.id)
    assert publisher.spool.is_empty() and store.needs(person) == []  # nothing written directly
    messages = drain(queue)
    assert [m.type for m in messages] == ["grant", "need", "search"]
    for message in messages:
        body = InsightsMessage.from_body(message.body)
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert message.message_id == body.id and uuid.UUID(body.id).version == 4
        raw = message.body.decode("utf-8")
        assert "A123456789" not in raw and "0912" not in raw and "復興南路" not in raw
    assert InsightsMessage.from_body(messages[1].body).ref == need.id >= TICKET_BASE
    assert json.loads(messages[2].body)["data"]["person"] is None


def test_unreachable_broker_spools_in_order_then_flushes_under_the_same_ids(
        store: InsightsStore, person: str, queue: str, tmp_path: Path) -> None:
    publisher = publisher_for(store, queue, tmp_path, broker_url=NOWHERE)
    try:
        started = time.monotonic()
        results = [publisher.grant(person, "insights", POLICY),
                   publisher.record_feedback(person, "請加開週末時段 0912345678"),
                   publisher.record_rating(person, 4)]
        assert time.monotonic() - started < 5  # one failed connect, then straight to the spool
        assert {r.status for r in results} == {WriteStatus.SPOOLED}
        spooled = [InsightsMessage.from_spool(entry) for entry in publisher.spool.entries()]
        assert [m.op for m in spooled] == ["grant", "feedback", "rating"]
        assert "0912345678" not in publisher.spool.path.read_text("utf-8")
        publisher.link.url = BROKER_URL  # the broker is back
        assert publisher.flush_spool() == 3
    finally:
        publisher.close()
    assert publisher.spool.is_empty()
    assert [m.message_id for m in drain(queue)] == [m.id for m in spooled]


def test_a_write_queues_behind_the_spool(store: InsightsStore, person: str, queue: str, tmp_path: Path) -> None:
    publisher = publisher_for(store, queue, tmp_path, broker_url=NOWHERE, retry_after=0.0)
    try:
        publisher.record_rating(person, 1)
        publisher.link.url = BROKER_URL
        publisher.record_rating(person, 2)  # flushes the first, then publishes itself
    finally:
        publisher.close()
    assert [json.loads(m.body)["data"]["score"] for m in drain(queue)] == [1, 2]


def test_a_withdrawal_waiting_in_the_spool_counts_at_once(store: InsightsStore, person: str, queue: str,
                                                          tmp_path: Path) -> None:
    store.grant(person, "insights", POLICY)
    publisher = publisher_for(store, queue, tmp_path, broker_url=NOWHERE)
    try:
        assert publisher.has_consent(person, "insights")
        publisher.withdraw(person, "insights")
        assert not publisher.has_consent(person, "insights")  # fails closed, as the store does
    finally:
        publisher.close()


def test_the_sink_setting_chooses_the_publisher(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.services import Services

    assert settings.insights.sink == "direct"
    direct = Services(settings).insights
    assert type(direct) is InsightsStore
    direct.close()
    brokered = settings.copy(update={"insights": settings.insights.copy(update={"sink": "broker"})})
    publisher = Services(brokered).insights
    assert isinstance(publisher, BrokerPublisher)
    assert publisher.link.url == settings.insights.broker_url.get_secret_value()
    assert publisher.spool.path == Path(tmp_path) / "spool" / "insights.jsonl"
    publisher.close()
    assert "guest:guest" not in repr(settings)


def test_unknown_sink_is_refused() -> None:
    from bot.settings import SettingsError, load_settings

    project = Path(__file__).resolve().parents[2]
    with pytest.raises(SettingsError, match="insights.sink"):
        load_settings(project / "coserve.yml", environ={"COSERVE_PSEUDONYM_KEY": "k", "COSERVE_INSIGHTS_SINK": "kafka"})


def test_messages_that_are_not_ours_are_refused() -> None:
    good = InsightsMessage(op="rating", data={"score": 3}).body()
    assert InsightsMessage.from_body(good).op == "rating"
    for body in (b"not json", b"{}", json.dumps({"v": 9, "id": str(uuid.uuid4()), "op": "x", "data": {}}).encode(),
                 json.dumps({"v": 1, "id": "nope", "op": "x", "data": {}}).encode()):
        with pytest.raises(ValueError):
            InsightsMessage.from_body(body)


def test_tickets_are_distinct_above_every_database_id_and_fit_a_bigint() -> None:
    from bot.insights.broker import new_ticket

    tickets = {new_ticket() for _ in range(10000)}
    assert len(tickets) == 10000 and all(TICKET_BASE <= ticket < 1 << 63 for ticket in tickets)


# -- Rasa's side of scaling out: endpoints-scale.yml -----------------------------------------


async def test_endpoints_scale_lets_two_rasa_servers_share_a_conversation(
        postgres_factory: Callable[[], str], queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads endpoints-scale.yml with Rasa's own factories, twice ("two servers"): a conversation
    saved by one is read by the other, the Redis lock one holds is seen by the other, and the
    pika event broker streams the events to RabbitMQ."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config
    from sqlalchemy.engine import make_url

    database = make_url(postgres_factory())
    broker = URL(BROKER_URL)
    for name, value in {"ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
                        "RASA_DB_HOST": database.host, "RASA_DB_PORT": str(database.port or 5432),
                        "RASA_DB": database.database, "RASA_LOGIN_DB": "postgres",
                        "RASA_DB_USER": database.username, "RASA_DB_PASSWORD": database.password or "",
                        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "RABBITMQ_HOST": broker.host,
                        "RABBITMQ_USER": broker.user, "RABBITMQ_PASSWORD": broker.password}.items():
        monkeypatch.setenv(f"COSERVE_{name}", str(value))
    endpoints = str(Path(__file__).resolve().parents[2] / "endpoints-scale.yml")
    broker_config = read_endpoint_config(endpoints, "event_broker")
    assert broker_config is not None and broker_config.type == "pika"
    broker_config.kwargs["queues"] = [queue]  # this test's queue, not the deployment's
    event_broker = await EventBroker.create(broker_config)
    assert event_broker is not None
    tracker_config, lock_config = (read_endpoint_config(endpoints, kind) for kind in ("tracker_store", "lock_store"))
    domain = Domain.empty()
    server_a = TrackerStore.create(tracker_config, domain, event_broker)
    server_b = TrackerStore.create(tracker_config, domain)
    locks_a, locks_b = LockStore.create(lock_config), LockStore.create(lock_config)
    conversation = f"scale-test-{uuid.uuid4().hex[:8]}"
    try:
        async with locks_a.lock(conversation):
            held = locks_b.get_lock(conversation)
            assert held is not None and held.last_issued >= 0  # server B sees A's lock
            tracker = DialogueStateTracker.from_events(conversation, [UserUttered("我想申請長照")])
            await server_a.save(tracker)
        assert locks_b.get_lock(conversation) is None
        shared = await server_b.retrieve(conversation)
        assert shared is not None and shared.latest_message.text == "我想申請長照"
        for _ in range(150):  # up to 15 s: the broker publishes in the background
            if await _queue_call(queue, "depth"):
                break
            await asyncio.sleep(0.1)
        streamed = [json.loads(message.body) for message in await _drain(queue, 100)]
        assert any(event.get("event") == "user" and event.get("sender_id") == conversation for event in streamed)
    finally:
        await event_broker.close()
