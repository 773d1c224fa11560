"""Rasa's socket.io channel with two fixes the web widget needs.

Rasa 3.6's ``rasa.core.channels.socketio`` breaks with the python-socketio 5.x in
requirements.lock:

* ``AsyncServer.enter_room`` is a coroutine there, and Rasa calls it without ``await``, so
  with ``session_persistence: true`` the socket never joins its session's room and no
  ``bot_uttered`` reaches the browser at all.
* ``send_custom_json`` calls ``sio.emit(event, **json_message)``, so a custom payload such as
  ``{"cards": [...]}`` raises ``TypeError`` and is lost (RasaHQ/rasa#8445). Here it travels as
  ``{"custom": {...}}``, the same shape the REST channel uses.

Same credentials as the built-in channel; in credentials.yml use the key
``channels.socketio.SocketIOInput`` instead of ``socketio``.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint

logger = logging.getLogger(__name__)


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    """Sends custom payloads as ``{"custom": payload}`` instead of emit keyword arguments."""

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(rasa_socketio.SocketIOInput):
    """The built-in channel with an awaited room join and the fixed output channel."""

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        async def session_request(sid: str, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Dict) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                if not data.get("session_id"):
                    logger.warning("socket.io message without a session_id ignored")
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            message = UserMessage(
                data.get("message", ""),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await on_new_message(message)

        # replaces the built-in handlers registered by super().blueprint
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook
