"""A local stand-in for the Telegram Bot API (``/bot<token>/<method>``): accepts parameters the
ways Telegram does (query string, form, multipart, JSON), checks them against the reference,
records them, and fails on request (``error_code`` with ``parameters.retry_after`` for 429)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from aiohttp import web

from tests.render.telegram_spec import answer_callback_errors, send_message_errors, set_webhook_errors

TOKEN = "123456:TEST-token_for-the-fake"
CHECKS: Dict[str, Callable[[Dict[str, Any]], List[str]]] = {
    "sendMessage": send_message_errors,
    "answerCallbackQuery": answer_callback_errors,
    "setWebhook": set_webhook_errors,
    "getMe": lambda params: [],
}
JSON_PARAMETERS = ("reply_markup", "link_preview_options", "allowed_updates", "chat_id")


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    ok: bool


class FakeTelegramApi:
    """``fail("sendMessage", 429, retry_after=1)`` makes the next sendMessage fail."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: List[Call] = []
        self.errors: List[str] = []
        self._failures: Dict[str, Deque[Tuple[int, Optional[int]]]] = {}
        self._message_id = 1000
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    def fail(self, method: str, status: int, *, retry_after: Optional[int] = None, times: int = 1) -> None:
        for _ in range(times):
            self._failures.setdefault(method, deque()).append((status, retry_after))

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method and c.ok]

    async def wait_for(self, method: str, count: int, timeout: float = 5.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method}, got {self.calls}")
            await asyncio.sleep(0.01)
        return self.sent(method)

    async def start(self, host: str = "127.0.0.1") -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        self.url = f"http://{host}:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    async def _params(request: web.Request) -> Dict[str, Any]:
        params: Dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update(form)
        for key in JSON_PARAMETERS:  # python-telegram-bot sends these JSON-encoded in a form
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    def _error(self, code: int, description: str, retry_after: Optional[int] = None) -> web.Response:
        body: Dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        if method not in CHECKS:
            return self._error(404, "Not Found: method not found")
        params = await self._params(request)
        problems = CHECKS[method](params)
        if problems:
            self.errors += problems
            self.calls.append(Call(method, params, False))
            return self._error(400, "Bad Request: " + "; ".join(problems))
        if self._failures.get(method):
            status, retry_after = self._failures[method].popleft()
            self.calls.append(Call(method, params, False))
            return self._error(
                status, "Too Many Requests" if status == 429 else "Internal Server Error", retry_after
            )
        self.calls.append(Call(method, params, True))
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "CoServe 合產", "username": "coserve_bot"}
        if method == "sendMessage":
            self._message_id += 1
            chat = {"id": int(params["chat_id"]), "type": "private"}
            return {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": chat,
                "text": params["text"],
            }
        return True
