"""Route authorisation: every handler either has guards or is explicitly public (a meta-test checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from backend.core.auth import current_user
from backend.core.roles import Role

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
