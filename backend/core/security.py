"""Security headers on every response, proxy-aware client addresses, and who counts as anonymous."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import ASGIApp, Receive, Scope, Send

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


class SecurityHeaders:
    """The security headers of every HTTP response (errors and static files too), as raw header pairs.

    Built once; `for_scope` picks the frameable set for pages that opted in with `EMBEDDABLE_SCOPE_KEY`. The
    request log middleware adds them in the same `send` wrapper as the request id (one wrapper, not two).
    """

    def __init__(self, settings: Settings) -> None:
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self), payment=(), usb=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if settings.production:
            common.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self.strict = [
            (b"content-security-policy", content_security_policy().encode()),
            *common,
            (b"x-frame-options", b"DENY"),
        ]
        self.embeddable = [(b"content-security-policy", content_security_policy(embeddable=True).encode()), *common]

    def for_scope(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The headers for this request's response."""
        return self.embeddable if scope.get(EMBEDDABLE_SCOPE_KEY) else self.strict


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


async def is_anonymous_write(request: Request[Any, Any, Any]) -> bool:
    """Rate limits apply to state-changing requests from visitors who are not signed in.

    Async on purpose: Litestar runs a synchronous check in the thread pool, on every request."""
    if request.method not in UNSAFE_METHODS:
        return False
    return current_user(request) is None


class AnonymousWriteLimit:
    """Litestar's rate limit, asked only for state-changing requests.

    Reads are never limited, so a GET skips the middleware (its request object, its check) entirely; a
    write goes through it, and `is_anonymous_write` exempts signed-in people."""

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        self.app = app
        self.limited = config.middleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Writes through the limit; everything else straight on."""
        if scope.get("method") in UNSAFE_METHODS:
            await self.limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)
