"""A short-lived cache of anonymous GETs (the /events search, the embeddable list and the feeds).

Keyed by language, address and query string; a cached response never carries a cookie.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.status_codes import HTTP_200_OK
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.auth import current_user
from backend.core.i18n import request_locale
from backend.core.security import EMBEDDABLE_SCOPE_KEY

PAGE_CACHE_STORE = "events_pages"
PAGE_CACHE_SECONDS = 60
_writes = itertools.count(1)


class AnonymousPageCache:
    """Serve anonymous GETs of a page from a short-lived cache keyed by language, address and query string.

    Litestar's own response cache sits outside its CSRF middleware, so it would store (and replay to
    everyone) the CSRF cookie issued to the first visitor. This one stores the status, the headers without
    any `Set-Cookie`, and the body; signed-in visitors always get a fresh page. Gzip and plain bodies are
    kept apart. `embeddable=True` marks the response as frameable even when it comes from the cache.
    """

    def __init__(self, app: ASGIApp, seconds: int = PAGE_CACHE_SECONDS, embeddable: bool = False) -> None:
        self.app = app
        self.seconds = seconds
        self.embeddable = embeddable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache, or pass on and keep a copy."""
        if self.embeddable:
            scope[EMBEDDABLE_SCOPE_KEY] = True  # type: ignore[literal-required]
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "GET" or current_user(Request(scope)):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        key = _cache_key(request)
        store = request.app.stores.get(PAGE_CACHE_STORE)
        cached = await store.get(key)
        if cached is not None:
            status, headers, body = msgspec.msgpack.decode(cached, type=tuple[int, list[tuple[bytes, bytes]], bytes])
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start["status"] = message["status"]
                # Copied now: outer middleware adds its own headers (and cookies) to this message later.
                start["headers"] = [
                    (bytes(name), bytes(value))
                    for name, value in message.get("headers", [])
                    if bytes(name).lower() != b"set-cookie"
                ]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body") and start.get("status") == HTTP_200_OK:
                    record = (start["status"], start["headers"], b"".join(chunks))
                    await store.set(key, msgspec.msgpack.encode(record), expires_in=self.seconds)
                    if isinstance(store, MemoryStore) and next(_writes) % 500 == 0:
                        await store.delete_expired()
            await send(message)

        await self.app(scope, receive, keep)


def _cache_key(request: Request[Any, Any, Any]) -> str:
    gzip = "gzip" in request.headers.get("accept-encoding", "")
    raw = f"{request_locale(request)}|{int(gzip)}|{request.url.path}?{request.url.query}"
    return hashlib.sha256(raw.encode()).hexdigest()


def anonymous_cache(embeddable: bool = False) -> list[DefineMiddleware]:
    """The middleware for a handler whose anonymous answers are cached (`embeddable`: frameable)."""
    return [DefineMiddleware(AnonymousPageCache, seconds=PAGE_CACHE_SECONDS, embeddable=embeddable)]
