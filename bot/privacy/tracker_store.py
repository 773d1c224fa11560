"""Finding and deleting a person's conversations in Rasa's SQL tracker store.

"Delete my data" must reach the raw conversation too, not only the insights store: Rasa
keeps every message in its tracker store (``events`` table, one row per event, keyed by
the channel's ``sender_id``). Two ways in:

* ``forget_conversations(url_or_engine, pseudonym, key)``, for staff (``coserve insights
  forget``): finds every conversation whose pseudonym (``pseudonymous_id(key, channel,
  sender_id)``, channel from its user events' ``input_channel``, else ``rest``) matches and
  deletes its events. Plain SQLAlchemy Core: no Rasa import, works on SQLite and PostgreSQL.
* ``ForgettingSQLTrackerStore``, for ``endpoints.yml`` (``type:
  bot.privacy.tracker_store.ForgettingSQLTrackerStore``): when a saved tracker contains a
  ``SlotSet("forget_requested", True)``, every stored event of that conversation is deleted
  and only the events after the marker are kept, so the conversation goes on afresh and
  the marker itself is not stored. The class is built on first access (PEP 562
  ``__getattr__``) so importing this module does not import Rasa (six seconds).

``conversations_of`` finds the conversations of many pseudonyms in one pass, for reaching
people who asked to be told (bot/followup.py); ``forget_conversations_of`` deletes them, for
"delete my data" said on one of a person's linked screens (bot/linking.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Union

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url

from bot.privacy.pseudonym import pseudonymous_id

FORGET_SLOT = "forget_requested"
DEFAULT_CHANNEL = "rest"  # what the actions use when Rasa reports no input channel
_metadata = MetaData()
# The columns of Rasa 3.6's SQLTrackerStore.SQLEvent, declared here to avoid importing Rasa.
events = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class ForgottenConversations:
    """How much was deleted; no sender ids, so it can go to the audit log as is."""

    conversations: int
    events: int


def _channel(data: Optional[str]) -> Optional[str]:
    try:
        channel = json.loads(data or "{}").get("input_channel")
    except (ValueError, AttributeError):
        return None
    return channel if isinstance(channel, str) and channel and ":" not in channel else None


def sender_channels(engine: Engine) -> Dict[str, Set[str]]:
    """Every conversation's sender id and the channels it may be keyed under: those of its
    user events, and ``rest`` (what the actions assume when Rasa reports none)."""
    candidates: Dict[str, Set[str]] = {}
    with engine.connect() as connection:
        for (sender,) in connection.execute(select(events.c.sender_id).distinct()):
            candidates[sender] = {DEFAULT_CHANNEL}
        user_events = select(events.c.sender_id, events.c.data).where(events.c.type_name == "user")
        for sender, data in connection.execution_options(stream_results=True).execute(user_events):
            channel = _channel(data)
            if channel:
                candidates.setdefault(sender, {DEFAULT_CHANNEL}).add(channel)
    return {sender: channels for sender, channels in candidates.items() if sender}


def matching_senders(engine: Engine, pseudonym: str, key: Union[str, bytes]) -> List[str]:
    """Sender ids of conversations that belong to ``pseudonym``."""
    return sorted(sender for sender, channels in sender_channels(engine).items() if any(
        pseudonymous_id(key, channel, sender) == pseudonym for channel in channels))


def conversations_of(tracker_store: Union[str, URL, Engine], pseudonyms: Iterable[str],
                     key: Union[str, bytes]) -> Dict[str, List[str]]:
    """Sender ids of each pseudonym's conversations (empty lists for none), in one pass over
    the store, so reaching many people does not rescan it per person."""
    wanted: Dict[str, List[str]] = {pseudonym: [] for pseudonym in pseudonyms}
    engine = tracker_store if isinstance(tracker_store, Engine) else create_engine(tracker_store)
    try:
        if not wanted or not inspect(engine).has_table("events"):
            return wanted
        for sender, channels in sorted(sender_channels(engine).items()):
            for pseudonym in {pseudonymous_id(key, channel, sender) for channel in channels}:
                if pseudonym in wanted:
                    wanted[pseudonym].append(sender)
        return wanted
    finally:
        if engine is not tracker_store:
            engine.dispose()


def forget_conversations(tracker_store: Union[str, URL, Engine], pseudonym: str,
                         key: Union[str, bytes]) -> ForgottenConversations:
    """Deletes every event of every conversation of ``pseudonym``, in one transaction."""
    engine = tracker_store if isinstance(tracker_store, Engine) else create_engine(tracker_store)
    try:
        if not inspect(engine).has_table("events"):
            return ForgottenConversations(0, 0)
        senders = matching_senders(engine, pseudonym, key)
        return ForgottenConversations(len(senders), _delete_events(engine, senders))
    finally:
        if engine is not tracker_store:
            engine.dispose()


def forget_conversations_of(tracker_store: Union[str, URL, Engine], pseudonyms: Sequence[str],
                            key: Union[str, bytes]) -> ForgottenConversations:
    """Deletes every conversation of any of ``pseudonyms`` (a linked person's other screens),
    in one pass over the store and one transaction. A SQLite file that does not exist holds
    no conversation and is not created."""
    if not pseudonyms:
        return ForgottenConversations(0, 0)
    if not isinstance(tracker_store, Engine):
        url = make_url(tracker_store)
        database = url.database or ""
        if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
                and not Path(database).exists():
            return ForgottenConversations(0, 0)
    engine = tracker_store if isinstance(tracker_store, Engine) else create_engine(tracker_store)
    try:
        found = conversations_of(engine, pseudonyms, key)
        senders = sorted({sender for found_senders in found.values() for sender in found_senders})
        return ForgottenConversations(len(senders), _delete_events(engine, senders))
    finally:
        if engine is not tracker_store:
            engine.dispose()


def _delete_events(engine: Engine, senders: Sequence[str]) -> int:
    """Deletes the events of ``senders`` in one transaction (in chunks the database accepts)."""
    deleted = 0
    with engine.begin() as connection:
        for start in range(0, len(senders), 500):
            chunk = list(senders[start:start + 500])
            deleted += connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount
    return deleted


def tracker_store_url(endpoints: Union[str, Path] = "endpoints.yml") -> Optional[str]:
    """The SQLAlchemy URL of the SQL tracker store configured in ``endpoints.yml``.

    Read with Rasa's own reader (``${VAR}`` substitution included), so it is the store Rasa
    uses; a relative SQLite path is taken from the project root, where Rasa runs.
    """
    from rasa.utils.endpoints import read_endpoint_config

    from bot.settings import PROJECT_ROOT

    path = Path(endpoints)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    config = read_endpoint_config(str(path), "tracker_store")
    if config is None or not str(config.type or "").lower().endswith("sql") and \
            not str(config.type or "").endswith("SQLTrackerStore"):
        return None
    options: Dict[str, Any] = dict(config.kwargs)
    if config.url and "://" in config.url:
        return str(config.url)
    dialect = options.get("dialect", "sqlite")
    database = options.get("db", "rasa.db")
    if dialect == "sqlite" and database and not Path(database).is_absolute():
        database = str(PROJECT_ROOT / database)
    url = URL.create(dialect, username=options.get("username"), password=options.get("password"),
                     host=config.url, port=options.get("port"), database=database,
                     query=options.get("query") or {})
    return make_url(url).render_as_string(hide_password=False)


def forget_marker(tracker_events: Sequence[Any]) -> Optional[int]:
    """Index of the last ``SlotSet(forget_requested, True)`` in the events, if any."""
    for index in range(len(tracker_events) - 1, -1, -1):
        event = tracker_events[index]
        if getattr(event, "type_name", None) == "slot" and getattr(event, "key", None) == FORGET_SLOT \
                and getattr(event, "value", None) is True:
            return index
    return None


def _build_store_class() -> type:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    class ForgettingSQLTrackerStore(SQLTrackerStore):
        """Rasa's SQL tracker store that also forgets a conversation when asked in it."""

        async def save(self, tracker: DialogueStateTracker) -> None:
            tracker_events = list(tracker.events)
            marker = forget_marker(tracker_events)
            if marker is None:
                await super().save(tracker)
                return
            # Rewritten while this tracker object still holds the marker, so a second save
            # of the same object cannot mistake which events are already stored.
            await self.stream_events(tracker)
            with self.session_scope() as session:
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id == tracker.sender_id).delete(synchronize_session=False)
                for event in tracker_events[marker + 1:]:
                    data = event.as_dict()
                    session.add(self.SQLEvent(
                        sender_id=tracker.sender_id, type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"), data=json.dumps(data)))
                session.commit()

    ForgettingSQLTrackerStore.__module__ = __name__
    return ForgettingSQLTrackerStore


_built: Dict[str, type] = {}


def __getattr__(name: str) -> Any:
    if name == "ForgettingSQLTrackerStore":
        if name not in _built:
            _built[name] = _build_store_class()
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
