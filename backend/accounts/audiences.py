"""Who holds a role, who belongs to an organisation: the ids other domains address notifications to."""

from __future__ import annotations

from backend.accounts.tables import Membership, RoleGrant
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
