"""bot/linking.py: reading a code out of a message, and resolving screens cheaply and safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.insights.database import StoreUnavailable
from bot.insights.store import InsightsStore
from bot.linking import LinkingService, find_link_code
from bot.privacy.pseudonym import pseudonymous_id

KEY = "linking-test-key-not-secret"
WEB, TELEGRAM = pseudonymous_id(KEY, "socketio", "s1"), pseudonymous_id(KEY, "telegram", "42")


@pytest.mark.parametrize("text, entities, expected", [
    ("連結 483920", [], ("483920", True)),
    ("連結483920", [], ("483920", True)),
    ("link 483 920", [], ("483920", True)),
    ("link 483-920", [], ("483920", True)),
    ("連結 ４８３９２０", [], ("483920", True)),
    ('/link_account{"link_code": "483920"}', ["483920"], ("483920", True)),
    ("連結碼", ["483 920"], ("483920", True)),
    ("我想把LINE跟網頁連在一起", [], (None, False)),
    ("link my 2 accounts", [], (None, False)),
    ("連結 48392", [], (None, True)),
    ("連結 4839201", [], (None, True)),
    ('/link_account{"link_code": "12"}', ["12"], (None, True)),
])
def test_a_code_is_found_however_it_is_typed(text, entities, expected) -> None:  # type: ignore[no-untyped-def]
    assert find_link_code(text, entities) == expected


@pytest.fixture
def linking(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = InsightsStore(f"sqlite:///{tmp_path / 'coserve.db'}", spool_path=tmp_path / "spool.jsonl")
    store.open().migrate()
    yield LinkingService(store, KEY)
    store.close()


def test_resolving_is_cached_and_every_change_empties_the_cache(linking, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert linking.resolve(TELEGRAM) == TELEGRAM
    calls = []
    real = linking.links.resolve
    monkeypatch.setattr(linking.links, "resolve", lambda identity: calls.append(identity) or real(identity))
    assert linking.resolve(TELEGRAM) == TELEGRAM and calls == [], "cached"
    assert linking.redeem(TELEGRAM, "telegram", linking.issue(WEB, "socketio").code).linked
    assert linking.resolve(TELEGRAM) == WEB and calls == [TELEGRAM]
    assert linking.unlink(TELEGRAM)
    assert linking.resolve(TELEGRAM) == TELEGRAM


def test_a_database_that_is_down_means_the_screens_own_pseudonym(linking, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def down(identity: str) -> str:
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(linking.links, "resolve", down)
    assert linking.resolve(TELEGRAM) == TELEGRAM
    assert linking.resolve(TELEGRAM) == TELEGRAM
    assert len([r for r in caplog.records if "unreadable" in r.getMessage()]) == 1, "logged once"
