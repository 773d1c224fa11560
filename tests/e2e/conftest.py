"""End-to-end fixtures: the trained model in-process, the real action server as a subprocess.

Needs `make train` and `make index` first (``make test`` runs them); skips, saying so, when
either is missing so that a bare ``pytest`` run still works on a fresh checkout.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# COSERVE_E2E_MODEL tries another model (e.g. `rasa train --out /tmp/m`) without replacing this one
MODEL = Path(os.environ.get("COSERVE_E2E_MODEL") or PROJECT / "models" / "coserve.tar.gz")
INDEX = PROJECT / "var" / "index" / "manifest.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"action server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"action server did not listen on {port} within {seconds} s")


@pytest.fixture(scope="session")
def model_path() -> Path:
    return MODEL


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action server's data directory (insights database ``coserve.db`` and its spool)."""
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def action_server(e2e_data: Path) -> Iterator[str]:
    if not MODEL.exists() or not INDEX.exists():
        pytest.skip("needs a trained model and a search index: run `make train index` (make test does)")
    port = free_port()
    data = e2e_data
    env = {
        **os.environ,
        "COSERVE_PSEUDONYM_KEY": "e2e-test-key",
        "COSERVE_DATABASE_URL": f"sqlite:///{data / 'coserve.db'}",
        "COSERVE_DATA_DIR": str(data),
        # "delete my data" on a linked screen erases the other screens' conversations here
        "COSERVE_LINKING_TRACKER_STORE": f"sqlite:///{data / 'trackers.db'}",
    }
    log = open(data / "actions.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.action_server", "--port", str(port)],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def agent(action_server: str):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(MODEL), action_endpoint=EndpointConfig(url=action_server))


class Conversation:
    """One person talking to the assistant; ``say`` returns the bot's messages."""

    def __init__(self, agent: Any, sender: str) -> None:
        self.agent, self.sender = agent, sender

    def say(self, text: str) -> List[Dict[str, Any]]:
        return asyncio.run(self.agent.handle_text(text, sender_id=self.sender)) or []

    def texts(self, text: str) -> List[str]:
        return [m.get("text", "") for m in self.say(text)]

    def slot(self, name: str) -> Any:
        tracker = asyncio.run(self.agent.tracker_store.get_or_create_tracker(self.sender))
        return tracker.get_slot(name)


@pytest.fixture
def conversation(agent: Any, request: pytest.FixtureRequest) -> Conversation:
    return Conversation(agent, f"e2e-{request.node.name}-{time.monotonic_ns()}")
