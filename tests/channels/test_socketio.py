"""channels/socketio.py: the room join is awaited and custom payloads arrive as {"custom": ...}."""

from __future__ import annotations

from typing import Any, List
from unittest.mock import AsyncMock

from channels.socketio import SocketIOInput, SocketIOOutput


def channel() -> SocketIOInput:
    return SocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )


async def test_session_request_joins_the_session_room_and_confirms() -> None:
    received: List[Any] = []
    input_channel = channel()

    async def on_new_message(message: Any) -> None:
        received.append(message)

    input_channel.blueprint(on_new_message)
    sio = input_channel.sio
    sio.enter_room = AsyncMock()
    sio.emit = AsyncMock()
    await sio.handlers["/"]["session_request"]("sid-1", {"session_id": "abc"})
    sio.enter_room.assert_awaited_once_with("sid-1", "abc", namespace=None)
    sio.emit.assert_awaited_once_with("session_confirm", "abc", room="sid-1", namespace=None)

    await sio.handlers["/"]["user_uttered"]("sid-1", {"message": "你好", "session_id": "abc"})
    assert [(m.text, m.sender_id, m.input_channel) for m in received] == [("你好", "abc", "socketio")]
    assert isinstance(received[0].output_channel, SocketIOOutput)


async def test_a_message_without_a_session_id_is_ignored() -> None:
    received: List[Any] = []
    input_channel = channel()

    async def on_new_message(message: Any) -> None:
        received.append(message)

    input_channel.blueprint(on_new_message)
    await input_channel.sio.handlers["/"]["user_uttered"]("sid-1", {"message": "hi"})
    assert received == []


async def test_custom_payloads_travel_whole_under_custom() -> None:
    sio = AsyncMock()
    output = SocketIOOutput(sio, "bot_uttered")
    cards = {"cards": [{"entry_id": "x", "title": "國民身分證補領與換領"}]}
    await output.send_custom_json("abc", cards)
    sio.emit.assert_awaited_once_with("bot_uttered", {"custom": cards}, room="abc")
