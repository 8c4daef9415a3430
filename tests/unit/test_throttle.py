"""Attempts are counted before they are checked, so a burst of parallel guesses cannot slip under the limit —
in this process's memory and in Redis (the shared store of several web processes; 127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from backend.core.clock import SettableClock
from backend.core.throttle import Throttle

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    redis_store = RedisStore.with_client(url=REDIS_URL, namespace=f"hearby-test-{uuid.uuid4().hex[:8]}")
    try:
        await redis_store.set("probe", "1", expires_in=5)
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield redis_store
    await redis_store.delete_all()
    await redis_store._redis.aclose()


async def test_a_burst_of_parallel_attempts_lets_only_the_limit_through(store: Store) -> None:
    throttle = Throttle(store, SettableClock())
    outcomes = await asyncio.gather(*(throttle.attempt("sign-in:account:a@example.org", 5, 900) for _ in range(40)))
    allowed = [wait for wait in outcomes if wait is None]
    assert len(allowed) == 5
    assert all(wait is not None and 0 < wait <= 900 for wait in outcomes if wait is not None)


async def test_forgiven_and_cleared_attempts_stop_counting(store: Store) -> None:
    throttle = Throttle(store, SettableClock())
    for _ in range(3):
        assert await throttle.attempt("client:1", 3, 900) is None
    await throttle.forgive("client:1", 900)
    assert await throttle.attempt("client:1", 3, 900) is None  # the forgiven one made room
    assert await throttle.attempt("client:1", 3, 900) is not None
    await throttle.clear("client:1")
    assert await throttle.retry_after("client:1", 3) is None
