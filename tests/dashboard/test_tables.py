"""Migration 0003 builds exactly the tables in bot/dashboard/tables.py, and removes them."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.dashboard import tables
from bot.insights.database import alembic_config, make_engine

OURS = {table.name for table in tables.metadata.sorted_tables}


def ours(name: Optional[str], kind: str, parents: Dict[str, Optional[str]]) -> bool:
    """Compare only the dashboard's tables; the insights tables have their own test."""
    if kind == "schema":
        return True
    return (name if kind == "table" else parents.get("table_name")) in OURS


def test_migration_matches_the_table_module(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_name": ours})
        assert compare_metadata(context, tables.metadata) == []
        assert OURS == {"staff_users", "addressed_categories"}
        command.downgrade(config, "0002")
    assert not OURS & set(inspect(engine).get_table_names())
    engine.dispose()
