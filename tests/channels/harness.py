"""A channel's blueprint served by Sanic on loopback, and a scripted stand-in for the dialogue.

Rasa mounts every input channel's blueprint at ``/webhooks/<name>``; ``serve`` does the same in a
small app of its own, so the channels are tested over real HTTP without a trained model.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

Script = Callable[[UserMessage], List[Dict[str, Any]]]
PAYLOADS = Path(__file__).parent / "payloads"
LINE_SECRET = "test-channel-secret"


def payload(name: str) -> Dict[str, Any]:
    """A webhook body from payloads/ (examples from the platforms' documentation)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def line_signature(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Client:
    """Posts to a webhook; returns (status, parsed JSON body)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def post(
        self, url: str, body: Any, headers: Optional[Dict[str, str]] = None, **kwargs: Any
    ) -> Tuple[int, Any]:
        async with self.session.post(url, data=body, headers=headers or {}, **kwargs) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


def echo(message: UserMessage) -> List[Dict[str, Any]]:
    return [{"text": f"echo: {message.text}"}]


class FakeDialogue:
    """Records every UserMessage and answers with ``script(message)``, like Rasa's processor
    handing each bot message to the output channel, after ``delay`` seconds of "thinking"."""

    def __init__(self, script: Script = echo, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.received: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for bot_message in self.script(message):
            await message.output_channel.send_response(message.sender_id, dict(bot_message))


class Server:
    """A running Sanic app with one channel mounted; ``url`` is its webhook."""

    def __init__(self, app: Sanic, server: Any, url: str) -> None:
        self.app = app
        self._server = server
        self.url = url

    async def stop(self) -> None:
        await self._server.before_stop()
        await self._server.close()
        await self._server.after_stop()


async def serve(channel: InputChannel, on_new_message: Any, host: str = "127.0.0.1", port: int = 0) -> Server:
    Sanic.test_mode = True
    app = Sanic(f"coserve_test_{uuid.uuid4().hex[:12]}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    sock = socket.socket()
    sock.bind((host, port))
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)  # listening
    await server.startup()
    await server.before_start()
    await server.after_start()
    port = sock.getsockname()[1]
    return Server(app, server, f"http://{host}:{port}/webhooks/{channel.name()}/webhook")
