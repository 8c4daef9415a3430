"""Server-side sessions that are only created once there is something to keep.

Litestar's backend stores (and sets a cookie for) an empty session on every request; for anonymous
residents that would mean a cookie and a stored record per page view, which is neither minimal nor
cacheable. This backend skips both until the session holds data, and clears it when emptied.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession


class LazySessionBackend(ServerSideSessionBackend):
    """Stores a session only when it holds data."""

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
        await super().store_in_message(scope_session, message, connection)


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    """ServerSideSessionConfig using the lazy backend."""

    _backend_class = LazySessionBackend
