"""Who is making the request: the session's user, loaded fresh on every request, and role guards.

The accounts domain owns users; it gives the app a `user_loader` so core never reads its tables.
Timeouts are enforced here: a session idle for too long, or older than its absolute limit, is ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.core.clock import Clock
from backend.core.roles import STAFF_ROLES, Role, primary_role

SESSION_USER_ID = "user_id"
SESSION_STARTED = "started_at"
SESSION_SEEN = "seen_at"
SESSION_VERSION = "auth_version"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person, as every other domain sees them."""

    id: int
    email: str
    display_name: str
    roles: frozenset[Role]
    locale: str = "en"
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        """True for anyone holding a staff role."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def primary_role(self) -> str:
        """The most powerful role held, for audit entries."""
        return primary_role(self.roles)

    def has_any(self, roles: frozenset[Role]) -> bool:
        """True when the person holds at least one of these roles."""
        return bool(self.roles & roles)


# Loads a user by id and the session's auth version; returns None when the user is gone or disabled.
UserLoader = Callable[[int, int], Awaitable[CurrentUser | None]]


@dataclass(frozen=True)
class SessionLimits:
    """Idle and absolute lifetimes, in seconds, for staff and for residents."""

    staff_idle: int = 30 * 60
    staff_absolute: int = 12 * 3600
    resident_idle: int = 14 * 24 * 3600
    resident_absolute: int = 30 * 24 * 3600


# How stale "last seen" may get before it is written again. Idle limits are minutes to days, so a minute
# changes nothing for them, and most requests then leave the session unchanged and unwritten.
SEEN_RESOLUTION = 60


class AuthenticationMiddleware:
    """Puts `CurrentUser | None` in `scope["user"]`, ending expired or revoked sessions."""

    def __init__(self, app: ASGIApp, loader: UserLoader, limits: SessionLimits, clock: Clock) -> None:
        self.app = app
        self.loader = loader
        self.limits = limits
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Resolve the user before the handler runs."""
        scope["user"] = None
        session = scope.get("session")
        if isinstance(session, dict) and session.get(SESSION_USER_ID):
            scope["user"] = await self._resolve(session)
        await self.app(scope, receive, send)

    async def _resolve(self, session: dict[str, Any]) -> CurrentUser | None:
        now = self.clock.now().timestamp()
        user = await self.loader(int(session[SESSION_USER_ID]), int(session.get(SESSION_VERSION, 0)))
        if user is None:
            session.clear()
            return None
        idle, absolute = (
            (self.limits.staff_idle, self.limits.staff_absolute)
            if user.is_staff
            else (self.limits.resident_idle, self.limits.resident_absolute)
        )
        started = float(session.get(SESSION_STARTED, 0))
        seen = float(session.get(SESSION_SEEN, 0))
        if now - started > absolute or now - seen > idle:
            session.clear()
            return None
        if now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
        return user


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The signed-in user of this request, or None."""
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None
