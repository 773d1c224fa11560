"""What every handler shares: the store, settings, sessions, templates, and how to use them.

Database work runs off the event loop (SQLAlchemy is synchronous); clustering and exports
run on one dedicated worker thread, so two staff downloading at once queue rather than
fight over the server's two cores.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Optional, TypeVar

import jinja2
from aiohttp import web
from sqlalchemy.engine import Connection

from bot.dashboard.announce import FollowupTarget
from bot.dashboard.auth import SESSION, Sessions, SignInLimiter
from bot.dashboard.config import DashboardSettings
from bot.dashboard.text import HTML_LANG, LANGUAGES, translate
from bot.dashboard.users import StaffUsers
from bot.insights.aggregate import LOCAL
from bot.insights.clusters import Encoder
from bot.insights.frozen import DEFAULT_AFTER_DAYS, Freezing
from bot.insights.store import InsightsStore

LANGUAGE = "dashboard_language"  # request key: "zh-TW" or "en"
T = TypeVar("T")


@dataclass
class Dashboard:
    store: InsightsStore
    config: DashboardSettings
    k: int
    default_language: str
    encoder: Optional[Encoder]
    now: Callable[[], datetime]
    templates: jinja2.Environment
    sessions: Sessions
    limiter: SignInLimiter
    users: StaffUsers
    heavy: ThreadPoolExecutor
    followup: Optional[FollowupTarget]  # None: markers are not sent from the dashboard
    freeze_after_days: int = DEFAULT_AFTER_DAYS

    def today(self) -> date:
        return self.now().astimezone(LOCAL).date()

    def freezing(self, staff: str) -> Freezing:
        """Due weeks a page or download shows are frozen first, in the staff member's name."""
        return Freezing(self.freeze_after_days, self.now(), f"staff:{staff}")

    async def read(self, work: Callable[[Connection], T], heavy: bool = False) -> T:
        """``work(connection)`` in one transaction, on a worker thread."""
        def run() -> T:
            with self.store.db.transaction() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(self.heavy if heavy else None, run)

    def render(self, request: web.Request, template: str, status: int = 200, **context: Any
               ) -> web.Response:
        """A page in the request's language, with the signed-in user and the language switch."""
        language = request.get(LANGUAGE, self.default_language)
        other = next(code for code in LANGUAGES if code != language)
        session = request.get(SESSION)
        values = {
            "t": lambda key, **more: translate(key, language, **more),
            "language": language, "html_lang": HTML_LANG[language], "other_language": other,
            "other_html_lang": HTML_LANG[other],
            "switch_url": str(request.rel_url.update_query(lang=other)),
            "path": request.path, "user": getattr(session, "user", None),
            "csrf": getattr(session, "csrf", ""), "k": self.k, **context,
        }
        page = self.templates.get_template(template).render(**values)
        return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


DASHBOARD = web.AppKey("dashboard", Dashboard)
