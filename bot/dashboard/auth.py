"""Sessions, sign-in throttling and CSRF checks for the staff dashboard.

Sessions live in memory: a restart signs everyone out, which is acceptable for one
dashboard process and means no bearer token is ever written to disk. The cookie is the
only copy of the token (HttpOnly, SameSite=Strict, Secure unless configured otherwise);
each session has its own CSRF token, which every POST must echo in a hidden field.
"""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Deque, Dict, Optional

from aiohttp import web

from bot.dashboard.errors import Refusal

SESSION_COOKIE = "coserve_dashboard"
SIGNIN_COOKIE = "coserve_dashboard_signin"  # the sign-in form's CSRF token, before a session
CSRF_FIELD = "csrf"
SESSION = "dashboard_session"  # request key of the current Session
PUBLIC_PATHS = frozenset({"/login", "/static/dashboard.css"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Clock = Callable[[], float]  # seconds


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    expires: float


class Sessions:
    """Random tokens mapped to signed-in staff, each ending ``lifetime`` seconds after sign-in."""

    def __init__(self, lifetime: float, clock: Clock) -> None:
        self.lifetime, self._clock = lifetime, clock
        self._sessions: Dict[str, Session] = {}

    def start(self, user: str) -> str:
        self._sessions = {t: s for t, s in self._sessions.items() if s.expires > self._clock()}
        token = secrets.token_urlsafe(32)
        self._sessions[token] = Session(user, secrets.token_urlsafe(32), self._clock() + self.lifetime)
        return token

    def get(self, token: str) -> Optional[Session]:
        session = self._sessions.get(token)
        if session is not None and session.expires <= self._clock():
            del self._sessions[token]
            return None
        return session

    def end(self, token: str) -> None:
        self._sessions.pop(token, None)


@dataclass
class SignInLimiter:
    """At most ``limit`` failed sign-ins per user name and per address within ``window``
    seconds; further attempts are refused without checking the password."""

    limit: int
    window: float
    clock: Clock
    _failures: Dict[str, Deque[float]] = field(default_factory=dict)

    def _recent(self, key: str) -> Deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= self.clock() - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def locked(self, *keys: str) -> bool:
        return any(len(self._recent(key)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._failures.setdefault(key, self._recent(key)).append(self.clock())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


def same_token(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def set_cookie(response: web.StreamResponse, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Strict",
                        secure=secure)


def require_session(sessions: Sessions) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Middleware: a valid session for every path but sign-in and the stylesheet, and the
    session's CSRF token on every POST. Pages redirect to sign-in; downloads and POSTs get 401."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS:
            return await handler(request)
        session = sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if session is None:
            if request.method == "GET" and not request.path.startswith("/export/"):
                raise web.HTTPSeeOther(request.app.router["login"].url_for()
                                       .with_query(next=request.path_qs))
            raise Refusal("unauthorized", status=401)
        if request.method == "POST":
            form = await request.post()
            if not same_token(form.get(CSRF_FIELD), session.csrf):
                raise Refusal("csrf", status=403)
        request[SESSION] = session
        return await handler(request)

    return middleware
