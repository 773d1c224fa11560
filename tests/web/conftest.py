"""Fixtures for the widget tests: headless Chromium, the demo page server, the real Rasa stack.

* ``browser``: Debian's Chromium through Playwright (``scripts/install_browser.sh``); tests
  that need it skip, saying so, when /usr/bin/chromium is missing.
* ``demo_server``: ``bot.web.create_app`` on a free port, in a thread.
* ``rasa_stack``: the action server and ``rasa run`` (socket.io channel from credentials.yml,
  in-memory tracker store) as subprocesses; skips when the trained model or the search index
  is missing (``make train index``). ``COSERVE_TEST_CREDENTIALS`` points it at another
  credentials file, to try a channel before credentials.yml names it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from .support import CHROMIUM, CHROMIUM_ARGS, FAKE_SERVER, PROJECT, BackgroundApp, host_page

MODEL = PROJECT / "models" / "coserve.tar.gz"
INDEX = Path(os.environ.get("COSERVE_INDEX_DIR") or PROJECT / "var" / "index") / "manifest.json"
ID_QUESTION = "身分證不見了要怎麼補辦"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    check: Callable[[], bool], process: Optional[subprocess.Popen], what: str, seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            log = Path(getattr(process, "log_path", ""))
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:]) if log.is_file() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}; {log}:\n{tail}")
        if check():
            return
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready within {seconds} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


# ---------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped, so Playwright's sync loop never overlaps the async tests of other modules."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium: run scripts/install_browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(width, height)``: a page in a fresh context, failing the test on any JS error
    and on any dialog (``alert`` from injected HTML would be one)."""
    contexts: List[Any] = []
    problems: List[str] = []

    def make(width: int = 1280, height: int = 800, **options: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def on_dialog(dialog: Any) -> None:
            problems.append(f"dialog: {dialog.type} {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems


# ---------------------------------------------------------------- demo page server
class DemoServer(BackgroundApp):
    """bot.web's app in a background thread with its own event loop."""

    def __init__(self, rasa_url: str) -> None:
        from bot.web import create_app

        app = create_app(rasa_url=rasa_url)
        app.router.add_get("/host-page", self._host_page)
        super().__init__(app)

    async def _host_page(self, request: Any) -> Any:
        """A page with no CSP that embeds the widget, for ``host_page_url``."""
        from aiohttp import web

        query = request.query
        page = host_page(self.url + "/static/coserve-widget.js", server=FAKE_SERVER,
                         attrs=query.get("attrs", ""), lang=query.get("lang", "zh-Hant-TW"))
        return web.Response(text=page, content_type="text/html")

    def host_page_url(self, **query: str) -> str:
        """The no-CSP host page on another origin (localhost; the widget comes from 127.0.0.1)."""
        from urllib.parse import urlencode

        return f"http://localhost:{self.port}/host-page?{urlencode(query)}"



@pytest.fixture(scope="module")
def fake_demo() -> Iterator[DemoServer]:
    """The demo page pointed at the fake server (see support.FakeRasa)."""
    server = DemoServer(FAKE_SERVER)
    yield server
    server.stop()


# ---------------------------------------------------------------- the real Rasa stack
def _start(command: List[str], env: Dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log_path  # type: ignore[attr-defined]
    return process


def _socketio_delivers_cards(port: int, seconds: float = 60) -> List[Dict[str, Any]]:
    """Asks one question over raw socket.io, as the widget does; returns the bot messages."""
    import aiohttp

    async def ask() -> List[Dict[str, Any]]:
        received: List[Dict[str, Any]] = []
        session = uuid.uuid4().hex
        url = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            await ws.receive()  # Engine.IO open
            await ws.send_str("40")
            await ws.receive()  # Socket.IO connect
            await ws.send_str("42" + json.dumps(["session_request", {"session_id": session}]))
            message = {"message": ID_QUESTION, "session_id": session}
            await ws.send_str("42" + json.dumps(["user_uttered", message]))
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    frame = await asyncio.wait_for(ws.receive(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
                if frame.type != aiohttp.WSMsgType.TEXT:
                    break
                if frame.data == "2":
                    await ws.send_str("3")
                elif frame.data.startswith("42"):
                    name, *args = json.loads(frame.data[2:])
                    if name == "bot_uttered":
                        received.append(args[0])
                        if "cards" in json.dumps(args[0]):
                            break
        return received

    return asyncio.run(ask())


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The action server and ``rasa run`` with the socket.io channel; yields Rasa's base URL."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium: run scripts/install_browser.sh")
    if not MODEL.exists() or not INDEX.exists():
        pytest.skip("needs a trained model and a search index: run `make train index` (make test does)")
    data = tmp_path_factory.mktemp("web-e2e")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "COSERVE_PSEUDONYM_KEY": "web-e2e-test-key",
        "COSERVE_DATABASE_URL": f"sqlite:///{data / 'coserve.db'}",
        "COSERVE_DATA_DIR": str(data),
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    endpoints = data / "endpoints.yml"
    # No tracker_store section: Rasa keeps conversations in memory.
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n")
    credentials = os.environ.get("COSERVE_TEST_CREDENTIALS") or str(PROJECT / "credentials.yml")
    rasa = str(Path(sys.executable).with_name("rasa"))
    processes = [
        _start([sys.executable, "-m", "bot.action_server", "--port", str(actions_port)],
               env, data / "actions.log"),
    ]
    try:
        wait_until(lambda: port_open(actions_port), processes[0], "action server", 120)
        processes.append(_start(
            [rasa, "run", "--model", str(MODEL), "--port", str(rasa_port), "--cors", "*",
             "--credentials", credentials, "--endpoints", str(endpoints)],
            env, data / "rasa.log",
        ))
        wait_until(lambda: http_ok(f"http://127.0.0.1:{rasa_port}/"), processes[1], "rasa run", 300)
        messages = _socketio_delivers_cards(rasa_port)
        if not any("cards" in json.dumps(m) for m in messages):
            pytest.fail(
                f"Rasa's socket.io channel ({credentials}) delivered {len(messages)} bot messages and no "
                "cards for a question that has answers. The built-in `socketio` channel of Rasa 3.6 "
                "never joins the session room with python-socketio 5.x (enter_room is not awaited) "
                "and drops custom payloads (RasaHQ/rasa#8445): configure channels.socketio.SocketIOInput "
                f"(docs/widget.md, 'Server side'). Logs: {data}"
            )
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def demo(rasa_stack: str) -> Iterator[DemoServer]:
    """The demo page (``make run``'s page) pointed at the test Rasa server."""
    server = DemoServer(rasa_stack)
    yield server
    server.stop()
