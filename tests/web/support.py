"""Helpers for the widget tests: a fake Rasa socket.io server, colour contrast, waiting.

``FakeRasa`` answers the widget over Playwright's WebSocket routing, speaking the same
Engine.IO v4 / Socket.IO v5 frames as python-socketio, so the widget's own protocol code runs
and a test decides exactly what the "server" says (HTML, javascript: URLs, …).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

PROJECT = Path(__file__).resolve().parents[2]
WEB = PROJECT / "web"
WIDGET_JS = WEB / "coserve-widget.js"
WIDGET_CSS = WEB / "coserve-widget.css"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections get refused here.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FAKE_SERVER = "http://rasa.test:5005"
SOCKET_URL = re.compile(r".*/socket\.io/.*")
OPEN_FRAME = '0{"sid":"fake-eio","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'

Reply = Callable[[str], List[Dict[str, Any]]]


class FakeRasa:
    """One fake socket.io server per page; ``reply(text)`` gives the bot_uttered payloads."""

    def __init__(self, reply: Optional[Reply] = None) -> None:
        self.reply: Reply = reply or (lambda text: [{"text": f"echo: {text}"}])
        self.frames: List[str] = []  # every frame the widget sent, in order
        self.events: List[Tuple[str, Any]] = []  # the socket.io events among them
        self.connections: List[Any] = []

    def attach(self, page: Any) -> FakeRasa:
        page.route_web_socket(SOCKET_URL, self._connect)
        return self

    def _connect(self, ws: Any) -> None:
        self.connections.append(ws)
        ws.on_message(lambda message: self._on_frame(ws, message))
        ws.send(OPEN_FRAME)

    def _on_frame(self, ws: Any, frame: Any) -> None:
        if not isinstance(frame, str):
            return
        self.frames.append(frame)
        if frame == "40":
            ws.send('40{"sid":"fake-sio"}')
        elif frame.startswith("42"):
            name, *args = json.loads(frame[2:])
            data = args[0] if args else None
            self.events.append((name, data))
            if name == "session_request":
                ws.send("42" + json.dumps(["session_confirm", (data or {}).get("session_id") or "srv-made"]))
            elif name == "user_uttered":
                for payload in self.reply(data["message"]):
                    self.say(payload, ws)

    def say(self, payload: Dict[str, Any], ws: Any = None) -> None:
        """Sends one bot_uttered to the latest connection (or ``ws``)."""
        (ws or self.connections[-1]).send("42" + json.dumps(["bot_uttered", payload]))

    def named(self, name: str) -> List[Any]:
        return [data for event, data in self.events if event == name]


def host_page(widget_src: str, server: str = FAKE_SERVER, attrs: str = "", lang: str = "zh-Hant-TW") -> str:
    """A bare page with no CSP, so only the widget's own escaping stands between HTML and the DOM."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>host</title></head>'
        '<body><h1>Host page</h1><a href="#top">a link before the widget</a>'
        f'<script src="{widget_src}" data-server="{server}" {attrs}></script></body></html>'
    )


# ---------------------------------------------------------------- WCAG contrast
def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: Tuple[float, float, float]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Tuple[float, float, float], b: Tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio between two sRGB colours, 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(value: str) -> Tuple[int, int, int]:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def css_palette(css: str) -> Dict[str, str]:
    """The ``--cw-*`` colour custom properties declared in the widget's ``:host`` rule."""
    host = css[css.index(":host {"):]
    host = host[: host.index("}")]
    return dict(re.findall(r"--cw-([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", host))


class BackgroundApp:
    """An aiohttp app served on a free loopback port from a thread with its own event loop,
    so synchronous Playwright tests can drive it."""

    def __init__(self, app: Any) -> None:
        import asyncio
        import socket
        import threading

        from aiohttp import web

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not started.wait(10):
            raise TimeoutError(f"{type(self).__name__} did not start")

    def stop(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
