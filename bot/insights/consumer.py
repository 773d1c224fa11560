"""The insights consumer: applies the action servers' published writes to the database.

Runs as its own process (``coserve insights-consumer run``), the single writer behind any
number of action servers. Guarantees, and how:

* **Ack after commit.** A message is acknowledged only after the transaction that applied it
  committed, so a crash before the ack means redelivery, never loss.
* **Exactly one row per message.** The message id is claimed in ``processed_messages`` in the
  *same* transaction as the write; a redelivered message finds its id taken and is acked
  without being applied again (on PostgreSQL a concurrent claim waits for the commit).
* **Consent at apply time.** Writes go through ``Queries.apply``, the store's own code, which
  checks consent in that transaction, exactly as a replay of the spool does.
* **Database down:** nothing is acked; the channel is closed (RabbitMQ requeues every
  unacknowledged message in its original order) and consumption resumes after a growing
  delay. **Broker down:** reconnect with backoff. **SIGTERM:** finish the message in hand,
  then stop; prefetched messages go back to the queue.
* **Poison messages** (unparseable, invalid, or refused by the database for a reason other
  than being down) are dead-lettered to ``<queue>.rejected``, not retried forever nor dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Dict, Iterator, Optional

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, MetaData, String, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.insights.broker import QUEUE, InsightsMessage, declare_queue, is_ticket
from bot.insights.database import StoreUnavailable
from bot.insights.queries import NOT_FOUND, Queries
from bot.insights.records import WriteResult, WriteStatus
from bot.insights.schema import NAMING, UTCDateTime
from bot.insights.store import InsightsStore, utc_now

__all__ = ["Backoff", "Consumer", "MessageApplier", "Outcome", "processed_messages"]
log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
BROKER_TIMEOUT_SECONDS = 10.0
STOP_GRACE_SECONDS = 10.0
TICKET_FIELDS = {"need_update": "need_id", "handoff": "open_need_id"}  # where a need's ticket may appear

# Created by migration 0004. No person id: the table holds nothing "forget me" must delete.
metadata = MetaData(naming_convention=NAMING)
processed_messages = Table(
    "processed_messages",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("op", String(32), nullable=False),
    Column("ref", BigInteger(), index=True),  # a need's ticket (bot.insights.broker)
    Column("result_id", BigInteger()),  # the row the write created, e.g. the need's id
    Column("processed_at", UTCDateTime(), nullable=False, index=True),
)


class Outcome(str, enum.Enum):
    APPLIED = "applied"  # committed
    REFUSED = "refused"  # committed as processed, nothing stored: no consent, or not found
    DUPLICATE = "duplicate"  # already applied under this message id
    REJECTED = "rejected"  # can never be applied: dead-lettered
    DATABASE_DOWN = "database_down"  # not acked; delivered again later


class MessageApplier:
    """Applies one message in one transaction (synchronous: runs in a worker thread)."""

    def __init__(self, store: InsightsStore, clock: Callable[[], datetime] = utc_now) -> None:
        self.db, self.clock, self.queries = store.db, clock, Queries()

    def apply(self, message: InsightsMessage) -> Outcome:
        """StoreUnavailable means "later"; any other error (an unknown operation, an invalid
        record, an integrity error) means "never": the caller dead-letters the message."""
        record = self.queries.model(message.op).parse_obj(message.data)
        with self.db.transaction(force=True) as connection:
            if not self._claim(connection, message):
                return Outcome.DUPLICATE
            resolved = self._resolve_tickets(connection, message.op, record)
            result = NOT_FOUND if resolved is None else self.queries.apply(connection, message.op, resolved)
            if isinstance(result, WriteResult) and result.id is not None:
                connection.execute(update(processed_messages)
                                   .where(processed_messages.c.message_id == message.id)
                                   .values(result_id=result.id))
        refused = isinstance(result, WriteResult) and result.status is not WriteStatus.STORED
        return Outcome.REFUSED if refused else Outcome.APPLIED

    def prune(self, keep_days: int) -> int:
        """Forgets ids older than any redelivery or any conversation still using a need's ticket."""
        cutoff = self.clock() - timedelta(days=keep_days)
        with self.db.transaction(force=True) as connection:
            return int(connection.execute(
                delete(processed_messages).where(processed_messages.c.processed_at < cutoff)).rowcount)

    def _claim(self, connection: Connection, message: InsightsMessage) -> bool:
        dialect = {"sqlite": sqlite, "postgresql": postgresql}[connection.dialect.name]
        claim = dialect.insert(processed_messages).values(
            message_id=message.id, op=message.op, ref=message.ref, processed_at=self.clock())
        return bool(connection.execute(claim.on_conflict_do_nothing()).rowcount)

    def _resolve_tickets(self, connection: Connection, op: str, record: BaseModel) -> Optional[BaseModel]:
        """Replaces a need's ticket by its id; None when an update's need was never stored."""
        name = TICKET_FIELDS.get(op)
        ticket = getattr(record, name) if name else None
        if name is None or not is_ticket(ticket):
            return record
        p = processed_messages.c
        need_id = connection.execute(select(p.result_id).where(p.ref == ticket, p.op == "need")
                                     .order_by(p.processed_at.desc()).limit(1)).scalar()
        if need_id is None and op == "need_update":
            return None
        return record.copy(update={name: need_id})


