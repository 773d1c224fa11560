"""The agency dashboard as an aiohttp application.

``create_app`` takes an opened, migrated store and everything else explicitly, so tests
build one on a temporary database; ``app_from_settings`` is the start-up path used by
``coserve dashboard serve``. Every response gets a strict Content-Security-Policy: the
pages have no script at all, and styles come from one stylesheet.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Optional

import jinja2
from aiohttp import web

from bot.dashboard import downloads, signin, views
from bot.dashboard.announce import FollowupTarget
from bot.dashboard.auth import Handler, Sessions, SignInLimiter, require_session
from bot.dashboard.charts import bar_chart, line_chart
from bot.dashboard.config import DashboardSettings, dashboard_settings
from bot.dashboard.encoding import CachedEncoder
from bot.dashboard.errors import Refusal
from bot.dashboard.state import DASHBOARD, LANGUAGE, Dashboard
from bot.dashboard.text import LANGUAGES
from bot.dashboard.users import StaffUsers
from bot.insights.clusters import Encoder
from bot.insights.database import StoreUnavailable
from bot.insights.frozen import DEFAULT_AFTER_DAYS
from bot.insights.store import InsightsStore, utc_now

HERE = Path(__file__).resolve().parent
LANGUAGE_COOKIE = "coserve_dashboard_lang"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                    "Cache-Control": "no-store"}


def templates() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(bar_chart=bar_chart, line_chart=line_chart)
    return environment


def language_middleware(default: str) -> Any:
    """The page language: ``?lang=`` (remembered in a cookie), else the cookie, else the default."""
    def remember(response: web.StreamResponse, chosen: Optional[str]) -> None:
        if chosen in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, str(chosen), max_age=365 * 86400, path="/",
                                httponly=True, samesite="Strict")

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        chosen = request.query.get("lang")
        remembered = request.cookies.get(LANGUAGE_COOKIE)
        request[LANGUAGE] = next(code for code in (chosen, remembered, default) if code in LANGUAGES)
        try:
            response = await handler(request)
        except web.HTTPException as redirect:  # the sign-in redirect keeps the choice too
            remember(redirect, chosen)
            raise
        remember(response, chosen)
        return response

    return middleware


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refused requests and an unreachable database as pages in the staff member's language."""
    dash = request.app[DASHBOARD]
    try:
        return await handler(request)
    except Refusal as refusal:
        return dash.render(request, "error.html", status=refusal.status,
                           message=refusal.message(request[LANGUAGE]))
    except StoreUnavailable:
        return dash.render(request, "error.html", status=503, message=Refusal("unavailable")
                           .message(request[LANGUAGE]))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """On every response, redirects and errors included."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k not in error.headers})
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(store: InsightsStore, config: DashboardSettings, *, k: int,
               default_language: str = "zh-TW", encoder: Optional[Encoder] = None,
               followup: Optional[FollowupTarget] = None,
               now: Callable[[], datetime] = utc_now,
               freeze_after_days: int = DEFAULT_AFTER_DAYS) -> web.Application:
    """The application on an opened, migrated ``store``; ``encoder`` enables gap clusters,
    ``followup`` sending follow-ups when a category is marked addressed; weeks shown
    ``freeze_after_days`` after they end are frozen (bot/insights/frozen.py)."""
    sessions = Sessions(config.session_minutes * 60.0, lambda: now().timestamp())
    limiter = SignInLimiter(config.max_failed_signins, config.lockout_minutes * 60.0,
                            lambda: now().timestamp())
    dash = Dashboard(store=store, config=config, k=k, default_language=default_language,
                     encoder=CachedEncoder(encoder) if encoder is not None else None, now=now,
                     templates=templates(), sessions=sessions, limiter=limiter,
                     users=StaffUsers(store, now), heavy=ThreadPoolExecutor(1, "dashboard-heavy"),
                     followup=followup, freeze_after_days=freeze_after_days)
    app = web.Application(middlewares=[security_headers, language_middleware(default_language),
                                       refusals, require_session(sessions)])
    app[DASHBOARD] = dash
    app.cleanup_ctx.append(lambda _: _worker(dash))
    stylesheet = (HERE / "static" / "dashboard.css").read_bytes()

    async def css(_: web.Request) -> web.Response:
        return web.Response(body=stylesheet, content_type="text/css", charset="utf-8",
                            headers={"Cache-Control": "private, max-age=600"})

    router = app.router
    router.add_get("/login", signin.login_page, name="login")
    router.add_post("/login", signin.login)
    router.add_post("/logout", signin.logout, name="logout")
    router.add_get("/", views.overview, name="overview")
    router.add_get("/gaps", views.gaps, name="gaps")
    router.add_get("/handoffs", views.handoffs, name="handoffs")
    router.add_get("/addressed", views.addressed_page, name="addressed")
    router.add_post("/addressed", views.mark)
    router.add_get("/export/{format}", downloads.export, name="export")
    router.add_get("/static/dashboard.css", css)
    return app


async def _worker(dash: Dashboard) -> AsyncIterator[None]:
    """Loads the embedding model on the worker thread at start, not on the first request;
    at the end stops the thread after the work it was given, so a follow-up already promised
    on the page is sent, not dropped."""
    if dash.encoder is not None:
        dash.heavy.submit(dash.encoder.encode_passages, ["warm-up"])
    yield
    dash.heavy.shutdown(wait=True)


def app_from_settings(settings: Any) -> web.Application:
    """Start-up: the configured store (migrated), the search embedder unless clustering is
    turned off (the model loads on the first clustering, not here), and where follow-ups go."""
    config = dashboard_settings(settings)
    store = InsightsStore.from_settings(settings).open()
    store.migrate()
    encoder = None
    if config.gap_clusters:
        from bot.search.embeddings import create_embedder

        encoder = create_embedder(settings.search.embedder)
    followup = None
    if config.followup_rasa_url:
        followup = FollowupTarget(config.followup_rasa_url, config.followup_tracker_store,
                                  settings.insights.pseudonym_key.get_secret_value())
    app = create_app(store, config, k=settings.insights.small_cell_k,
                     default_language=settings.default_language, encoder=encoder, followup=followup,
                     freeze_after_days=settings.insights.freeze_after_days)

    async def close_store(_: web.Application) -> AsyncIterator[None]:
        yield
        store.close()

    app.cleanup_ctx.append(close_store)
    return app
