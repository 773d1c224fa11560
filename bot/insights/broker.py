"""Insights writes through RabbitMQ: the scale-out sink of several action servers.

With ``insights.sink: broker`` the action servers do not write to the database; each write
becomes a message for ``coserve insights-consumer run`` (``consumer.py``), so any number of
action servers share one writer and a slow or restarting database never holds up a
conversation. ``BrokerPublisher`` *is* an ``InsightsStore`` whose single write seam,
``_write(op, record)``, publishes instead of inserting: the record is built by the store's
own methods, so it is validated, pseudonymous and redacted exactly as a direct write, and raw
text never reaches the broker. Reads (consent, summary, preferences, needs) and "forget"
still go to the database.

A message carries a uuid4 (the consumer's idempotency key), the operation and the record,
and is published persistent to a durable queue with publisher confirms. A write counts as
kept once RabbitMQ confirmed it; when the broker is unreachable it goes to the store's spool
(``spool.py``) with its message id, and is republished, in order and under the same id,
before the next write. A need gets a *ticket* for an id (a number above ``TICKET_BASE``)
because its database id does not exist yet; the consumer maps tickets to ids, so
``update_need`` and ``open_handoff`` can refer to a need the dialogue just recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Union

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from pamqp.commands import Basic
from pamqp.common import FieldTable
from pydantic import BaseModel

from bot.insights.database import StoreUnavailable
from bot.insights.records import Erasure, WriteResult, WriteStatus
from bot.insights.spool import DEFAULT_SPOOL_PATH, SpoolEntry
from bot.insights.store import InsightsStore, utc_now

__all__ = ["QUEUE", "TICKET_BASE", "BrokerLink", "BrokerPublisher", "InsightsMessage", "declare_queue",
           "is_ticket", "new_ticket"]

log = logging.getLogger(__name__)

QUEUE = "coserve.insights"
TICKET_BASE = 1 << 62  # database ids stay far below; tickets fill 62 random bits above it
CONNECT_TIMEOUT_SECONDS = 3.0
SPOOL_KEY = "_message"  # where a spooled write keeps its message id (records ignore the key)
WIRE_VERSION = 1


def new_ticket() -> int:
    """A stand-in id for a need that is not in the database yet."""
    return TICKET_BASE | (uuid.uuid4().int & (TICKET_BASE - 1))


def is_ticket(value: Optional[int]) -> bool:
    return value is not None and value >= TICKET_BASE


def rejected_queue(queue: str) -> str:
    """Where the consumer dead-letters messages it can never apply (like the spool's rejected file)."""
    return f"{queue}.rejected"


async def declare_queue(channel: AbstractChannel, queue: str) -> aio_pika.abc.AbstractQueue:
    """The durable queue, declared identically by publishers and consumers.

    Single active consumer: several consumer processes may run for availability, but one
    applies at a time, so a person's grant lands before their need and a withdrawal before
    what follows it. Messages the consumer rejects go to ``<queue>.rejected``.
    """
    await channel.declare_queue(rejected_queue(queue), durable=True)
    arguments: FieldTable = {"x-single-active-consumer": True, "x-dead-letter-exchange": "",
                 "x-dead-letter-routing-key": rejected_queue(queue)}
    return await channel.declare_queue(queue, durable=True, arguments=arguments)


@dataclass(frozen=True)
class InsightsMessage:
    """One write on its way to the consumer: the spool's ``op`` and ``data``, plus an id."""

    op: str
    data: Dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    ref: Optional[int] = None  # a need's ticket

    def body(self) -> bytes:
        wire = {"v": WIRE_VERSION, "id": self.id, "op": self.op, "data": self.data, "ref": self.ref}
        return json.dumps(wire, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_body(cls, body: bytes) -> InsightsMessage:
        """Parses a message; ValueError for anything that is not one (the consumer rejects it)."""
        try:
            wire = json.loads(body.decode("utf-8"))
            message = cls(op=str(wire["op"]), data=dict(wire["data"]), id=str(uuid.UUID(wire["id"])),
                          ref=None if wire.get("ref") is None else int(wire["ref"]))
        except (UnicodeDecodeError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not an insights message: {type(error).__name__}") from error
        if wire.get("v") != WIRE_VERSION:
            raise ValueError(f"unknown insights message version {wire.get('v')!r}")
        return message

    def amqp(self) -> aio_pika.Message:
        return aio_pika.Message(self.body(), message_id=self.id, type=self.op,
                                content_type="application/json",
                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT)

    def spool_data(self) -> Dict[str, Any]:
        return {**self.data, SPOOL_KEY: {"id": self.id, "ref": self.ref}}

    @classmethod
    def from_spool(cls, entry: SpoolEntry) -> InsightsMessage:
        """Back from the spool under its first id; an entry the store spooled gets a new one."""
        data = dict(entry.data)
        meta = data.pop(SPOOL_KEY, None) or {}
        return cls(op=entry.op, data=data, id=str(meta.get("id") or uuid.uuid4()), ref=meta.get("ref"))


class BrokerUnavailable(RuntimeError):
    """RabbitMQ could not be reached or did not confirm a message."""


class BrokerLink:
    """A blocking, confirmed publish for synchronous callers (the actions and the store).

    aio-pika is asynchronous, so the connection lives on an event loop in a daemon thread
    (which also keeps its heartbeats going); ``publish`` waits for RabbitMQ's confirm. After a
    failure the broker is left alone for ``retry_after`` seconds, so a down broker costs one
    connect timeout, not one per message.
    """

    def __init__(self, url: str, queue: str = QUEUE, *, confirm_timeout: float = 5.0,
                 retry_after: float = 30.0) -> None:
        self.url, self.queue = url, queue
        self.confirm_timeout, self.retry_after = confirm_timeout, retry_after
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._connection: Optional[AbstractConnection] = None
        self._channel: Optional[AbstractChannel] = None
        self._lock = threading.Lock()
        self._down_until = 0.0

    def start(self) -> None:
        """Starts the loop thread; connects to nothing until the first publish."""
        if self._thread is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="insights-broker",
                                            daemon=True)
            self._thread.start()

    def close(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._disconnect(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop, self._thread = None, None

    def backing_off(self) -> bool:
        return time.monotonic() < self._down_until

    def publish(self, message: InsightsMessage, force: bool = False) -> bool:
        """True once RabbitMQ confirmed the message; False (logged) when it could not be sent."""
        if not force and self.backing_off():
            return False
        self.start()
        assert self._loop is not None
        with self._lock:
            future = asyncio.run_coroutine_threadsafe(self._publish(message), self._loop)
            try:
                future.result(timeout=2 * (CONNECT_TIMEOUT_SECONDS + self.confirm_timeout))
            except Exception as error:  # noqa: BLE001 - every failure means "spool it"
                future.cancel()
                self._down_until = time.monotonic() + self.retry_after
                log.warning("insights broker unavailable (%s); writes spool for %.0f s",
                            type(error).__name__, self.retry_after)
                return False
        self._down_until = 0.0
        return True

    async def _publish(self, message: InsightsMessage) -> None:
        reused = self._channel is not None and not self._channel.is_closed
        try:
            await self._confirmed(await self._open_channel(), message)
        except asyncio.CancelledError:
            await self._disconnect()
            raise
        except Exception:  # noqa: BLE001 - a stale connection (broker restarted) gets one retry
            await self._disconnect()
            if not reused:
                raise
            await self._confirmed(await self._open_channel(), message)

    async def _confirmed(self, channel: AbstractChannel, message: InsightsMessage) -> None:
        confirmation = await channel.default_exchange.publish(message.amqp(), routing_key=self.queue,
                                                              timeout=self.confirm_timeout)
        if not isinstance(confirmation, Basic.Ack):
            raise BrokerUnavailable(f"message not confirmed: {type(confirmation).__name__}")

    async def _open_channel(self) -> AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            await self._disconnect()
            self._connection = await aio_pika.connect(self.url, timeout=CONNECT_TIMEOUT_SECONDS)
            channel = await self._connection.channel(publisher_confirms=True)
            await declare_queue(channel, self.queue)
            self._channel = channel
        return self._channel

    async def _disconnect(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                await asyncio.wait_for(connection.close(), timeout=CONNECT_TIMEOUT_SECONDS)
            except Exception:  # noqa: BLE001 - it is being dropped anyway
                pass


class BrokerPublisher(InsightsStore):
    """The store's API with writes published to RabbitMQ; see the module docstring.

    Every write returns ``SPOOLED`` ("kept, applied later"): the consumer checks consent when
    it applies the write, as the store does on replay. ``record_need`` returns a ticket as id.
    """

    def __init__(self, url: str, *, broker_url: str, queue: str = QUEUE,
                 spool_path: Union[str, Path] = DEFAULT_SPOOL_PATH, retry_after: float = 30.0,
                 confirm_timeout: float = 5.0, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(url, spool_path=spool_path, retry_after=retry_after, clock=clock)
        self.link = BrokerLink(broker_url, queue, confirm_timeout=confirm_timeout, retry_after=retry_after)

    @classmethod
    def from_settings(cls, settings: Any) -> BrokerPublisher:
        """Database URL and spool resolved as for the store; the broker from ``insights.broker_url``."""
        store = InsightsStore.from_settings(settings)
        return cls(store.db.url, broker_url=settings.insights.broker_url.get_secret_value(),
                   spool_path=store.spool.path)

    def open(self) -> BrokerPublisher:
        super().open()
        self.link.start()
        return self

    def close(self) -> None:
        self.link.close()
        super().close()

    def forget(self, person: str, actor: str = "citizen") -> int:
        """Deletes at once, then queues a second erasure behind the person's writes still in
        the queue, so nothing published before "forget me" lands after it."""
        deleted = super().forget(person, actor)
        self._write("forget", Erasure(person=person, actor=actor, at=self._clock()))
        return deleted

    def _write(self, op: str, record: BaseModel) -> WriteResult:
        message = InsightsMessage(op=op, data=json.loads(record.json()),
                                  ref=new_ticket() if op == "need" else None)
        self._flush_quietly()
        if not (self.spool.is_empty() and self.link.publish(message)):  # in order, behind the spool
            try:
                self.spool.append(op, message.spool_data())
            except OSError as error:
                log.error("insights: broker and spool both unavailable; %s not kept", op)
                raise StoreUnavailable("insights broker and spool both unavailable") from error
        return WriteResult(WriteStatus.SPOOLED, message.ref)

    def _replay_spool(self, force: bool) -> int:
        """Republishes spooled writes (not to the database: order must stay the queue's)."""
        if not force and self.link.backing_off():
            return 0

        def republish(entry: SpoolEntry) -> None:
            if not self.link.publish(InsightsMessage.from_spool(entry), force=True):
                raise BrokerUnavailable("broker still unavailable")

        return self.spool.replay(republish, lambda error: isinstance(error, BrokerUnavailable))
