"""Attempts are counted before they are checked, so a burst of parallel guesses cannot slip under the limit —
in this process's memory and in Redis (the shared store of several web processes; 127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from backend.core.clock import SettableClock
from backend.core.throttle import MemoryThrottle, RedisThrottle, Throttle

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own


@pytest.fixture(params=["memory", "redis"])
async def throttle(request: pytest.FixtureRequest) -> AsyncIterator[Throttle]:
    if request.param == "memory":
        yield MemoryThrottle(SettableClock())
        return
    client = Redis.from_url(REDIS_URL)
    namespace = f"hearby-test-{uuid.uuid4().hex[:8]}"
    try:
        await client.ping()
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield RedisThrottle(client, namespace=namespace)
    keys = [key async for key in client.scan_iter(f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_a_burst_of_parallel_attempts_lets_only_the_limit_through(throttle: Throttle) -> None:
    outcomes = await asyncio.gather(*(throttle.attempt("sign-in:account:a@example.org", 5, 900) for _ in range(40)))
    allowed = [wait for wait in outcomes if wait is None]
    assert len(allowed) == 5
    assert all(wait is not None and 0 < wait <= 900 for wait in outcomes if wait is not None)


async def test_forgiven_and_cleared_attempts_stop_counting(throttle: Throttle) -> None:
    for _ in range(3):
        assert await throttle.attempt("client:1", 3, 900) is None
    await throttle.forgive("client:1", 900)
    assert await throttle.attempt("client:1", 3, 900) is None  # the forgiven one made room
    assert await throttle.attempt("client:1", 3, 900) is not None
    await throttle.clear("client:1")
    assert await throttle.retry_after("client:1", 3) is None


async def test_two_processes_counting_in_one_redis_add_up() -> None:
    namespace = f"hearby-test-{uuid.uuid4().hex[:8]}"
    first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)  # two clients, as two processes have
    try:
        one, other = RedisThrottle(first, namespace=namespace), RedisThrottle(second, namespace=namespace)
        outcomes = await asyncio.gather(
            *(throttle.attempt("sign-in:client:10.0.0.1", 6, 900) for throttle in (one, other) for _ in range(10))
        )
        assert sum(wait is None for wait in outcomes) == 6
        assert await other.retry_after("sign-in:client:10.0.0.1", 6) is not None
    finally:
        await first.delete(*[key async for key in first.scan_iter(f"{namespace}:*")])
        await first.aclose()
        await second.aclose()


async def test_a_window_ends_and_counting_starts_again() -> None:
    clock = SettableClock()
    throttle = MemoryThrottle(clock)
    for _ in range(3):
        await throttle.hit("link:a@example.org", 900)
    assert await throttle.retry_after("link:a@example.org", 3) == 900
    clock.advance(seconds=600)
    assert await throttle.retry_after("link:a@example.org", 3) == 300
    clock.advance(seconds=300)
    assert await throttle.retry_after("link:a@example.org", 3) is None
    assert await throttle.attempt("link:a@example.org", 3, 900) is None  # a new window, one attempt in it
