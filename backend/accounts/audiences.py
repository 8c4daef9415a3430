"""Who holds a role, who belongs to an organisation: the ids other domains address notifications to, and how to
write to one member of staff."""

from __future__ import annotations

from backend.accounts.tables import Membership, RoleGrant, User
from backend.core.roles import Role


async def users_with_role(role: Role) -> list[int]:
    """The ids of active people who hold this role."""
    rows = await RoleGrant.select(RoleGrant.user.id).where(
        (RoleGrant.role == role.value) & (RoleGrant.user.is_active == True)  # noqa: E712 - a Piccolo expression
    )
    return sorted({row["user.id"] for row in rows})


async def members_of(organisation_id: int) -> list[int]:
    """The ids of active people who belong to this organisation."""
    rows = await Membership.select(Membership.user.id).where(
        (Membership.organisation == organisation_id) & (Membership.user.is_active == True)  # noqa: E712
    )
    return sorted({row["user.id"] for row in rows})


async def contact_of(user_id: int) -> tuple[str, str, str] | None:
    """An active person's email, name and language (to write to a member of staff), or None."""
    row = (
        await User.select(User.email, User.display_name, User.locale)
        .where((User.id == user_id) & (User.is_active == True))  # noqa: E712 - a Piccolo expression
        .first()
    )
    if row is None:
        return None
    return str(row["email"]), str(row["display_name"]), str(row["locale"] or "en")
