"""With REDIS_URL set, every web process shares sessions and rate-limit counters through Redis (127.0.0.1:6379).

Two real web processes (uvicorn, as the Procfile starts them) on one database and one Redis: a session made on
one works on the other, and anonymous writes sent to both count against one limit.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis_client

from backend.core.roles import Role
from backend.settings import Settings
from tests.support.live_server import LiveServer, start_server
from tests.support.people import CSRF_FIELD, PeopleFactory

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, away from anything else on 6379
LIMIT = 6  # anonymous writes per minute, per visitor


@pytest.fixture
async def two_web_processes(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    env = {
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "two-processes-share-this-secret-0123456789",
        "HEARBY_ENV": "test",
        "ANONYMOUS_POSTS_PER_MINUTE": str(LIMIT),
        "TRUSTED_PROXIES": "127.0.0.1",  # as behind the platform's proxy: the visitor is X-Forwarded-For
        "DATABASE_POOL_SIZE": "2",
    }
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    first, second = await asyncio.gather(
        *(
            asyncio.to_thread(start_server, settings.database_url, tmp_path / name, env, timeout=90)
            for name in ("a", "b")
        )
    )
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # what the processes share is Redis
async def test_two_web_processes_share_sessions_and_rate_limits(
    two_web_processes: tuple[LiveServer, LiveServer], people: PeopleFactory
) -> None:
    first, second = two_web_processes
    partner = await people(Role.PARTNER)
    async with httpx.AsyncClient(base_url=first.base_url) as on_first:
        page = await on_first.get("/sign-in")
        token = CSRF_FIELD.search(page.text)
        assert token
        signed_in = await on_first.post(
            "/sign-in", data={"_csrf_token": token.group(1), "email": partner.email, "password": partner.password}
        )
        assert signed_in.status_code == 302, signed_in.text
        assert (await on_first.get("/account")).status_code == 200
        cookies = dict(on_first.cookies)
    assert "hearby_session" in cookies
    async with httpx.AsyncClient(base_url=second.base_url, cookies=cookies) as on_second:
        account = await on_second.get("/account")
        assert account.status_code == 200, "the session made on the first process is unknown to the second"
        assert partner.email in account.text
    async with httpx.AsyncClient(base_url=second.base_url) as stranger:
        assert (await stranger.get("/account")).status_code == 302  # no cookie: sent to sign in

    connection = redis_client.from_url(REDIS_URL)
    try:
        assert await connection.exists(f"hearby:sessions:{cookies['hearby_session']}") or await connection.keys(
            f"*{cookies['hearby_session']}*"
        )
    finally:
        await connection.aclose()

    # One visitor (a fresh address, as the proxy reports it) writes to both processes in turn: the limit is shared.
    visitor = {"X-Forwarded-For": f"198.51.100.{random.randint(1, 254)}"}
    answers = []
    for number in range(LIMIT + 2):
        server = (first, second)[number % 2]
        async with httpx.AsyncClient(base_url=server.base_url, headers=visitor) as client:
            answers.append((await client.post("/api/v1/events/1/occurrences/1/bookings", json={})).status_code)
    assert 429 not in answers[:LIMIT], answers
    assert answers[LIMIT:] == [429, 429], f"each process counted only its own share: {answers}"
