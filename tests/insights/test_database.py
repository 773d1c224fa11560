"""Opening databases: SQLite pragmas, paths from settings, and telling "down" from "bug"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.insights.database import PROJECT_ROOT, is_unavailable, make_engine
from bot.insights.store import InsightsStore
from bot.settings import Settings


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'insights.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_making_an_engine_connects_to_nothing() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/test")
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_unavailable_versus_bugs(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (a INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(IntegrityError) as duplicate, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert not is_unavailable(duplicate.value)
    assert is_unavailable(OperationalError("SELECT 1", {}, sqlite3.OperationalError("locked")))
    assert is_unavailable(sqlite3.OperationalError("unable to open database file"))
    assert not is_unavailable(ValueError("bug"))
    engine.dispose()


def test_from_settings_resolves_relative_paths(settings: Settings) -> None:
    relative = settings.copy(update={
        "insights": settings.insights.copy(update={"database_url": "sqlite:///var/coserve.db"}),
        "data_dir": Path("var"),
    })
    store = InsightsStore.from_settings(relative)
    assert store.db.url == f"sqlite:///{PROJECT_ROOT / 'var' / 'coserve.db'}"
    assert store.spool.path == PROJECT_ROOT / "var" / "spool" / "insights.jsonl"


def test_from_settings_keeps_absolute_paths(settings: Settings, tmp_path: Path) -> None:
    store = InsightsStore.from_settings(settings)
    assert store.db.url == f"sqlite:///{tmp_path / 'coserve.db'}"
    assert store.spool.path == tmp_path / "spool" / "insights.jsonl"
