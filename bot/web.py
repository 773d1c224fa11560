"""Serves the demo chat page (``web/``) on localhost for ``make run``.

The page talks to the Rasa server's REST channel; this server only hands out static files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aiohttp import web

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"


def create_app(root: Path = WEB_ROOT) -> web.Application:
    app = web.Application()

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(root / "index.html")

    app.router.add_get("/", index)
    app.router.add_static("/static/", root, show_index=False)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="CoServe demo page")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    print(f"Demo chat page: http://{args.host}:{args.port}/")
    web.run_app(create_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
