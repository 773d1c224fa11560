"""A local stand-in for LINE's Messaging API: checks every request against the reference (path,
method, headers, body and its limits), records what was sent, and fails on request.

Used by the channel tests and by benchmarks/line_webhook.py. Error bodies follow LINE's
``{"message": ..., "details": [...]}`` shape.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Set

from aiohttp import web

from tests.render.line_spec import request_errors

TOKEN = "test-channel-access-token"


@dataclass
class Call:
    """One request as LINE received it."""

    endpoint: str  # "reply", "push" or "profile"
    headers: Dict[str, str]
    body: Dict[str, Any]
    status: int
    delivered: bool = False  # reached the person (a 200, or a failure LINE had in fact accepted)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int
    message: str
    retry_after: Optional[str] = None
    accepted: bool = False  # the push went out although the answer was an error (e.g. a timeout)


class FakeLineApi:
    """``fail("reply", 500)`` makes the next reply fail; ``calls`` and ``errors`` tell the rest."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: List[Call] = []
        self.errors: List[str] = []  # every way a request broke the reference
        self.profiles: Dict[str, Dict[str, Any]] = {}
        self.on_delivery: Optional[Callable[[Call], None]] = None
        self._failures: Dict[str, Deque[Failure]] = {"reply": deque(), "push": deque()}
        self._spent_tokens: Set[str] = set()
        self._accepted_keys: Set[str] = set()
        self._delivered = asyncio.Event()
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        retry_after: Optional[str] = None,
        times: int = 1,
        accepted: bool = False,
    ) -> None:
        message = (
            "Invalid reply token" if status == 400 else "Too Many Requests" if status == 429 else "error"
        )
        for _ in range(times):
            self._failures[endpoint].append(Failure(status, message, retry_after, accepted))

    @property
    def deliveries(self) -> List[Call]:
        """Accepted replies and pushes, in order."""
        return [c for c in self.calls if c.delivered]

    def attempts(self, endpoint: str) -> List[Call]:
        return [c for c in self.calls if c.endpoint == endpoint]

    async def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> List[Call]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count:
            self._delivered.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"expected {count} deliveries, got {len(self.deliveries)}: {self.calls}")
            try:
                await asyncio.wait_for(self._delivered.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.deliveries

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_get("/v2/bot/profile/{user_id}", self._profile)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _error(self, status: int, message: str, details: Optional[List[str]] = None) -> web.Response:
        body: Dict[str, Any] = {"message": message}
        if details:
            body["details"] = [{"message": d} for d in details]
        return web.json_response(body, status=status)

    async def _checked(self, request: web.Request, endpoint: str) -> Any:
        """The parsed body, or the error response LINE would give (also noted in ``errors``)."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._refuse(endpoint, request, {}, 401, ["Authorization must be 'Bearer <access token>'"])
        problems = []
        if request.content_type != "application/json":
            problems.append(f"Content-Type must be application/json, got {request.content_type}")
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None and endpoint == "reply":
            problems.append("X-Line-Retry-Key is only for push, multicast, narrowcast and broadcast")
        if retry_key is not None:
            try:
                uuid.UUID(retry_key)
            except ValueError:
                problems.append("X-Line-Retry-Key must be a UUID")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return self._refuse(endpoint, request, {}, 400, ["body is not JSON"])
        problems += request_errors(endpoint, body) if isinstance(body, dict) else ["body must be an object"]
        if problems:
            return self._refuse(endpoint, request, body, 400, problems)
        return body

    def _refuse(
        self, endpoint: str, request: web.Request, body: Any, status: int, problems: List[str]
    ) -> web.Response:
        self.errors += problems
        self.calls.append(Call(endpoint, dict(request.headers), body, status))
        return self._error(status, "The request body has errors", problems)

    def _injected(self, endpoint: str, request: web.Request, body: Dict[str, Any]) -> Optional[web.Response]:
        if not self._failures[endpoint]:
            return None
        failure = self._failures[endpoint].popleft()
        call = Call(endpoint, dict(request.headers), body, failure.status, delivered=failure.accepted)
        self.calls.append(call)
        if failure.accepted:
            self._accepted_keys.add(request.headers.get("X-Line-Retry-Key", ""))
            self._delivered.set()
        response = self._error(failure.status, failure.message)
        if failure.retry_after is not None:
            response.headers["Retry-After"] = failure.retry_after
        return response

    def _accept(self, endpoint: str, request: web.Request, body: Dict[str, Any]) -> web.Response:
        call = Call(endpoint, dict(request.headers), body, 200, delivered=True)
        self.calls.append(call)
        if self.on_delivery is not None:
            self.on_delivery(call)
        self._delivered.set()
        sent = [{"id": str(uuid.uuid4().int)[:18], "quoteToken": "q"} for _ in body["messages"]]
        return web.json_response({"sentMessages": sent})

    async def _reply(self, request: web.Request) -> web.Response:
        body = await self._checked(request, "reply")
        if isinstance(body, web.Response):
            return body
        injected = self._injected("reply", request, body)
        if injected is not None:
            return injected
        if body["replyToken"] in self._spent_tokens:
            self.calls.append(Call("reply", dict(request.headers), body, 400))
            return self._error(400, "Invalid reply token")
        self._spent_tokens.add(body["replyToken"])
        return self._accept("reply", request, body)

    async def _push(self, request: web.Request) -> web.Response:
        body = await self._checked(request, "push")
        if isinstance(body, web.Response):
            return body
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key in self._accepted_keys:
            self.calls.append(Call("push", dict(request.headers), body, 409))
            response = self._error(409, "The retry key is already accepted")
            response.headers["x-line-accepted-request-id"] = str(uuid.uuid4())
            return response
        injected = self._injected("push", request, body)
        if injected is not None:
            return injected
        if retry_key:
            self._accepted_keys.add(retry_key)
        return self._accept("push", request, body)

    async def _profile(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        self.calls.append(Call("profile", dict(request.headers), {"userId": user_id}, 200))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.errors.append("profile request without the channel access token")
            return self._error(401, "Authentication failed")
        if user_id not in self.profiles:
            return self._error(404, "Not found")
        return web.json_response({"userId": user_id, "displayName": "市民", **self.profiles[user_id]})
