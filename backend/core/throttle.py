"""Counting attempts in a window (sign-in per account and per client), in a Litestar store.

With REDIS_URL set the counters are shared by every web process; otherwise they live in memory.
"""

from __future__ import annotations

import json
import math

from litestar.stores.base import Store

from backend.core.clock import Clock


class Throttle:
    """A fixed-window counter per key."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def retry_after(self, key: str, limit: int) -> int | None:
        """Seconds until another attempt is allowed, or None when the key is under its limit."""
        entry = await self._read(key)
        if entry is None or entry["count"] < limit:
            return None
        return max(1, math.ceil(entry["reset_at"] - self.clock.now().timestamp()))

    async def hit(self, key: str, window_seconds: int) -> None:
        """Count one attempt against the key."""
        now = self.clock.now().timestamp()
        entry = await self._read(key)
        if entry is None:
            entry = {"count": 0, "reset_at": now + window_seconds}
        entry["count"] += 1
        expires_in = max(1, math.ceil(entry["reset_at"] - now))
        await self.store.set(key, json.dumps(entry), expires_in=expires_in)

    async def clear(self, key: str) -> None:
        """Forget a key's attempts (after a successful sign-in)."""
        await self.store.delete(key)

    async def _read(self, key: str) -> dict[str, float] | None:
        raw = await self.store.get(key)
        if raw is None:
            return None
        entry: dict[str, float] = json.loads(raw)
        if entry["reset_at"] <= self.clock.now().timestamp():
            return None
        return entry
