"""`rasa run` as `make run` starts it answers a greeting in Chinese and in English over REST."""

import json
import urllib.request

import pytest

from bot.i18n import t

pytestmark = pytest.mark.e2e


def post(base: str, sender: str, text: str) -> list:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(
        f"{base}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.mark.parametrize(
    "text, greeting_start, language",
    [
        ("你好", "您好！我是臺北市民服務小幫手", "zh-TW"),
        ("hello", "Hello! I'm the Taipei public-service assistant", "en"),
    ],
)
def test_rest_channel_greets_in_the_persons_language(rasa_stack: str, text, greeting_start, language) -> None:
    replies = [m.get("text", "") for m in post(rasa_stack, f"rest-{language}", text)]
    assert replies[0].startswith(greeting_start)
    assert replies[1] == t("ask_consent", language)
