"""`make telegram-webhook`: tells Telegram where to deliver the bot's updates (setWebhook).

Reads TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL (https://<host>/webhooks/telegram/webhook) and
TELEGRAM_SECRET_TOKEN from the environment, then from .env; TELEGRAM_API_BASE is optional
(a local Bot API server or a test fake). Only message and callback_query updates are asked for:
the channel answers nothing else.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Mapping, Optional

from telegram.error import TelegramError

from bot.settings import read_dotenv
from channels.telegram import API_BASE, check_secret_token, make_bot

REQUIRED = ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_SECRET_TOKEN")
ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


async def set_webhook(token: str, url: str, secret_token: str, api_base: str = API_BASE) -> bool:
    async with make_bot(token, api_base) as bot:
        return await bot.set_webhook(
            url=url, secret_token=secret_token, allowed_updates=["message", "callback_query"]
        )


def main(environ: Optional[Mapping[str, str]] = None, env_file: Path = ENV_FILE) -> int:
    env = {**read_dotenv(env_file), **(os.environ if environ is None else environ)}
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        print(f"error: set {', '.join(missing)} (see docs/channels.md, Telegram)", file=sys.stderr)
        return 2
    url = env["TELEGRAM_WEBHOOK_URL"]
    if not url.startswith("https://"):
        print("error: TELEGRAM_WEBHOOK_URL must be an https:// URL; Telegram refuses others", file=sys.stderr)
        return 2
    try:
        secret = check_secret_token(env["TELEGRAM_SECRET_TOKEN"])
    except ValueError as error:
        print(f"error: TELEGRAM_SECRET_TOKEN: {error}", file=sys.stderr)
        return 2
    api_base = env.get("TELEGRAM_API_BASE") or API_BASE
    try:
        asyncio.run(set_webhook(env["TELEGRAM_TOKEN"], url, secret, api_base))
    except TelegramError as error:
        message = str(error).replace(env["TELEGRAM_TOKEN"], "<token>")
        print(f"error: Telegram refused setWebhook: {message}", file=sys.stderr)
        return 1
    print(f"Telegram will deliver updates to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
