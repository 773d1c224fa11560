"""channels/common.py: de-duplication, retries, background work and the turn collector."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from itertools import pairwise
from typing import List

import pytest

from channels.common import (
    BackgroundTasks,
    RecentIds,
    RetryPolicy,
    TransientError,
    language_hint,
    parse_retry_after,
    run_turn,
    with_retries,
)


def test_recent_ids_remember_within_ttl_and_capacity() -> None:
    now = [0.0]
    ids = RecentIds(ttl=10, capacity=2, clock=lambda: now[0])
    assert ids.first_time("a") and not ids.first_time("a")
    now[0] = 11
    assert ids.first_time("a"), "forgotten after the TTL"
    assert ids.first_time("b") and ids.first_time("c")
    assert ids.first_time("a"), "the oldest is dropped past capacity"


async def test_retries_back_off_and_give_up_after_the_last_attempt() -> None:
    attempts: List[float] = []

    async def flaky() -> str:
        attempts.append(asyncio.get_running_loop().time())
        raise TransientError("HTTP 503")

    with pytest.raises(TransientError):
        await with_retries(flaky, RetryPolicy(attempts=3, base_delay=0.05, max_delay=1), "test")
    gaps = [b - a for a, b in pairwise(attempts)]
    assert len(attempts) == 3 and 0.02 <= gaps[0] <= gaps[1] + 0.05


async def test_a_retry_after_longer_than_the_budget_ends_the_attempts() -> None:
    calls = []

    async def limited() -> None:
        calls.append(1)
        raise TransientError("HTTP 429", retry_after=60)

    with pytest.raises(TransientError):
        await with_retries(limited, RetryPolicy(attempts=5, base_delay=0.01, max_delay=5), "test")
    assert len(calls) == 1


async def test_permanent_errors_are_not_retried() -> None:
    calls = []

    async def refused() -> None:
        calls.append(1)
        raise ValueError("400")

    with pytest.raises(ValueError):
        await with_retries(refused, RetryPolicy(), "test")
    assert len(calls) == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 31


async def test_background_failures_are_logged_not_lost(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()

    async def broken() -> None:
        raise RuntimeError("boom")

    tasks.spawn(broken(), name="broken work")
    await tasks.drain()
    await asyncio.sleep(0)
    assert len(tasks) == 0 and "broken work failed" in caplog.text and "boom" in caplog.text


async def test_the_turn_keeps_each_message_whole() -> None:
    async def dialogue(message) -> None:
        bot = {
            "text": "第一段\n\n第二段",
            "buttons": [{"title": "好", "payload": "/affirm"}],
            "custom": {"cards": []},
        }
        await message.output_channel.send_response(message.sender_id, bot)

    turn = await run_turn(dialogue, "hi", "user-1", "line", {"event": "message"})
    assert turn == [
        {
            "text": "第一段\n\n第二段",
            "buttons": [{"title": "好", "payload": "/affirm"}],
            "custom": {"cards": []},
        }
    ]


@pytest.mark.parametrize(
    "code, hint", [("zh-TW", "zh-TW"), ("zh-hant", "zh-TW"), ("en-US", "en"), ("ja", None), (None, None)]
)
def test_language_hints(code, hint) -> None:
    assert language_hint(code) == hint
