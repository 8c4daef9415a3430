"""Security headers on every response, proxy-aware client addresses, and who counts as anonymous."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.auth import current_user
from backend.settings import Settings

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Pages that partners may embed on their own sites opt in by setting this scope flag.
EMBEDDABLE_SCOPE_KEY = "hearby_embeddable"


def content_security_policy(embeddable: bool = False) -> str:
    """The CSP: no inline script or style, nothing from another origin."""
    directives = dict(CSP_DIRECTIVES)
    if embeddable:
        directives["frame-ancestors"] = "*"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, including errors and static files."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.strict_policy = content_security_policy()
        self.embeddable_policy = content_security_policy(embeddable=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers as the response starts."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                embeddable = bool(scope.get(EMBEDDABLE_SCOPE_KEY))
                headers["Content-Security-Policy"] = self.embeddable_policy if embeddable else self.strict_policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not embeddable:
                    headers["X-Frame-Options"] = "DENY"
                if self.settings.production:
                    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address; X-Forwarded-For is believed only when the peer is a configured proxy."""
    peer = request.client.host if request.client else "unknown"
    trusted: tuple[str, ...] = request.app.state["settings"].trusted_proxies
    if not trusted or not _in_networks(peer, trusted):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    # Walk from the nearest hop outwards and take the first address that is not one of our proxies.
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _in_networks(hop, trusted):
            return hop
    return peer


def _in_networks(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_anonymous_write(request: Request[Any, Any, Any]) -> bool:
    """Rate limits apply to state-changing requests from visitors who are not signed in."""
    if request.method not in UNSAFE_METHODS:
        return False
    return current_user(request) is None
