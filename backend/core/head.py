"""HEAD answered as GET without a body (RFC 9110 §9.3.2): link checkers, uptime monitors and some browsers
ask for a page's headers only, and Litestar's `@get` handlers do not answer HEAD by themselves."""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Run a HEAD request as the GET it stands for, and send its status and headers without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but HEAD through untouched."""
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        get_scope: Any = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of the body follows: nothing is sent until the last part
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(get_scope, receive, without_body)
