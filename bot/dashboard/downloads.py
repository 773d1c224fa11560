"""Downloads: the colleague-built insights export of the filtered period, as one ZIP.

Each format is what ``coserve insights export`` writes (tables, bilingual data dictionary,
metadata.json) so a file from the dashboard and one from the command line are the same
thing. A period without publishable data still gives a valid file with empty tables. The
audit row is written in the transaction that read the data.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import Connection

from bot.dashboard import audit
from bot.dashboard.auth import SESSION
from bot.dashboard.errors import Refusal
from bot.dashboard.filters import filtered_report, parse_filters
from bot.dashboard.state import DASHBOARD, LANGUAGE
from bot.insights.export import FORMATS, write_export
from bot.insights.report import Report


def zipped_export(report: Report, fmt: str) -> bytes:
    """``write_export`` into a temporary directory, zipped in memory."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="coserve-dashboard-") as directory:
        files = write_export(report, fmt, Path(directory))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(files):
                archive.write(path, path.name)
    return buffer.getvalue()


async def export(request: web.Request) -> web.Response:
    dash, language = request.app[DASHBOARD], request[LANGUAGE]
    fmt = request.match_info["format"]
    if fmt not in FORMATS:
        raise Refusal("bad_format", value=fmt[:20])
    filters = parse_filters(request.query, dash.today())
    period = filters.period(dash.today())
    staff = request[SESSION].user

    def build(connection: Connection) -> bytes:
        report = filtered_report(connection, filters, period, dash.k, dash.encoder, language,
                                 dash.freezing(staff))
        body = zipped_export(report, fmt)
        audit.record(connection, staff, audit.EXPORT,
                     {"format": fmt, "from": str(period.start), "to": str(period.end), "k": dash.k,
                      "filters": filters.query(), "clusters": len(report.gaps)}, dash.now())
        return body

    body = await dash.read(build, heavy=True)
    name = f"coserve-insights-{period.start}-{period.end}-{fmt}.zip"
    return web.Response(body=body, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
