"""Server-side sessions that are only created once there is something to keep.

Litestar's backend stores (and sets a cookie for) an empty session on every request; for anonymous
residents that would mean a cookie and a stored record per page view, which is neither minimal nor
cacheable. This backend skips both until the session holds data, and clears it when emptied.

It also writes a session back only when the request changed it. Requests overlap (a page's service
worker precaches with the same cookie while the next page is loading), and a request that read the
session before another one wrote it would otherwise put the old data back over the new.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, ScopeSession, Send

# Set `session[ROTATE_FLAG] = True` to give the session a new id when the response is sent.
ROTATE_FLAG = "_rotate"
# Where the session as loaded is kept in the request's scope, to tell whether the request changed it.
_LOADED = "hearby.session_as_loaded"


class LazySessionBackend(ServerSideSessionBackend):
    """Stores a session only when it holds data, and only when the request changed it."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:  # type: ignore[type-arg]
        """Load the session and keep a copy of it as loaded."""
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = copy.deepcopy(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:  # type: ignore[type-arg]
        """Skip anonymous empty sessions; expire the cookie when a session is emptied."""
        had_cookie = self.config.key in connection.cookies
        if scope_session is Empty or not scope_session:
            if had_cookie:
                await self.delete(
                    self.get_session_id(connection), store=self.config.get_store_from_app(connection.scope["app"])
                )
                headers = MutableScopeHeaders.from_message(message)
                headers.add(
                    "Set-Cookie",
                    Cookie(
                        key=self.config.key,
                        value="",
                        expires=0,
                        path=self.config.path,
                        secure=self.config.secure,
                        httponly=self.config.httponly,
                        samesite=self.config.samesite,
                    ).to_header(header=""),
                )
            return
        if isinstance(scope_session, dict) and scope_session.pop(ROTATE_FLAG, False):
            await self._rotate(scope_session, message, connection)
            return
        if had_cookie and scope_session == connection.scope.get(_LOADED):
            return  # unchanged: writing it back could undo what an overlapping request wrote
        store = self.config.get_store_from_app(connection.scope["app"])
        if had_cookie and connection.scope.get(_LOADED) and not await store.exists(self.get_session_id(connection)):
            return  # ended meanwhile (signed out, or moved to a new id): writing it would bring it back
        await super().store_in_message(scope_session, message, connection)

    async def _rotate(self, scope_session: dict[str, object], message: Message, connection: ASGIConnection) -> None:  # type: ignore[type-arg]
        """Move the session to a new id (at sign-in and privilege change) so a planted id is worthless."""
        store = self.config.get_store_from_app(connection.scope["app"])
        old_id = connection.cookies.get(self.config.key)
        if old_id:
            await self.delete(old_id, store=store)
        new_id = self.generate_session_id()
        await self.set(session_id=new_id, data=self.serialize_data(scope_session, connection.scope), store=store)
        cookie = Cookie(
            key=self.config.key,
            value=new_id,
            path=self.config.path,
            max_age=self.config.max_age,
            secure=self.config.secure,
            httponly=self.config.httponly,
            samesite=self.config.samesite,
        )
        MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    """ServerSideSessionConfig using the lazy backend."""

    _backend_class = LazySessionBackend
    # Off: the file store "renews" by writing back the data it has just read, which could undo an
    # overlapping request's write. Sessions in use are written at least once a minute ("last seen") anyway.
    renew_on_access: bool = False


class SessionGate:
    """The session middleware, without its cost for requests that carry no session cookie (most of them).

    With the cookie, Litestar's own session middleware loads and stores the session. Without it there is
    nothing to load: the request gets an empty session, no session id is made and no store is asked; only
    if the handler put something in the session (a sign-in, a language choice) is it stored and the cookie
    set, as the response starts.
    """

    def __init__(self, app: ASGIApp, config: LazySessionConfig) -> None:
        self.app = app
        self.backend = config._backend_class(config=config)
        self.with_cookie = SessionMiddleware(app, backend=self.backend)
        self.cookie_prefix = f"{config.key}=".encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand requests with the cookie to Litestar's middleware; give the others an empty session."""
        if scope["type"] == ScopeType.HTTP and not self._has_cookie(scope):
            scope["session"] = {}

            async def store_if_filled(message: Message) -> None:
                session = scope.get("session")
                if message["type"] == "http.response.start" and session is not Empty and session:
                    await self.backend.store_in_message(session, message, ASGIConnection(scope, receive, send))
                await send(message)

            await self.app(scope, receive, store_if_filled)
            return
        await self.with_cookie(scope, receive, send)

    def _has_cookie(self, scope: Scope) -> bool:
        # A false match (another cookie whose name ends the same) only takes the slower, exact path.
        return any(name == b"cookie" and self.cookie_prefix in value for name, value in scope["headers"])
