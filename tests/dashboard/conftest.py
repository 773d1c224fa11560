"""Fixtures: a migrated SQLite store on a temporary path, a staff account, the app and a client.

The app's clock is the store's clock (``insights.support.Clock``, 2026-11-26 09:30 UTC), so
"the last twelve complete weeks" are 2026-08-31 to 2026-11-22 in every test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import pytest
from insights.support import Clock
from insights.test_aggregate import FakeEncoder

from bot.dashboard.app import create_app
from bot.dashboard.config import DashboardSettings
from bot.dashboard.users import StaffUsers
from bot.insights.store import InsightsStore

from .support import PASSWORD, STAFF, sign_in

K = 5


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database with the staff account, copied for each test (migrating and
    hashing a password per test would take a second each)."""
    path = tmp_path_factory.mktemp("dashboard") / "template.db"
    template = InsightsStore(f"sqlite:///{path}", spool_path=path.with_suffix(".jsonl"))
    template.migrate()
    StaffUsers(template).add(STAFF, PASSWORD)
    template.close()
    return path


@pytest.fixture
def store(tmp_path: Path, clock: Clock, migrated_database: Path) -> Iterator[InsightsStore]:
    path = tmp_path / "insights.db"
    shutil.copyfile(migrated_database, path)
    store = InsightsStore(f"sqlite:///{path}", spool_path=tmp_path / "spool.jsonl", clock=clock)
    yield store
    store.close()


@pytest.fixture
def config() -> DashboardSettings:
    return DashboardSettings(secure_cookies=False)  # the test client speaks plain HTTP


@pytest.fixture
def make_client(aiohttp_client: Any, store: InsightsStore, config: DashboardSettings, clock: Clock
                ) -> Callable[..., Awaitable[Any]]:
    """``await make_client(encoder=…)``: a client of a fresh app on the shared store."""
    async def make(settings: DashboardSettings = config, **options: Any) -> Any:
        options = {"k": K, "encoder": FakeEncoder(), "now": clock, **options}
        return await aiohttp_client(create_app(store, settings, **options))

    return make


@pytest.fixture
async def client(make_client: Callable[..., Awaitable[Any]]) -> Any:
    return await make_client()


@pytest.fixture
async def staff(client: Any) -> Any:
    """The client, signed in as the staff member."""
    response = await sign_in(client)
    assert response.status == 303, await response.text()
    return client
