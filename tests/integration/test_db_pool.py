"""The PostgreSQL pool skips asyncpg's reset query on release (one round trip a query, not two), and a
connection given back in the middle of a transaction still comes back out of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from piccolo.engine.postgres import PostgresEngine

from backend.core.db import close_engine, make_engine, open_engine
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
