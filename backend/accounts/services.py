"""Accounts: people, roles, organisations, sign-in."""

from __future__ import annotations

from backend.core.auth import CurrentUser


async def load_current_user(user_id: int, auth_version: int) -> CurrentUser | None:
    """The signed-in user for a session, or None when the account is gone, disabled or signed out everywhere."""
    return None
