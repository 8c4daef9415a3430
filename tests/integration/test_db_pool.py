"""The PostgreSQL pool skips asyncpg's reset query on release (one round trip a query, not two), and a
connection given back in the middle of a transaction still comes back out of it. Hand-written SQL run with
`raw_rows` is prepared once per connection and planned with each run's values; inside a transaction it runs
on the transaction's connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from piccolo.engine.postgres import PostgresEngine

from backend.core.db import close_engine, make_engine, open_engine, raw_rows
from tests.support.databases import POSTGRES_URL


@pytest.fixture
async def engine() -> AsyncIterator[PostgresEngine]:
    """The app's engine on the test server, with its pool of two connections open."""
    made = make_engine(POSTGRES_URL)
    assert isinstance(made, PostgresEngine)
    await open_engine(made, pool_size=2)
    yield made
    await close_engine(made)


async def test_releasing_a_connection_sends_no_reset_query(engine: PostgresEngine) -> None:
    assert engine.pool is not None
    async with engine.pool.acquire() as watcher:
        async with engine.pool.acquire() as connection:
            await connection.execute("SELECT 'hearby-pool-marker'")
            released = connection.get_server_pid()
        # The released connection's last statement: with asyncpg's default reset it would be the reset query.
        last = await watcher.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", released)
    assert last == "SELECT 'hearby-pool-marker'"


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_is_released(engine: PostgresEngine) -> None:
    assert engine.pool is not None
    async with engine.pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("SELECT set_config('application_name', 'left-open', true)")
        assert connection.is_in_transaction()
        backend_pid = connection.get_server_pid()
    async with engine.pool.acquire() as first, engine.pool.acquire() as second:
        again = first if first.get_server_pid() == backend_pid else second
        assert again.get_server_pid() == backend_pid
        assert not again.is_in_transaction()
        assert await again.fetchval("SELECT current_setting('application_name')") != "left-open"


async def test_raw_sql_is_prepared_once_and_planned_with_each_runs_values() -> None:
    engine = make_engine(POSTGRES_URL)
    assert isinstance(engine, PostgresEngine)
    await open_engine(engine, pool_size=1)  # one connection: every statement below runs on it
    try:
        sql = "SELECT {} + 1 AS answer, 'hearby-prepared-marker' AS marker"
        assert await raw_rows(engine, sql, 1) == [{"answer": 2, "marker": "hearby-prepared-marker"}]
        assert await raw_rows(engine, sql, 41) == [{"answer": 42, "marker": "hearby-prepared-marker"}]
        prepared = await raw_rows(
            engine,
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE {} AND statement NOT LIKE {}",
            "%hearby-prepared-marker%",
            "%pg_prepared_statements%",
        )
        assert [row["statement"] for row in prepared] == ["SELECT $1 + 1 AS answer, 'hearby-prepared-marker' AS marker"]
        setting = await raw_rows(engine, "SELECT current_setting('plan_cache_mode') AS mode")
        assert setting == [{"mode": "force_custom_plan"}]
    finally:
        await close_engine(engine)


async def test_raw_sql_in_a_transaction_runs_on_the_transactions_connection(engine: PostgresEngine) -> None:
    outside = await raw_rows(engine, "SELECT pg_backend_pid() AS pid, txid_current_if_assigned() AS txid")
    async with engine.transaction() as transaction:
        await transaction.connection.execute("SELECT txid_current()")  # gives the transaction an id
        inside = await raw_rows(engine, "SELECT pg_backend_pid() AS pid, txid_current_if_assigned() AS txid")
        assert inside[0]["pid"] == transaction.connection.get_server_pid()
    assert outside[0]["txid"] is None
    assert inside[0]["txid"] is not None
