"""Fixtures for channel tests: the fake platform APIs and an HTTP client."""

from __future__ import annotations

from typing import AsyncIterator

import aiohttp
import pytest
from fake_line import FakeLineApi
from fake_telegram import FakeTelegramApi
from harness import Client


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(session)


@pytest.fixture
async def line_api() -> AsyncIterator[FakeLineApi]:
    api = FakeLineApi()
    await api.start()
    yield api
    await api.close()
    assert api.errors == [], "the channel sent LINE something the API reference forbids"


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.close()
    assert api.errors == [], "the channel sent Telegram something the Bot API reference forbids"
