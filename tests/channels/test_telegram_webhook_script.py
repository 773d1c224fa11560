"""scripts/telegram_webhook.py: clear errors when unset, and a setWebhook Telegram accepts."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fake_telegram import FakeTelegramApi

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "telegram_webhook.py"
URL = "https://coserve.example.tw/webhooks/telegram/webhook"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("telegram_webhook", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "environ, complaint",
    [
        ({}, "TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL, TELEGRAM_SECRET_TOKEN"),
        ({"TELEGRAM_TOKEN": "t", "TELEGRAM_WEBHOOK_URL": URL}, "set TELEGRAM_SECRET_TOKEN"),
        (
            {"TELEGRAM_TOKEN": "t", "TELEGRAM_WEBHOOK_URL": "http://x", "TELEGRAM_SECRET_TOKEN": "s"},
            "https://",
        ),
        ({"TELEGRAM_TOKEN": "t", "TELEGRAM_WEBHOOK_URL": URL, "TELEGRAM_SECRET_TOKEN": "no spaces"}, "A-Z"),
    ],
)
def test_unset_or_invalid_settings_are_named(
    environ: dict, complaint: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert load_script().main(environ, env_file=tmp_path / ".env") == 2
    assert complaint in capsys.readouterr().err


async def test_sets_the_webhook_with_the_secret_token(telegram_api: FakeTelegramApi, tmp_path: Path) -> None:
    environ = {
        "TELEGRAM_TOKEN": telegram_api.token,
        "TELEGRAM_WEBHOOK_URL": URL,
        "TELEGRAM_SECRET_TOKEN": "s3cret_token-1",
        "TELEGRAM_API_BASE": telegram_api.url,
    }
    assert await asyncio.to_thread(load_script().main, environ, tmp_path / ".env") == 0
    [call] = telegram_api.sent("setWebhook")
    assert call["url"] == URL and call["secret_token"] == "s3cret_token-1"
    assert call["allowed_updates"] == ["message", "callback_query"]


async def test_a_refusal_is_reported_without_the_token(
    telegram_api: FakeTelegramApi, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    environ = {
        "TELEGRAM_TOKEN": "999:wrong-token",
        "TELEGRAM_WEBHOOK_URL": URL,
        "TELEGRAM_SECRET_TOKEN": "s",
        "TELEGRAM_API_BASE": telegram_api.url,
    }
    assert await asyncio.to_thread(load_script().main, environ, tmp_path / ".env") == 1
    err = capsys.readouterr().err
    assert "Telegram refused" in err and "999:wrong-token" not in err
