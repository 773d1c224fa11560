"""The channels load the way `rasa run --credentials` loads them: by module path from a
credentials file with ${ENV} secrets, mounted at /webhooks/<name>/webhook."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.channels.channel import register
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from channels.line import LineInput
from channels.telegram import TelegramInput

CREDENTIALS = """
rest:
channels.line.LineInput:
  channel_secret: ${LINE_CHANNEL_SECRET}
  channel_access_token: ${LINE_CHANNEL_ACCESS_TOKEN}
channels.telegram.TelegramInput:
  token: ${TELEGRAM_TOKEN}
  secret_token: ${TELEGRAM_SECRET_TOKEN}
"""


def test_credentials_file_creates_and_mounts_both_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "LINE_CHANNEL_SECRET": "line-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": "line-token",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_SECRET_TOKEN": "tg-secret",
    }.items():
        monkeypatch.setenv(name, value)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    channels = create_http_input_channels(None, str(credentials))
    assert [type(c) for c in channels][1:] == [LineInput, TelegramInput]
    Sanic.test_mode = True
    app = Sanic("rasa_wiring_test")
    register(channels, app, route="/webhooks/")
    paths = {route.path for route in app.router.routes}
    assert {"webhooks/line/webhook", "webhooks/telegram/webhook"} <= paths


@pytest.mark.parametrize(
    "channel, incomplete",
    [(LineInput, {"channel_secret": "s"}), (TelegramInput, {"token": "1:a"}), (LineInput, None)],
)
def test_missing_credentials_are_named(channel: type, incomplete: dict) -> None:
    from rasa.shared.exceptions import RasaException

    with pytest.raises(RasaException, match="credentials"):
        channel.from_credentials(incomplete)


def test_rasa_picks_the_channels_output_for_output_channel_latest() -> None:
    """What Rasa's HTTP API does for ``trigger_intent?output_channel=latest``: it asks the
    input channel the conversation last used for its output channel."""
    from types import SimpleNamespace

    from rasa.server import _get_output_channel

    from channels.line import LineOutput
    from channels.telegram import TelegramOutput

    line = LineInput("secret", "token")
    telegram = TelegramInput("123:abc", "tg-secret")
    request = SimpleNamespace(args={"output_channel": "latest"},
                              app=SimpleNamespace(ctx=SimpleNamespace(input_channels=[line, telegram])))
    for channel, output in (("line", LineOutput), ("telegram", TelegramOutput)):
        tracker = SimpleNamespace(get_latest_input_channel=lambda channel=channel: channel)
        assert isinstance(_get_output_channel(request, tracker), output)  # type: ignore[arg-type]
