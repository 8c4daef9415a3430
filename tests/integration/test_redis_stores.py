"""With REDIS_URL set, sessions live in Redis, so every web process shares them (127.0.0.1:6379)."""

from __future__ import annotations

import redis.asyncio as redis_client
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.settings import Settings
from tests.support.people import PeopleFactory, sign_in

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, away from anything else on 6379


async def test_sessions_are_shared_through_redis(settings: Settings, people: PeopleFactory) -> None:
    clock = SettableClock()
    shared = settings.with_overrides(redis_url=REDIS_URL)
    partner = await people(Role.PARTNER)
    # Two "web processes", one after the other (two apps in one process would share one table binding).
    async with AsyncTestClient(app=create_app(shared, clock=clock), base_url="http://127.0.0.1:8000") as first:
        await sign_in(first, partner, clock)
        cookies = dict(first.cookies)
    async with AsyncTestClient(app=create_app(shared, clock=clock), base_url="http://127.0.0.1:8000") as second:
        second.cookies.update(cookies)
        assert (await second.get("/account", follow_redirects=False)).status_code == 200
    connection = redis_client.from_url(REDIS_URL)
    try:
        assert await connection.exists(f"hearby_sessions:{cookies['hearby_session']}")
    finally:
        await connection.aclose()
