"""Counting attempts in a window (sign-in per account and per client, links per address).

Two implementations of one `Throttle`: `RedisThrottle` counts in the Redis server it is given (INCRBY +
EXPIRE in one transaction), shared by every web process; `MemoryThrottle` counts in this process's memory,
under a lock of its own. Either way an attempt is counted *before* it is checked, so many requests sent at
once cannot all slip under the limit. `create_app` builds one per app (`state["throttle"]`).
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod

from redis.asyncio import Redis

from backend.core.clock import Clock


class Throttle(ABC):
    """A fixed-window counter per key."""

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

    @abstractmethod
    async def clear(self, key: str) -> None:
        """Forget a key's attempts (after a successful sign-in)."""

    @abstractmethod
    async def _add(self, key: str, delta: int, window_seconds: int) -> tuple[int, int]:
        """Add `delta` to the key's count (starting its window if new); the new count and seconds left."""

    @abstractmethod
    async def _peek(self, key: str) -> tuple[int, int]:
        """The key's count and seconds left in its window, without counting."""


class RedisThrottle(Throttle):
    """Counters in Redis, shared by every process that uses the same server and namespace."""

    def __init__(self, redis: Redis, namespace: str = "hearby:throttle") -> None:
        self.redis = redis
        self.namespace = namespace

    def _name(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def clear(self, key: str) -> None:
        """Forget a key's attempts."""
        await self.redis.delete(self._name(key))

    async def _add(self, key: str, delta: int, window_seconds: int) -> tuple[int, int]:
        name = self._name(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, delta)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def _peek(self, key: str) -> tuple[int, int]:
        name = self._name(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            raw, ttl = await pipe.execute()
        return (int(raw) if raw is not None else 0), max(1, int(ttl))


class MemoryThrottle(Throttle):
    """Counters in this process's memory (one web process: the embedded default), read and written under a lock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = asyncio.Lock()
        self._entries: dict[str, tuple[int, float]] = {}  # key -> (count, when its window ends)

    async def clear(self, key: str) -> None:
        """Forget a key's attempts."""
        async with self._lock:
            self._entries.pop(key, None)

    async def _add(self, key: str, delta: int, window_seconds: int) -> tuple[int, int]:
        async with self._lock:
            now = self.clock.now().timestamp()
            if len(self._entries) > 10_000:
                self._forget_expired(now)
            count, reset_at = self._entries.get(key, (0, now + window_seconds))
            if reset_at <= now:  # the window ended: a new one starts with this attempt
                count, reset_at = 0, now + window_seconds
            count = max(0, count + delta)
            self._entries[key] = (count, reset_at)
            return count, max(1, math.ceil(reset_at - now))

    async def _peek(self, key: str) -> tuple[int, int]:
        async with self._lock:
            now = self.clock.now().timestamp()
            count, reset_at = self._entries.get(key, (0, now))
            if reset_at <= now:
                return 0, 0
            return count, max(1, math.ceil(reset_at - now))

    def _forget_expired(self, now: float) -> None:
        for key in [key for key, (_count, reset_at) in self._entries.items() if reset_at <= now]:
            del self._entries[key]
