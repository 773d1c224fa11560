"""Fixtures: the same store tests on SQLite (a temp file) and PostgreSQL (a throw-away database).

PostgreSQL tests use a database created for the test session (``CREATE DATABASE``) and
dropped at the end, so nothing is left in the server's ``test`` database; tables are emptied
before each test. Without a reachable server the PostgreSQL cases are skipped, saying why.
Set ``COSERVE_TEST_POSTGRES_URL`` to use another server (the URL of any database on it).
"""

from __future__ import annotations

import os
import uuid
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.insights import snapshot
from bot.insights.schema import metadata
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

from .support import KEY, Clock

ADMIN_URL = os.environ.get("COSERVE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
def _admin():  # type: ignore[no-untyped-def]
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[Callable[[], str]]:
    """Creates empty PostgreSQL databases on demand and drops them all at the end."""
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "no server to test on"
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {make_url(ADMIN_URL)!r}: {type(error).__name__}")
    created = []

    def create() -> str:
        name = f"coserve_insights_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_factory: Callable[[], str]) -> str:
    """One migrated database shared by the session's PostgreSQL store tests."""
    url = postgres_factory()
    store = InsightsStore(url, spool_path="/nonexistent/unused.jsonl")
    store.migrate()
    store.close()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_url(backend: str, tmp_path, request: pytest.FixtureRequest) -> str:  # type: ignore[no-untyped-def]
    """An empty, unmigrated database of the backend under test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("postgres_factory")())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: str, tmp_path, clock: Clock, request: pytest.FixtureRequest  # type: ignore[no-untyped-def]
          ) -> Iterator[InsightsStore]:
    """A migrated, empty store with its own spool file."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'insights.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = InsightsStore(url, spool_path=tmp_path / "spool" / "insights.jsonl", clock=clock)
    store.migrate()
    if backend == "postgresql":
        tables = [*metadata.sorted_tables, *snapshot.metadata.sorted_tables]  # frozen weeks too
        names = ", ".join(table.name for table in tables)
        with store.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield store
    store.close()


@pytest.fixture
def person() -> str:
    return pseudonymous_id(KEY, "telegram", "123456789")


@pytest.fixture
def other_person() -> str:
    return pseudonymous_id(KEY, "line", "U4af4980629a8b7c6d5e4f3a2b1c0d9e8")
