"""The dashboard's pages: needs overview, knowledge gaps, hand-offs waiting, needs addressed.

Handlers parse input (``filters.py``), read through ``Dashboard.read`` and render; the
numbers come from ``bot.insights`` and are already small-cell suppressed. Pages that show
personal data (hand-offs) write their audit row in the same transaction as the read.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web
from sqlalchemy.engine import Connection

from bot.dashboard import audit
from bot.dashboard.addressed import MAX_NOTE_CHARS, mark_addressed, recent_markers, valid_marker
from bot.dashboard.announce import announce_to_people_who_opted_in, followup_results
from bot.dashboard.auth import SESSION
from bot.dashboard.errors import Refusal
from bot.dashboard.filters import Filters, area_choices, filtered_report, parse_filters
from bot.dashboard.handoffs import waiting, waiting_count
from bot.dashboard.state import DASHBOARD, LANGUAGE
from bot.dashboard.summaries import gap_rows, handoff_rows, marker_rows, rising_gap_rows
from bot.dashboard.summaries import overview as overview_of
from bot.dashboard.text import CHANNELS
from bot.insights.clusters import rising_clusters, unmet_needs
from bot.insights.export import FORMATS
from bot.taxonomy import AUDIENCES, SERVICE_AREAS, Label


def _labels(vocabulary: Dict[str, Label], language: str) -> List[Tuple[str, str]]:
    return [(key, label.for_language(language)) for key, label in vocabulary.items()]


def filter_context(request: web.Request, filters: Filters) -> Dict[str, Any]:
    """The filter form's choices and the download links for the same filters."""
    language = request[LANGUAGE]
    return {"filters": filters, "areas": area_choices(language),
            "groups": _labels(dict(AUDIENCES), language), "channels": _labels(CHANNELS, language),
            "downloads": [(fmt, str(request.app.router["export"].url_for(format=fmt)
                                    .with_query(filters.query()))) for fmt in FORMATS]}


async def overview(request: web.Request) -> web.Response:
    dash, language = request.app[DASHBOARD], request[LANGUAGE]
    filters = parse_filters(request.query, dash.today())
    period = filters.period(dash.today())
    freezing = dash.freezing(request[SESSION].user)
    report = await dash.read(lambda c: filtered_report(c, filters, period, dash.k, None, language,
                                                       freezing))
    return dash.render(request, "overview.html", period=period, notes=report.notes(),
                       view=overview_of(report), **filter_context(request, filters))


async def gaps(request: web.Request) -> web.Response:
    """Unmet-need clusters of the period (city-wide: clusters have no place)."""
    dash = request.app[DASHBOARD]
    filters = parse_filters(request.query, dash.today())
    period = filters.period(dash.today())
    encoder = dash.encoder
    clusters = [] if encoder is None else await dash.read(
        lambda c: unmet_needs(c, period, encoder, dash.k), heavy=True)
    language = request[LANGUAGE]
    return dash.render(request, "gaps.html", period=period, clustering=encoder is not None,
                       cluster_rows=gap_rows(clusters, language), cluster_total=len(clusters),
                       rising_rows=rising_gap_rows(rising_clusters(clusters, period.weeks(), dash.k),
                                                   language),
                       **filter_context(request, filters))


async def handoffs(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    staff = request[SESSION].user

    def read(connection: Connection) -> Tuple[int, list]:
        count, shown = waiting_count(connection), waiting(connection)
        audit.record(connection, staff, audit.VIEW_HANDOFFS,
                     {"waiting": count, "handoffs": [item.id for item in shown]}, dash.now())
        return count, shown

    count, shown = await dash.read(read)
    return dash.render(request, "handoffs.html", count=count,
                       rows=handoff_rows(shown, request[LANGUAGE]))


async def addressed_page(request: web.Request, status: int = 200, error: str = "",
                         form: Optional[Dict[str, str]] = None) -> web.Response:
    dash, language = request.app[DASHBOARD], request[LANGUAGE]

    def read(connection: Connection) -> Tuple[list, dict]:
        markers = recent_markers(connection)
        return markers, followup_results(connection, markers)

    markers, results = await dash.read(read)
    marked = request.query.get("marked", "")
    return dash.render(request, "addressed.html", status=status, announcing=dash.followup is not None,
                       rows=marker_rows(markers, results, dash.followup is not None, language),
                       areas=_labels(dict(SERVICE_AREAS), language), max_note=MAX_NOTE_CHARS,
                       marked=marked if marked in SERVICE_AREAS else "", error=error, form=form or {})


async def mark(request: web.Request) -> web.Response:
    """Records a marker (CSRF already checked by the middleware) and, when configured, starts
    telling people who opted in; then redirects, so reloading the page does not record it
    twice. Bad notes re-show the form."""
    dash = request.app[DASHBOARD]
    form = await request.post()
    values = {name: str(form.get(name, "")) for name in ("category", "note_zh", "note_en")}
    if values["category"] not in SERVICE_AREAS:
        raise Refusal("bad_choice", value=values["category"][:40], field="service_area")
    if not valid_marker(**values):
        return await addressed_page(request, 400, error="notes_required", form=values)
    staff = request[SESSION].user
    marker = await dash.read(lambda c: mark_addressed(c, staff=staff, at=dash.now(), **values))
    if dash.followup is not None:  # in the background: the page reads the outcome back
        dash.heavy.submit(announce_to_people_who_opted_in, dash.store, marker, dash.followup)
    raise web.HTTPSeeOther(request.app.router["addressed"].url_for()
                           .with_query(marked=values["category"]))
