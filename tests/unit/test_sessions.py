"""Overlapping requests of one session: a request that only read the session never writes it back.

Browsers overlap requests of one session (the service worker precaches with the cookie while the next page
loads). Before this rule, the sign-in step that keeps the new authenticator's secret in the session could be
undone by a precache request that had read the session just before, and the second step sent people back to
the start (seen in the Chromium suite). These run the project's session middleware over the file store the
web process uses, with two requests in flight at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar, Request, get
from litestar.stores.file import FileStore

from backend.core.sessions import LazySessionConfig


def _app(tmp_path: Path, reader_may_answer: asyncio.Event, reader_has_read: asyncio.Event) -> Litestar:
    @get("/start", sync_to_thread=False)
    def start(request: Request[Any, Any, Any]) -> str:
        request.session["pending"] = 7
        return "started"

    @get("/read")
    async def read(request: Request[Any, Any, Any]) -> str:
        """Like a precache request: reads the session, answers late, changes nothing."""
        seen = dict(request.session)
        reader_has_read.set()
        await reader_may_answer.wait()
        return str(seen)

    @get("/note-slowly")
    async def note_slowly(request: Request[Any, Any, Any]) -> str:
        """Like a request that updates "last seen": reads, answers late, changes the session."""
        reader_has_read.set()
        await reader_may_answer.wait()
        request.session["seen"] = 1
        return "noted"

    @get("/sign-out", sync_to_thread=False)
    def sign_out(request: Request[Any, Any, Any]) -> str:
        request.clear_session()
        return "signed out"

    @get("/add-secret", sync_to_thread=False)
    def add_secret(request: Request[Any, Any, Any]) -> str:
        request.session["secret"] = "sealed"
        return "added"

    @get("/append", sync_to_thread=False)
    def append(request: Request[Any, Any, Any]) -> str:
        request.session.setdefault("flash", []).append(len(request.session.get("flash", [])))
        return "appended"

    @get("/show", sync_to_thread=False)
    def show(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return dict(request.session)

    config = LazySessionConfig(key="hearby_session", store="sessions")  # the web process's settings otherwise
    return Litestar(
        route_handlers=[start, read, note_slowly, sign_out, add_secret, append, show],
        middleware=[config.middleware],
        stores={"sessions": FileStore(path=tmp_path, create_directories=True)},
    )


@asynccontextmanager
async def _client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Requests served on this test's own event loop, so two can be in flight at once."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://127.0.0.1",
    ) as client:
        yield client


async def test_a_request_that_only_read_the_session_does_not_undo_an_overlapping_write(tmp_path: Path) -> None:
    reader_may_answer, reader_has_read = asyncio.Event(), asyncio.Event()
    async with _client(_app(tmp_path, reader_may_answer, reader_has_read)) as client:
        await client.get("/start")
        slow_read = asyncio.create_task(client.get("/read"))
        await reader_has_read.wait()
        added = await client.get("/add-secret")
        reader_may_answer.set()
        read = await slow_read
        assert read.text == "{'pending': 7}"  # it did read the session before the secret was added
        assert (await client.get("/show")).json() == {"pending": 7, "secret": "sealed"}
        assert "set-cookie" not in read.headers  # having changed nothing, it writes nothing
        assert "set-cookie" in added.headers


async def test_changes_made_in_place_are_written(tmp_path: Path) -> None:
    async with _client(_app(tmp_path, asyncio.Event(), asyncio.Event())) as client:
        await client.get("/start")
        await client.get("/append")
        await client.get("/append")  # changes the list it loaded: the copy kept at load time must not follow
        assert (await client.get("/show")).json() == {"pending": 7, "flash": [0, 1]}


async def test_a_slow_request_that_changes_the_session_does_not_bring_back_one_signed_out_meanwhile(
    tmp_path: Path,
) -> None:
    reader_may_answer, reader_has_read = asyncio.Event(), asyncio.Event()
    async with _client(_app(tmp_path, reader_may_answer, reader_has_read)) as client:
        await client.get("/start")
        cookie = client.cookies["hearby_session"]
        slow = asyncio.create_task(client.get("/note-slowly"))
        await reader_has_read.wait()
        await client.get("/sign-out")
        reader_may_answer.set()
        noted = await slow
        assert "set-cookie" not in noted.headers  # the browser is not handed the ended session back
        client.cookies.set("hearby_session", cookie)  # even presenting the old id finds nothing
        assert (await client.get("/show")).json() == {}
