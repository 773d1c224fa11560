"""Opening the insights database, migrating it, and telling "down" from "bug".

SQLite (a file, the default for a single server) and PostgreSQL (by URL) are both
supported. SQLite gets WAL, so the action server's readers do not block its writer, and
foreign keys, which it ignores unless asked on every connection. PostgreSQL gets a short
connect timeout so an unreachable server costs a conversation seconds, not minutes.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.pool import QueuePool

from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ALEMBIC_DIR = PROJECT_ROOT / "alembic"
CONNECT_TIMEOUT_SECONDS = 3
UNDEFINED_TABLE = "42P01"
READ_ONLY_TRANSACTION = "25006"  # e.g. a hot standby
INSUFFICIENT_PRIVILEGE = "42501"


class StoreUnavailable(RuntimeError):
    """The database cannot be reached; ``spooled`` says the request was queued anyway."""

    def __init__(self, message: str, spooled: bool = False) -> None:
        super().__init__(message)
        self.spooled = spooled


def is_unavailable(error: BaseException) -> bool:
    """Whether an error means the database is out of reach rather than a programming error.

    Connection refused, timeouts, a read-only or unopenable SQLite file and missing tables
    (an unmigrated database) are all "come back later"; integrity and type errors are bugs
    and must surface.
    """
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    unavailable = (
        exc.OperationalError,
        exc.InterfaceError,
        exc.DisconnectionError,
        exc.TimeoutError,
        sqlite3.OperationalError,
        OSError,
    )
    if isinstance(error, exc.ProgrammingError):  # PostgreSQL: relation does not exist
        return getattr(error.orig, "pgcode", None) == UNDEFINED_TABLE
    return isinstance(error, unavailable)


def is_read_only(error: BaseException) -> bool:
    """Whether a write failed because this connection may only read: a read-only SQLite file,
    a PostgreSQL hot standby or read-only transaction, or a role without write grants."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.OperationalError):
        return "readonly" in str(original).replace("-", "")
    return getattr(original, "pgcode", None) in (READ_ONLY_TRANSACTION, INSUFFICIENT_PRIVILEGE)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # In WAL mode NORMAL keeps every commit across a process crash (SIGKILL); only an
        # OS crash or power loss can lose the last commits. FULL fsyncs every write.
        cursor.execute("PRAGMA synchronous=NORMAL")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            # A read-only database cannot switch journal mode; it can still be read.
            log.warning("insights: SQLite database is read-only; WAL not enabled")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creating it connects to nothing."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass  # reported as StoreUnavailable on first use
        # A pool keeps connections open: SQLAlchemy's default for file SQLite reopens the file
        # (and checkpoints the WAL) on every write. The pool hands a connection to one thread
        # at a time, so sqlite3's same-thread check can be off.
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=5,
                               connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if backend == "postgresql" else {}
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def alembic_config() -> Config:
    """The project's Alembic configuration, usable from any working directory."""
    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["configure_logger"] = False  # do not reset the application's logging
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Runs every pending migration on ``engine``'s database."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """One database: its engine, migrations, and transactions that report "down" uniformly.

    After a failure the database is left alone for ``retry_after`` seconds (unless a caller
    forces a try), so a down server costs one connect timeout, not one per message.
    """

    def __init__(self, url: str, retry_after: float = 30.0) -> None:
        self.url = url
        self.retry_after = retry_after
        self._engine: Optional[Engine] = None
        self._down_until = 0.0

    def open(self) -> Engine:
        """Creates the engine on first use; connects to nothing."""
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def migrate(self) -> None:
        """Alembic ``upgrade head``; raises StoreUnavailable when the database is unreachable."""
        try:
            upgrade_to_head(self.open())
        except Exception as error:
            if is_unavailable(error):
                raise StoreUnavailable(f"cannot migrate: {type(error).__name__}") from error
            raise

    @contextlib.contextmanager
    def transaction(self, force: bool = False, single_statement: bool = False
                    ) -> Iterator[Connection]:
        """A committed-or-rolled-back connection; StoreUnavailable when out of reach.

        ``single_statement``: the work is one statement, atomic by itself (the store's
        consented inserts), so it runs in autocommit mode: no BEGIN and COMMIT round trips,
        and it is committed (durably, as any commit) when the statement returns.
        """
        if not force and time.monotonic() < self._down_until:
            raise StoreUnavailable("insights database recently unreachable; retrying later")
        try:
            if single_statement:
                with self.open().connect() as connection:
                    yield connection.execution_options(isolation_level="AUTOCOMMIT")
            else:
                with self.open().begin() as connection:
                    yield connection
        except Exception as error:
            if is_unavailable(error):
                self._down_until = time.monotonic() + self.retry_after
                cause = type(getattr(error, "orig", None) or error).__name__
                raise StoreUnavailable(f"insights database unavailable ({cause})") from error
            raise
        self._down_until = 0.0
