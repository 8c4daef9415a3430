"""Real databases for tests: a SQLite file and a fresh PostgreSQL database, both migrated by the CLI."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from piccolo.table import Table

from backend.core.db import PICCOLO_APPS
from backend.settings import REPO_ROOT

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ("sqlite", "postgres")


def run_cli(database_url: str, *args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m backend.cli …` against a database, as the release process would."""
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    if data_dir is not None:
        env["HEARBY_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _admin_dsn(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


async def _postgres(statement: str) -> None:
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}. Start it (see README) and retry.")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def new_postgres_database() -> str:
    """Create an empty, uniquely named database and return its URL."""
    name = f"hearby_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    return _admin_dsn(name)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by new_postgres_database."""
    name = url.rpartition("/")[2]
    asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def new_sqlite_database(directory: Path) -> str:
    """A SQLAlchemy-style URL for a new SQLite file (absolute path: four slashes)."""
    return f"sqlite:///{directory / 'hearby.db'}"


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Each database-backed test runs once on SQLite and once on PostgreSQL, both migrated and seeded."""
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    url = new_sqlite_database(data_dir) if request.param == "sqlite" else new_postgres_database()
    try:
        run_cli(url, "migrate", data_dir=data_dir)
        yield url
    finally:
        if request.param == "postgres":
            drop_postgres_database(url)


def all_table_classes() -> list[type[Table]]:
    """Every Piccolo table of the project."""

    tables: list[type[Table]] = []
    for module in PICCOLO_APPS:
        tables.extend(importlib.import_module(module).APP_CONFIG.table_classes)
    return tables
