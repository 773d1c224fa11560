"""End-to-end fixtures: the trained model in-process, the real action server as a subprocess.

Needs `make train` and `make index` first (``make test`` runs them); skips, saying so, when
either is missing so that a bare ``pytest`` run still works on a fresh checkout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import yaml

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


@contextlib.contextmanager
def serve_actions(data: Path, **extra_env: str) -> Iterator[str]:
    """The action server as a subprocess keeping its data in ``data``; yields its webhook URL.
    ``extra_env`` adds to its environment, e.g. ``COSERVE_CONFIG`` for other settings."""
    if not MODEL.exists() or not INDEX.exists():
        pytest.skip("needs a trained model and a search index: run `make train index` (make test does)")
    port = free_port()
    env = {
        **os.environ,
        "COSERVE_PSEUDONYM_KEY": "e2e-test-key",
        "COSERVE_DATABASE_URL": f"sqlite:///{data / 'coserve.db'}",
        "COSERVE_DATA_DIR": str(data),
        # "delete my data" on a linked screen erases the other screens' conversations here
        "COSERVE_LINKING_TRACKER_STORE": f"sqlite:///{data / 'trackers.db'}",
    }
    env.update(extra_env)
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
def action_server(e2e_data: Path) -> Iterator[str]:
    with serve_actions(e2e_data) as url:
        yield url


def load_agent(action_server: str, tracker_store: Any = None, needs_intent: str = "") -> Any:
    """The trained model, in this process, calling the action server at ``action_server``, with
    ``tracker_store`` when given; skips the test when the model predates ``needs_intent``."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(MODEL), action_endpoint=EndpointConfig(url=action_server), tracker_store=tracker_store)
    if needs_intent and needs_intent not in agent.domain.intents:
        pytest.skip(f"the model predates the intent {needs_intent}: run `make train`")
    return agent


@pytest.fixture(scope="session")
def agent(action_server: str):
    return load_agent(action_server)


@pytest.fixture(scope="session")
def agent_with_store(action_server: str) -> Callable[..., Any]:
    """Agents on the shared action server with their own tracker store (see load_agent)."""
    return lambda tracker_store, needs_intent="": load_agent(action_server, tracker_store, needs_intent)


@pytest.fixture(scope="session")
def agent_with_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """``agent_with_settings(handoff={...})``: the trained model with an action server of its
    own, whose coserve.yml sections are updated with the given values (e.g. office hours).
    Each distinct setting starts one server, kept to the end of the session."""
    agents: Dict[str, Any] = {}
    with contextlib.ExitStack() as servers:

        def make(**sections: Dict[str, Any]) -> Any:
            key = json.dumps(sections, sort_keys=True, default=str)
            if key not in agents:
                data = tmp_path_factory.mktemp("e2e-settings")
                settings = yaml.safe_load((PROJECT / "coserve.yml").read_text(encoding="utf-8"))
                for name, values in sections.items():
                    settings[name] = {**settings.get(name, {}), **values}
                config = data / "coserve.yml"
                config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
                agents[key] = load_agent(servers.enter_context(serve_actions(data, COSERVE_CONFIG=str(config))))
            return agents[key]

        yield make


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


@pytest.fixture
def conversation_with_settings(agent_with_settings: Callable[..., Any],
                               request: pytest.FixtureRequest) -> Callable[..., Conversation]:
    """``conversation_with_settings(handoff={...})``: a new person talking to an assistant
    whose action server has those settings (see ``agent_with_settings``)."""

    def start(**sections: Dict[str, Any]) -> Conversation:
        return Conversation(agent_with_settings(**sections), f"e2e-{request.node.name}-{time.monotonic_ns()}")

    return start
