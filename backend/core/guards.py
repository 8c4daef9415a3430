"""Route authorisation: every handler either has guards or is explicitly public (a meta-test checks)."""

from __future__ import annotations

from collections.abc import Callable
from hmac import compare_digest
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection, Request
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash, generate_csrf_token
from litestar.utils.scope.state import ScopeState

from backend.core.auth import current_user
from backend.core.roles import Role

# The CSRF cookie's name (before the settings' prefix), set by Litestar's CSRF middleware.
CSRF_COOKIE = "hearby_csrf"

# Put on handlers anyone may use, signed in or not: `@get("/", opt=PUBLIC)`.
PUBLIC: dict[str, Any] = {"public": True}


def is_public(opt: dict[str, Any]) -> bool:
    """True when a handler (or its router/controller) carries the public marker."""
    return bool(opt.get("public"))


def requires_roles(*roles: Role) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """A guard: the request must come from someone signed in holding one of these roles."""
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException()
        if not user.has_any(allowed):
            raise PermissionDeniedException()

    guard.__name__ = f"requires_{'_or_'.join(sorted(role.value for role in allowed))}"
    guard.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the authorisation-matrix test
    return guard


def requires_sign_in(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A guard: anyone signed in, whatever their role."""
    if current_user(connection) is None:
        raise NotAuthorizedException()


def requires_same_origin(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Refuse cross-site writes to session-authenticated JSON endpoints (the app exempts `/api/` from CSRF).

    A write must not come from another site (`Sec-Fetch-Site`, `Origin`), and must carry a JSON body
    (`Content-Type: application/json`), which a cross-site HTML form cannot send and a cross-site
    script cannot send without a CORS preflight we never grant.
    """
    if connection.scope.get("method", "GET") in {"GET", "HEAD", "OPTIONS"}:
        return
    fetch_site = connection.headers.get("sec-fetch-site", "")
    if fetch_site in {"cross-site", "same-site"}:
        raise PermissionDeniedException("Cross-site request refused")
    origin = connection.headers.get("origin")
    if origin:
        settings = connection.app.state["settings"]
        allowed = {_origin_of(settings.base_url), _origin_of(str(connection.base_url))}
        if origin.rstrip("/") not in allowed:
            raise PermissionDeniedException("Cross-site request refused")
    if connection.scope.get("method") in {"POST", "PUT", "PATCH"}:
        content_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise HTTPException(status_code=415, detail="Send a JSON body (Content-Type: application/json)")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Handlers that use `resident_form_from_this_site` set this option, which Litestar's CSRF middleware reads.
QUEUEABLE_FORM: dict[str, Any] = {"exclude_from_csrf": True}


async def resident_form_from_this_site(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Cross-site request forgery protection for a resident's form that a phone may send later, from the
    service worker's offline queue (a booking, a cancellation, a waiting-list answer).

    Such a submission can arrive hours after the form was seen, when the browser has dropped the CSRF cookie
    (a session cookie), so the double-submit token alone would refuse it. A browser says where a request
    comes from (`Sec-Fetch-Site`, `Origin`, both sent with every POST by current browsers, the service
    worker's included): another site is refused, this site passes. A request that says neither (an old
    browser) must carry the usual token matching its cookie. Use with `opt=QUEUEABLE_FORM`.
    """
    if not isinstance(connection, Request):
        raise PermissionDeniedException("Cross-site request refused")
    fetch_site = connection.headers.get("sec-fetch-site", "")
    if fetch_site in {"cross-site", "same-site"}:
        raise PermissionDeniedException("Cross-site request refused")
    settings = connection.app.state["settings"]
    cookie = connection.cookies.get(settings.cookie_name(CSRF_COOKIE)) or ""
    posted = (await connection.form()).get("_csrf_token")
    token = posted if isinstance(posted, str) else ""
    secrets = [_csrf_secret(value, settings.secret_key) for value in (cookie, token)]
    origin = connection.headers.get("origin")
    if origin:
        allowed = {_origin_of(settings.base_url), _origin_of(str(connection.base_url))}
        if origin.rstrip("/") not in allowed:
            raise PermissionDeniedException("Cross-site request refused")
    elif fetch_site != "same-origin" and not (secrets[0] and secrets[1] and compare_digest(secrets[0], secrets[1])):
        raise PermissionDeniedException("CSRF token verification failed")
    # A form shown again (with its errors) carries a token, as the CSRF middleware would have given it: the
    # cookie's when there is one, else the one posted, else a new one.
    valid = cookie if secrets[0] else token if secrets[1] else generate_csrf_token(settings.secret_key)
    ScopeState.from_scope(connection.scope).csrf_token = valid


def _csrf_secret(token: str, key: str) -> str | None:
    """The secret inside a token Litestar's CSRF middleware issued (its HMAC checked), or None."""
    if len(token) <= CSRF_SECRET_LENGTH:
        return None
    secret, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return secret if compare_digest(signature, generate_csrf_hash(token=secret, secret=key)) else None
