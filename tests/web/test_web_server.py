"""bot/web.py: content types, gzip, caching headers, the demo page and its CSP."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from bot.web import STATIC_MAX_AGE, create_app

from .support import WEB, WIDGET_JS


async def test_widget_script_is_javascript_gzipped_and_cacheable(aiohttp_client) -> None:
    client = await aiohttp_client(create_app())
    response = await client.get(
        "/static/coserve-widget.js", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == f"public, max-age={STATIC_MAX_AGE}"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert gzip.decompress(await response.read()) == WIDGET_JS.read_bytes()


async def test_plain_bytes_when_gzip_is_not_accepted(aiohttp_client) -> None:
    client = await aiohttp_client(create_app())
    response = await client.get("/static/coserve-widget.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert await response.read() == WIDGET_JS.read_bytes()


async def test_etag_revalidation_answers_304(aiohttp_client) -> None:
    client = await aiohttp_client(create_app())
    first = await client.get("/static/coserve-widget.css", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Type"] == "text/css; charset=utf-8"
    again = await client.get(
        "/static/coserve-widget.css",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status == 304 and await again.read() == b""
    plain = await client.get(
        "/static/coserve-widget.css",
        headers={"Accept-Encoding": "identity", "If-None-Match": first.headers["ETag"]},
    )
    assert plain.status == 200  # the gzipped variant's tag does not match the plain bytes


async def test_an_edited_file_is_served_fresh(aiohttp_client, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>demo</p>")
    asset = tmp_path / "app.js"
    asset.write_text("one();")
    client = await aiohttp_client(create_app(root=tmp_path))
    first = await client.get("/static/app.js")
    asset.write_text("two(); three();")
    os.utime(asset, ns=(asset.stat().st_mtime_ns + 10**9,) * 2)
    second = await client.get("/static/app.js")
    assert await second.text() == "two(); three();"
    assert first.headers["ETag"] != second.headers["ETag"]


async def test_nothing_outside_web_or_hidden_is_served(aiohttp_client) -> None:
    client = await aiohttp_client(create_app())
    for path in ("/static/../bot/web.py", "/static/%2e%2e/bot/web.py", "/static/nope.js", "/static/"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_demo_page_embeds_the_widget_with_one_tag_under_a_strict_csp(aiohttp_client) -> None:
    client = await aiohttp_client(create_app(rasa_url="http://127.0.0.1:5999"))
    response = await client.get("/")
    page = await response.text()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert '<script src="/static/coserve-widget.js" data-server="http://127.0.0.1:5999"></script>' in page
    assert page.count("<script") == 1  # the widget tag is the only script
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "connect-src http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp


async def test_the_rasa_url_is_escaped_into_the_page(aiohttp_client) -> None:
    client = await aiohttp_client(create_app(rasa_url='http://x"><script>alert(1)</script>'))
    page = await (await client.get("/")).text()
    assert "<script>alert(1)" not in page
    assert 'data-server="http://x&quot;&gt;&lt;script&gt;' in page


def test_the_committed_demo_page_points_at_the_default_rasa_port() -> None:
    assert 'data-server="http://localhost:5005"' in (WEB / "index.html").read_text(encoding="utf-8")
