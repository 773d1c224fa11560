"""Serves the chat widget (``web/coserve-widget.js`` and its stylesheet) and the demo page.

The widget is meant to be embedded in other sites with one ``<script>`` tag, so its assets go
out with explicit content types, gzip when the browser accepts it, an ``ETag`` for cheap
revalidation and a short ``max-age`` (the URL is pasted into other pages, so it is not
versioned). The demo page at ``/`` embeds the widget under a strict Content-Security-Policy,
which shows the widget needs no inline script, no inline style and no ``eval``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

from aiohttp import web

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
STATIC_MAX_AGE = 600  # seconds; ETags make the revalidation after that a cheap 304
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = {".js", ".css", ".html", ".json", ".svg", ".txt"}
_SERVER_ATTR = re.compile(r'(<script\b[^>]*\bsrc="[^"]*coserve-widget\.js"[^>]*\bdata-server=")([^"]*)(")')


@dataclass(frozen=True)
class Asset:
    """A file's bytes, gzipped bytes and validators, cached until the file changes."""

    body: bytes
    gzipped: Optional[bytes]
    etag: str
    content_type: str


class AssetCache:
    """Reads each file once per modification, so edits show up without a restart."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: Dict[Path, Tuple[Tuple[int, int], Asset]] = {}

    def get(self, relative: str) -> Optional[Asset]:
        path = (self.root / relative).resolve()
        if self.root not in path.parents or not path.is_file() or path.name.startswith("."):
            return None
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached and cached[0] == key:
            return cached[1]
        asset = _load(path)
        self._cache[path] = (key, asset)
        return asset


def _load(path: Path) -> Asset:
    body = path.read_bytes()
    suffix = path.suffix.lower()
    content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    content_type = content_type or "application/octet-stream"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if suffix in COMPRESSIBLE else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, gzipped, etag, content_type)


def _accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def asset_response(request: web.Request, asset: Asset, cache_control: str) -> web.Response:
    """200 (gzipped when accepted) or 304 when the browser already has this version."""
    use_gzip = asset.gzipped is not None and _accepts_gzip(request)
    etag = asset.etag[:-1] + ('-gz"' if use_gzip else '"')
    headers = {
        "Cache-Control": cache_control,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",  # embeddable anywhere, also with crossorigin/SRI
    }
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = asset.content_type
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=asset.gzipped if use_gzip else asset.body, headers=headers)


def demo_page(template: str, rasa_url: Optional[str]) -> Tuple[str, str]:
    """The demo page with the widget pointed at ``rasa_url``, and its Content-Security-Policy."""
    if rasa_url:
        value = html.escape(rasa_url, quote=True)
        template = _SERVER_ATTR.sub(lambda m: m.group(1) + value + m.group(3), template)
    match = _SERVER_ATTR.search(template)
    server = html.unescape(match.group(2)) if match else "http://localhost:5005"
    parts = urlsplit(server)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    connect = f"{parts.scheme}://{parts.netloc} {ws_scheme}://{parts.netloc}"
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return template, csp


def create_app(root: Path = WEB_ROOT, rasa_url: Optional[str] = None) -> web.Application:
    """The demo page at ``/`` and the files of ``root`` under ``/static/``.

    ``rasa_url`` replaces the demo page's ``data-server`` (the Rasa server the widget talks to).
    """
    app = web.Application()
    assets = AssetCache(root)

    async def index(request: web.Request) -> web.Response:
        page, csp = demo_page((root / "index.html").read_text(encoding="utf-8"), rasa_url)
        response = web.Response(text=page, content_type="text/html", charset="utf-8")
        response.headers.update({
            "Cache-Control": "no-cache",
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        })
        return response

    async def static(request: web.Request) -> web.Response:
        asset = assets.get(request.match_info["path"])
        if asset is None:
            raise web.HTTPNotFound()
        return asset_response(request, asset, f"public, max-age={STATIC_MAX_AGE}")

    app.router.add_get("/", index)
    app.router.add_get("/static/{path:.+}", static)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="CoServe demo page and chat widget assets")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rasa-url", default=None, help="Rasa server the demo widget talks to")
    args = parser.parse_args()
    print(f"Demo chat page: http://{args.host}:{args.port}/")
    web.run_app(create_app(rasa_url=args.rasa_url), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
