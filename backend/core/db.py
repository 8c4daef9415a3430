"""The database engine: built from settings, bound to every Piccolo table, opened and closed with the app."""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import sqlite3
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asyncpg.pool import Pool
from piccolo.columns import JSON, JSONB, Column
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from backend.settings import sqlite_path

# Every Piccolo app of the project, in dependency order (piccolo_conf lists the same).
PICCOLO_APPS = [
    "backend.site.piccolo_app",
    "backend.core.piccolo_app",
    "backend.areas.piccolo_app",
    "backend.accounts.piccolo_app",
    "backend.notifications.piccolo_app",
    "backend.events.piccolo_app",
    "backend.bookings.piccolo_app",
    "backend.engagement.piccolo_app",
    "backend.reports.piccolo_app",
    "backend.exchanges.piccolo_app",
]


def make_engine(database_url: str) -> Engine[Any]:
    """An engine for a `sqlite:///…` or `postgresql://…` URL. Building it touches nothing: `open_engine`
    (or `prepare_database`, before migrations) creates the SQLite file's folder and sets its journal mode."""
    if database_url.startswith("sqlite:"):
        # A generous busy timeout: IMMEDIATE transactions queue rather than fail with "database is locked".
        return SQLiteEngine(path=sqlite_path(database_url), timeout=30)
    dsn = database_url.replace("postgres://", "postgresql://", 1)
    return LoopPoolPostgresEngine(config={"dsn": dsn}, extensions=())


class LoopPoolPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with its pool kept per event loop.

    asyncpg connections belong to the loop that opened them. A server has one loop, so this changes nothing
    there; the test client serves requests on a loop of its own beside the test's, and each gets its pool.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pool] = weakref.WeakKeyDictionary()
        super().__init__(*args, **kwargs)

    @property
    def pool(self) -> Pool | None:
        """The running loop's pool (None outside a loop, or before one is opened on it)."""
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            return None

    @pool.setter
    def pool(self, value: Pool | None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # Piccolo's constructor clears the pool before any loop runs
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value


def database_identity(engine: Engine[Any]) -> str:
    """Which database an engine reads (its file or DSN): what data cached per database is keyed by."""
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:{engine.path}"
    config: dict[str, Any] = getattr(engine, "config", {})
    return f"postgres:{config.get('dsn', '')}"


def prepare_database(database_url: str) -> None:
    """Make a SQLite database ready to open: its folder exists, and it is in WAL mode (readers carry on while
    one writer commits; the mode is stored in the file itself). Nothing to do for PostgreSQL."""
    if database_url.startswith("sqlite:"):
        _prepare_sqlite(sqlite_path(database_url))


def _prepare_sqlite(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table of every app at this engine (tests switch between SQLite and PostgreSQL)."""
    for app_module in PICCOLO_APPS:
        app_config = importlib.import_module(app_module).APP_CONFIG
        for table in app_config.table_classes:
            table._meta._db = engine


def write_transaction(engine: Engine[Any]) -> Any:
    """A write transaction; on SQLite it takes the write lock up front so concurrent writers queue."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


STATEMENT_CACHE_SIZE = 1000


async def open_engine(engine: Engine[Any], pool_size: int = 10) -> None:
    """Open the PostgreSQL connection pool (a size of 0 means a connection per query); prepare a SQLite file."""
    if isinstance(engine, SQLiteEngine):
        _prepare_sqlite(engine.path)
    elif isinstance(engine, PostgresEngine) and pool_size > 0:
        await engine.start_connection_pool(
            min_size=1,
            max_size=pool_size,
            reset=keep_session_state,
            # Each connection keeps its prepared statements (a statement is parsed once, then runs in one round
            # trip): enough for every shape of the listing search (see `events.listing_query`).
            statement_cache_size=STATEMENT_CACHE_SIZE,
            # Planned afresh with each run's values, as if they were written into the SQL: a plan made once for
            # any value would not know a rare search word or a busy district from a quiet one.
            server_settings={"plan_cache_mode": "force_custom_plan"},
        )


async def keep_session_state(_connection: Any) -> None:
    """The pool's reset on release, without asyncpg's default reset query.

    asyncpg always rolls back a transaction left open and drops listeners before calling this. Its default
    then sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`: a second round trip
    after every query. Hearby sets no session variables, holds no session advisory locks, opens no cursors
    outside transactions and listens to nothing, so there is nothing to reset.
    (`tests/integration/test_db_pool.py` checks both: no reset query, and an open transaction rolled back.)"""


async def close_engine(engine: Engine[Any]) -> None:
    """Close the PostgreSQL connection pool, if one was opened."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


async def database_answers(engine: Engine[Any]) -> bool:
    """True when a trivial query succeeds (for /health)."""
    try:
        rows = await engine.run_ddl("SELECT 1 AS ok")
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; the reason is logged by the caller
        return False
    return bool(rows)


def placeholders(count: int) -> str:
    """`{}, {}, …`: one Piccolo placeholder per value of an SQL `IN (…)` list."""
    return ", ".join(["{}"] * count)


async def raw_rows(engine: Engine[Any], sql: str, *params: Any) -> list[dict[str, Any]]:
    """Hand-written SQL with Piccolo's `{}` placeholders, as dicts.

    On PostgreSQL outside a transaction it goes straight to the pool: Piccolo's raw query spends more CPU
    bundling its arguments than asyncpg spends running a prepared statement. Elsewhere Piccolo runs it."""
    pool = engine.pool if isinstance(engine, PostgresEngine) else None
    if pool is None or engine.current_transaction.get() is not None:
        rows: list[dict[str, Any]] = engine.transform_response_to_dicts(
            await engine.run_querystring(QueryString(sql, *params))
        )
        return rows
    async with pool.acquire() as connection:
        records = await connection.fetch(numbered_placeholders(sql), *params)
    return [dict(record) for record in records]


@functools.lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def numbered_placeholders(sql: str) -> str:
    """`{}` placeholders as PostgreSQL's `$1`, `$2`, ... in order."""
    parts = sql.split("{}")
    return "".join(f"{part}${number}" for number, part in enumerate(parts[:-1], start=1)) + parts[-1]


def json_object(value: Any) -> dict[str, Any]:
    """A JSON column as a dict: PostgreSQL and SQLite both hand JSON back as text through Piccolo."""
    if isinstance(value, str):
        decoded = json.loads(value or "{}")
        return decoded if isinstance(decoded, dict) else {}
    return value if isinstance(value, dict) else {}


def like_literal(text: str) -> str:
    """Text typed into a search box, safe inside a LIKE pattern: its wildcards are dropped (SQLite has no
    default escape character, so dropping is the portable choice)."""
    return text.replace("%", "").replace("_", "")


INSERT_ROWS_PER_STATEMENT = 1000  # well under SQLite's 32,766 bound parameters with a dozen columns


async def insert_rows(
    table: type[Table],
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    skip_conflicts_on: Column | None = None,
    returning: Column | None = None,
) -> list[dict[str, Any]]:
    """Insert many rows with one multi-row `INSERT … VALUES` per thousand rows, without building a Table object
    per row (a broadcast writes 10,000 rows: Piccolo's objects and query strings cost more than the database).

    Every row gives a value for each of `columns`, in order; nothing falls back to a Python-side column default,
    so give timestamps (and any other default the table relies on) explicitly. JSON columns take a dict or list
    (encoded here) or text. `skip_conflicts_on`: `ON CONFLICT (column) DO NOTHING`; `returning`: the inserted rows'
    values of that column. Both engines run it as it is (SQLite ≥ 3.35)."""
    names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    encode = [isinstance(column, (JSON, JSONB)) for column in columns]
    placeholder = "(" + ", ".join("{}" for _ in columns) + ")"
    tail = ""
    if skip_conflicts_on is not None:
        tail += f' ON CONFLICT ("{skip_conflicts_on._meta.db_column_name}") DO NOTHING'
    if returning is not None:
        tail += f' RETURNING "{returning._meta.db_column_name}"'
    found: list[dict[str, Any]] = []
    for start in range(0, len(rows), INSERT_ROWS_PER_STATEMENT):
        chunk = rows[start : start + INSERT_ROWS_PER_STATEMENT]
        values: list[Any] = []
        for row in chunk:
            if len(row) != len(columns):
                raise ValueError("a row gives a value for each column")
            values.extend(
                json.dumps(value) if wanted and not isinstance(value, str) else value
                for value, wanted in zip(row, encode, strict=True)
            )
        rows_sql = ", ".join([placeholder] * len(chunk))
        # Names from the table's own metadata; every value is a bound parameter.
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {rows_sql}{tail}'  # noqa: S608
        answer = await table.raw(sql, *values)
        found.extend(answer or [])
    return found
