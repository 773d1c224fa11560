"""Alembic: the migrations build exactly the schema in bot/insights/schema.py, on both backends."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.insights import schema
from bot.insights.database import ALEMBIC_INI, PROJECT_ROOT, alembic_config, make_engine
from bot.insights.store import InsightsStore

TABLES = {
    "persons", "consents", "needs", "preferences", "feedback", "search_events",
    "satisfaction_ratings", "handoffs", "audit_log", "identity_links", "link_codes", "link_attempts",
}
# Tables other modules own in the same database (their own tests compare them):
# the dashboard's staff and markers (bot/dashboard/tables.py), the consumer's message ids,
# the snapshot of frozen weeks (bot/insights/snapshot.py, tests/insights/test_frozen.py).
OTHER_TABLES = {"staff_users", "addressed_categories", "processed_messages", "frozen_weeks",
                "frozen_cells"}


def insights_only(name, kind, parents) -> bool:  # type: ignore[no-untyped-def]
    """Compare only bot.insights.schema's tables."""
    if kind == "schema":
        return True
    return (name if kind == "table" else parents.get("table_name")) in TABLES


def test_migrate_creates_every_table(fresh_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = InsightsStore(fresh_url, spool_path=tmp_path / "spool.jsonl")
    assert set(inspect(store.engine).get_table_names()) == set()
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) == TABLES | OTHER_TABLES | {"alembic_version"}
    assert {table.name for table in schema.metadata.sorted_tables} == TABLES
    store.migrate()  # a second run is a no-op
    store.close()


def test_migrations_match_the_schema_module(fresh_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = InsightsStore(fresh_url, spool_path=tmp_path / "spool.jsonl")
    store.migrate()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": insights_only})
        assert compare_metadata(context, schema.metadata) == []
    store.close()


def test_downgrade_to_base_removes_every_table(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_alembic_ini_has_no_database_url() -> None:
    assert not re.search(r"^\s*sqlalchemy\.url\s*=", ALEMBIC_INI.read_text("utf-8"), re.M)
    assert alembic_config().get_main_option("sqlalchemy.url") is None


def test_command_line_upgrade_takes_the_url_as_an_argument(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run([str(alembic), "-x", f"url={url}", "upgrade", "head"],
                   cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=120)
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == TABLES | OTHER_TABLES | {"alembic_version"}
    engine.dispose()
