"""Counting attempts in a window (sign-in per account and per client), in a Litestar store.

With REDIS_URL set the counters live in Redis and are shared by every web process (INCR + EXPIRE in one
transaction); otherwise they live in this process's memory, updated under a lock. Either way an attempt is
counted *before* it is checked, so many requests sent at once cannot all slip under the limit.
"""

from __future__ import annotations

import asyncio
import json
import math

from litestar.stores.base import Store
from litestar.stores.redis import RedisStore

from backend.core.clock import Clock

_LOCAL_LOCK = asyncio.Lock()  # one process's in-memory counters: read-modify-write under one lock


class Throttle:
    """A fixed-window counter per key."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def attempt(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one attempt; if that takes the key over its limit, the seconds to wait (refuse it)."""
        count, wait = await self._add(key, 1, window_seconds)
        return wait if count > limit else None

    async def forgive(self, key: str, window_seconds: int) -> None:
        """Take back one counted attempt (it succeeded, so it should not count against the client)."""
        await self._add(key, -1, window_seconds)

    async def retry_after(self, key: str, limit: int) -> int | None:
        """Seconds until another attempt is allowed, or None when the key is under its limit (no counting)."""
        count, wait = await self._peek(key)
        return wait if count >= limit else None

    async def hit(self, key: str, window_seconds: int) -> None:
        """Count one attempt against the key."""
        await self._add(key, 1, window_seconds)

    async def clear(self, key: str) -> None:
        """Forget a key's attempts (after a successful sign-in)."""
        await self.store.delete(key)

    async def _add(self, key: str, delta: int, window_seconds: int) -> tuple[int, int]:
        if isinstance(self.store, RedisStore):
            redis = self.store._redis
            name = self.store._make_key(key)
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incrby(name, delta)
                pipe.expire(name, window_seconds, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
            return int(count), max(1, int(ttl))
        async with _LOCAL_LOCK:
            now = self.clock.now().timestamp()
            entry = await self._read(key) or {"count": 0, "reset_at": now + window_seconds}
            entry["count"] = max(0, entry["count"] + delta)
            wait = max(1, math.ceil(entry["reset_at"] - now))
            await self.store.set(key, json.dumps(entry), expires_in=wait)
            return int(entry["count"]), wait

    async def _peek(self, key: str) -> tuple[int, int]:
        if isinstance(self.store, RedisStore):
            redis = self.store._redis
            name = self.store._make_key(key)
            async with redis.pipeline(transaction=True) as pipe:
                pipe.get(name)
                pipe.ttl(name)
                raw, ttl = await pipe.execute()
            return (int(raw) if raw is not None else 0), max(1, int(ttl))
        entry = await self._read(key)
        if entry is None:
            return 0, 0
        return int(entry["count"]), max(1, math.ceil(entry["reset_at"] - self.clock.now().timestamp()))

    async def _read(self, key: str) -> dict[str, float] | None:
        raw = await self.store.get(key)
        if raw is None:
            return None
        entry: dict[str, float] = json.loads(raw)
        if entry["reset_at"] <= self.clock.now().timestamp():
            return None
        return entry
