import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.input_guard import InputGuard


def classified(text: str) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": "greet", "confidence": 0.9}, add_to_output=True)
    message.set("entities", [{"entity": "district", "value": "daan"}], add_to_output=True)
    return message


@pytest.mark.parametrize("text", ["", "  ", "😀😀", "こんにちは", "مرحبا", "好" * 5000])
def test_unreadable_input_becomes_nlu_fallback(text: str) -> None:
    (message,) = InputGuard().process([classified(text)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("entities") == []


@pytest.mark.parametrize("text", ["你好", "hello", "我想apply育兒津貼"])
def test_readable_input_keeps_its_prediction(text: str) -> None:
    (message,) = InputGuard().process([classified(text)])
    assert message.get("intent")["name"] == "greet"
