"""The migrations build the same schema on SQLite and on PostgreSQL: same tables, same columns per table."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg

from backend.settings import sqlite_path
from tests.support.databases import drop_postgres_database, new_postgres_database, new_sqlite_database, run_cli

Schema = dict[str, set[str]]


def sqlite_schema(url: str) -> Schema:
    """Tables (without SQLite's own) and their column names."""
    with sqlite3.connect(sqlite_path(url)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')} for table in tables}


async def _postgres_schema(url: str) -> Schema:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            """
        )
    finally:
        await connection.close()
    schema: Schema = {}
    for row in rows:
        schema.setdefault(row["table_name"], set()).add(row["column_name"])
    return schema


def test_sqlite_and_postgres_migrate_to_the_same_tables_and_columns(tmp_path: Path) -> None:
    sqlite_url = new_sqlite_database(tmp_path)
    postgres_url = new_postgres_database()
    try:
        run_cli(sqlite_url, "migrate", data_dir=tmp_path)
        run_cli(postgres_url, "migrate", data_dir=tmp_path)
        on_sqlite = sqlite_schema(sqlite_url)
        on_postgres = asyncio.run(_postgres_schema(postgres_url))
    finally:
        drop_postgres_database(postgres_url)

    assert "migration" in on_sqlite, "Piccolo's migration table is missing: did the migrations run?"
    only_sqlite = sorted(set(on_sqlite) - set(on_postgres))
    only_postgres = sorted(set(on_postgres) - set(on_sqlite))
    assert not only_sqlite, f"tables only on SQLite: {only_sqlite}"
    assert not only_postgres, f"tables only on PostgreSQL: {only_postgres}"
    differences = {
        table: {
            "only on SQLite": sorted(on_sqlite[table] - on_postgres[table]),
            "only on PostgreSQL": sorted(on_postgres[table] - on_sqlite[table]),
        }
        for table in on_sqlite
        if on_sqlite[table] != on_postgres[table]
    }
    assert not differences, f"columns differ between the engines: {differences}"


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    url = new_sqlite_database(tmp_path)
    run_cli(url, "migrate", data_dir=tmp_path)
    first = sqlite_schema(url)
    run_cli(url, "migrate", data_dir=tmp_path)
    assert sqlite_schema(url) == first, "a second migrate changed the schema"