@dataclass(frozen=True)
class Backoff:
    """Delays between retries: ``initial``, doubling, at most ``maximum`` seconds."""

    initial: float = 0.5
    maximum: float = 30.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * 2, self.maximum)


@dataclass
class Stats:
    counts: Dict[Outcome, int] = field(default_factory=lambda: {outcome: 0 for outcome in Outcome})
    reconnects: int = 0

    def __str__(self) -> str:
        done = ", ".join(f"{outcome.value} {n}" for outcome, n in self.counts.items())
        return f"{done}, reconnects {self.reconnects}"


class Consumer:
    """Consumes ``queue`` until ``stop()``. ``after_commit`` runs between a message's commit and
    its ack (tests crash the process there)."""

    def __init__(self, store: InsightsStore, broker_url: str, queue: str = QUEUE, *, prefetch: int = 32,
                 broker_backoff: Backoff = Backoff(), database_backoff: Backoff = Backoff(1.0, 30.0),
                 keep_days: int = 30, after_commit: Optional[Callable[[InsightsMessage], None]] = None) -> None:
        self.store, self.broker_url, self.queue, self.prefetch = store, broker_url, queue, prefetch
        self.broker_backoff, self.database_backoff, self.keep_days = broker_backoff, database_backoff, keep_days
        self.after_commit = after_commit
        self.applier = MessageApplier(store)
        self.stats = Stats()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping: Optional[asyncio.Event] = None  # made on the consumer's own loop
        self._stop_requested = False
        self._database_delays = database_backoff.delays()
        self._pruned_at = 0.0

    def stop(self) -> None:
        """Asks the consumer to stop after the message in hand; safe from any thread or signal handler."""
        self._stop_requested = True
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(self) -> None:
        """Migrates, then consumes until stopped, reconnecting to the broker and waiting out the database."""
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        if self._stop_requested or not await self._prepare_database():
            return
        broker_delays = self.broker_backoff.delays()
        while not self._stopping.is_set():
            try:
                connection = await aio_pika.connect(self.broker_url, timeout=BROKER_TIMEOUT_SECONDS)
            except Exception as error:  # noqa: BLE001 - unreachable, refused, still starting
                log.warning("insights consumer: broker unreachable (%s); retrying", type(error).__name__)
                await self._pause(next(broker_delays))
                continue
            try:
                await self._until_stopped(self._consume(connection))
                broker_delays = self.broker_backoff.delays()
            except Exception as error:  # noqa: BLE001 - connection lost: reconnect
                self.stats.reconnects += 1
                log.warning("insights consumer: broker connection lost (%s); reconnecting", type(error).__name__)
                await self._pause(next(broker_delays))
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), timeout=BROKER_TIMEOUT_SECONDS)
        log.info("insights consumer stopped: %s", self.stats)

    async def _until_stopped(self, work: Awaitable[None]) -> None:
        """Runs ``work``; once asked to stop, gives it a grace period to settle the message in
        hand, then cancels it (an unacked message is simply delivered again)."""
        assert self._stopping is not None
        task, stop = asyncio.ensure_future(work), asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return
            task.result()
        finally:
            stop.cancel()

    async def _prepare_database(self) -> bool:
        delays = self.database_backoff.delays()
        while not self._stopping.is_set():  # type: ignore[union-attr]
            try:
                await asyncio.to_thread(self.store.migrate)
                return True
            except StoreUnavailable as error:
                log.warning("insights consumer: database unavailable (%s); waiting", error)
                await self._pause(next(delays))
        return False

    async def _consume(self, connection: AbstractConnection) -> None:
        """Channel sessions on one connection; after a database failure, a pause and a new channel."""
        while not self._stopping.is_set():  # type: ignore[union-attr]
            if await self._session(connection) is Outcome.DATABASE_DOWN:
                await self._pause(next(self._database_delays))

    async def _session(self, connection: AbstractConnection) -> Optional[Outcome]:
        """Consumes on one channel until stopped, the database fails, or the channel closes."""
        assert self._stopping is not None
        channel = await asyncio.wait_for(connection.channel(publisher_confirms=False), BROKER_TIMEOUT_SECONDS)
        ended = asyncio.Event()
        on_close: Callable[..., None] = lambda *_: ended.set()  # noqa: E731
        channel.close_callbacks.add(on_close)
        connection.close_callbacks.add(on_close)
        inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        try:
            await asyncio.wait_for(self._subscribe(channel, inbox), BROKER_TIMEOUT_SECONDS)
            stop, lost = asyncio.create_task(self._stopping.wait()), asyncio.create_task(ended.wait())
            try:
                while True:
                    next_message = asyncio.create_task(inbox.get())
                    await asyncio.wait({next_message, stop, lost}, return_when=asyncio.FIRST_COMPLETED)
                    if stop.done() or lost.done():
                        next_message.cancel()
                        if lost.done() and not stop.done():
                            raise ConnectionError("channel closed by the broker")
                        return None
                    outcome = await self._handle(next_message.result())
                    if outcome is Outcome.DATABASE_DOWN:
                        return outcome
            finally:
                stop.cancel()
                lost.cancel()
        finally:
            connection.close_callbacks.discard(on_close)
            with contextlib.suppress(Exception):  # unacked messages go back, in order
                await asyncio.wait_for(channel.close(), timeout=BROKER_TIMEOUT_SECONDS)

    async def _subscribe(self, channel: AbstractChannel, inbox: asyncio.Queue[AbstractIncomingMessage]) -> None:
        """Prefetch limit, the queue, and deliveries into ``inbox``."""
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await declare_queue(channel, self.queue)
        await queue.consume(inbox.put)

    async def _handle(self, delivery: AbstractIncomingMessage) -> Outcome:
        try:
            message = InsightsMessage.from_body(delivery.body)
            outcome = await asyncio.to_thread(self.applier.apply, message)
        except StoreUnavailable as error:
            log.warning("insights consumer: database unavailable (%s); message left in the queue", error)
            self.stats.counts[Outcome.DATABASE_DOWN] += 1
            return Outcome.DATABASE_DOWN
        except Exception as error:  # noqa: BLE001 - unreadable, invalid, or refused for good by the database
            log.error("insights consumer: %s %s dead-lettered (%s: %s)", delivery.type, delivery.message_id,
                      type(error).__name__, error)
            outcome = Outcome.REJECTED
        else:
            self._database_delays = self.database_backoff.delays()
            if self.after_commit is not None:
                self.after_commit(message)
        if delivery.channel.is_closed:  # an ack now would wait for ever; redelivery is safe
            raise ConnectionError("channel closed before the ack")
        settle = delivery.reject(requeue=False) if outcome is Outcome.REJECTED else delivery.ack()
        await asyncio.wait_for(settle, BROKER_TIMEOUT_SECONDS)
        self.stats.counts[outcome] += 1
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            with contextlib.suppress(StoreUnavailable):
                await asyncio.to_thread(self.applier.prune, self.keep_days)
        return outcome

    async def _pause(self, seconds: float) -> None:
        assert self._stopping is not None  # sleeps, but wakes at once when asked to stop
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
