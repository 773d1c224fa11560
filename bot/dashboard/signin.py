"""Signing in and out.

The sign-in form carries its own CSRF token (a cookie and a hidden field that must match),
since there is no session yet to hold one. Failed attempts count per user name and per
address; once either is over the limit, no password is checked until the window passes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiohttp import web

from bot.dashboard.auth import CSRF_FIELD, SESSION_COOKIE, SIGNIN_COOKIE, same_token, set_cookie
from bot.dashboard.errors import Refusal
from bot.dashboard.state import DASHBOARD

log = logging.getLogger(__name__)
SIGNIN_FORM_SECONDS = 3600


def safe_next(target: str) -> str:
    """Only a path on this site: never ``//host`` or ``https://host``, which would redirect away."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _form(request: web.Request, status: int = 200, error: str = "", name: str = "",
          next_path: str = "") -> web.Response:
    dash = request.app[DASHBOARD]
    token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    response = dash.render(request, "login.html", status=status, csrf=token, error=error, name=name,
                           next=safe_next(next_path or request.query.get("next", "/")),
                           lockout_minutes=dash.config.lockout_minutes)
    set_cookie(response, SIGNIN_COOKIE, token, SIGNIN_FORM_SECONDS, dash.config.secure_cookies)
    return response


async def login_page(request: web.Request) -> web.Response:
    return _form(request)


async def login(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    form = await request.post()
    if not same_token(form.get(CSRF_FIELD), request.cookies.get(SIGNIN_COOKIE, "")):
        raise Refusal("csrf", status=403)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    keys = (f"user:{name.casefold()}", f"address:{request.remote}")
    next_path = str(form.get("next", "/"))
    if dash.limiter.locked(*keys):
        log.warning("dashboard: sign-in refused while locked (%s)", keys[1])
        return _form(request, 429, "signin_locked", name, next_path)
    if not await asyncio.get_running_loop().run_in_executor(None, dash.users.check, name, password):
        dash.limiter.failed(*keys)
        log.warning("dashboard: failed sign-in (%s)", keys[1])
        return _form(request, 401, "signin_failed", name, next_path)
    dash.limiter.succeeded(keys[0])
    response = web.HTTPSeeOther(safe_next(next_path))
    set_cookie(response, SESSION_COOKIE, dash.sessions.start(name), int(dash.sessions.lifetime),
               dash.config.secure_cookies)
    response.del_cookie(SIGNIN_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.Response:
    """POST only, with the session's CSRF token (checked by the middleware)."""
    request.app[DASHBOARD].sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPSeeOther(request.app.router["login"].url_for())
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
