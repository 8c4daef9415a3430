"""People: staff invitations, the admin's people pages, signing out everywhere, deleting an account.

Deleting an account runs the other domains' `AccountHooks.account_deleted` first, in the same transaction
(`backend/wiring.py` builds the hooks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.credentials import (
    hash_password,
    token_digest,
)
from backend.accounts.hooks import AccountHooks
from backend.accounts.links import INVITATION_LIFETIME, EmailLinks
from backend.accounts.schemas import (
    TokenCheck,
    UserSummary,
)
from backend.accounts.tables import EmailToken, Membership, RoleGrant, User
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import like_literal, placeholders, raw_rows, write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.core.roles import Role
from backend.settings import Settings


async def roles_of(user_id: int) -> frozenset[Role]:
    """The roles someone holds."""
    rows = await RoleGrant.select(RoleGrant.role).where(RoleGrant.user == user_id)
    return known_roles(row["role"] for row in rows)


def known_roles(values: Iterable[str | None]) -> frozenset[Role]:
    """Stored role names as roles; a name this release does not know (or none) is left out."""
    return frozenset(Role(value) for value in values if value is not None and value in Role.__members__.values())


async def grant_role(user_id: int, role: Role, granted_by: int | None) -> None:
    """Give someone a role (idempotent)."""
    await RoleGrant.insert(
        RoleGrant(user=user_id, role=role.value, grant_key=f"{user_id}:{role.value}", granted_by=granted_by)
    ).on_conflict(target=RoleGrant.grant_key, action="DO NOTHING")


async def join_organisation(user_id: int, organisation_id: int, *, owner: bool) -> None:
    """Make someone a member (or the owner) of an organisation (idempotent)."""
    await Membership.insert(
        Membership(
            user=user_id,
            organisation=organisation_id,
            is_owner=owner,
            membership_key=f"{user_id}:{organisation_id}",
        )
    ).on_conflict(target=Membership.membership_key, action="DO NOTHING")


# Each person with a row for each role and membership (one statement: every signed-in request reads one person
# this way, and a page of people reads them all at once, not two queries per person).
_PERSON_ROWS_SQL = (
    "SELECT u.id, u.email, u.display_name, u.locale, u.is_active, u.auth_version, u.totp_enabled_at, "
    "u.created_at, u.last_sign_in_at, r.role, m.organisation, o.name AS organisation_name FROM app_user u "
    'LEFT JOIN role_grant r ON r."user" = u.id LEFT JOIN membership m ON m."user" = u.id '
    "LEFT JOIN organisation o ON o.id = m.organisation WHERE u.id IN ({}) ORDER BY u.id DESC, m.id"
)


async def person_rows(user_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """These people's rows (one per role and membership, in the order they joined), by person, newest first."""
    if not user_ids:
        return {}
    rows = await raw_rows(User._meta.db, _PERSON_ROWS_SQL.format(placeholders(len(user_ids))), *user_ids)
    by_user: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_user.setdefault(row["id"], []).append(row)
    return by_user


async def user_summaries(user_ids: list[int]) -> list[UserSummary]:
    """These people, newest first, each with their roles and organisations."""
    by_user = await person_rows(user_ids)
    return [
        UserSummary(
            id=first["id"],
            email=first["email"],
            display_name=first["display_name"],
            roles=sorted(role.value for role in known_roles(row["role"] for row in person)),
            is_active=bool(first["is_active"]),
            two_factor=first["totp_enabled_at"] is not None,
            created_at=first["created_at"],
            last_sign_in_at=first["last_sign_in_at"],
            # In the order they joined, each once (a person with two roles has each membership on two rows).
            organisations=list(dict.fromkeys(row["organisation_name"] for row in person if row["organisation_name"])),
        )
        for person in by_user.values()
        for first in person[:1]
    ]


class PeopleService:
    """Staff invitations, the admin's people pages (roles, disabling), signing out everywhere, deleting an account."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        links: EmailLinks,
        hooks: AccountHooks,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.links = links
        self.hooks = hooks

    async def invite_staff(
        self, admin: CurrentUser, email: str, roles: list[Role], organisation_id: int | None, locale: str
    ) -> None:
        """Email an invitation that expires in 7 days; accepting it creates the account with these roles."""
        async with write_transaction(self.engine):
            token = await self.links.issue(
                "invite",
                email,
                None,
                INVITATION_LIFETIME,
                roles=[role.value for role in roles],
                organisation=organisation_id,
            )
            payload = self.renderer.render(
                "invitation",
                to=email,
                locale=locale,
                link=self.links.url(f"/invitation/{token}"),
                inviter=admin.display_name or admin.email,
                days=7,
            )
            await enqueue(EMAIL, f"invitation:{token_digest(token)}", payload)
            await audit.record(
                "staff.invited",
                actor=admin,
                subject_type="invitation",
                subject_id=email,
                details={"roles": [role.value for role in roles], "organisation": organisation_id},
            )

    async def first_admin_invitation(self, email: str) -> str:
        """A one-time invitation link for the first admin of a new installation (printed by the CLI)."""
        async with write_transaction(self.engine):
            token = await self.links.issue("invite", email, None, INVITATION_LIFETIME, roles=[Role.ADMIN.value])
            await audit.record(
                "staff.invited",
                actor=None,
                actor_label="command line",
                subject_type="invitation",
                subject_id=email,
                details={"roles": [Role.ADMIN.value]},
            )
        return self.links.url(f"/invitation/{token}")

    async def accept_invitation(self, token: str, display_name: str, password: str) -> TokenCheck:
        """Spend an invitation: create (or upgrade) the account, set its password and grant the roles."""
        check = await self.links.consume("invite", token)
        if not check.valid:
            return check
        granted = check.payload.get("roles")
        roles = (
            [Role(value) for value in granted if value in Role.__members__.values()]
            if isinstance(granted, list)
            else []
        )
        organisation = check.payload.get("organisation")
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == check.email).first()
            if user is None:
                user = User(email=check.email)
            user.display_name = display_name
            user.password_hash = hash_password(password)
            user.auth_version = (user.auth_version or 0) + 1
            await user.save()
            for role in roles:
                await grant_role(user.id, role, granted_by=None)
            if isinstance(organisation, int):
                await join_organisation(user.id, organisation, owner=False)
            await audit.record(
                "staff.invitation_accepted",
                actor=None,
                actor_label=check.email,
                subject_type="user",
                subject_id=user.id,
                details={"roles": [role.value for role in roles]},
            )
        return TokenCheck(valid=True, email=check.email, user_id=user.id)

    async def list_users(self, query: str = "", limit: int = 50, offset: int = 0) -> tuple[list[UserSummary], int]:
        """People, newest first, optionally filtered by email or name."""
        select = User.select(User.id)
        count = User.count()
        if query:
            condition = User.email.ilike(f"%{like_literal(query)}%") | User.display_name.ilike(
                f"%{like_literal(query)}%"
            )
            select = select.where(condition)
            count = count.where(condition)
        users = await select.order_by(User.id, ascending=False).limit(limit).offset(offset)
        return await user_summaries([user["id"] for user in users]), int(await count)

    async def user_summary(self, user_id: int) -> UserSummary | None:
        """One person, for the admin page or their own account page."""
        summaries = await user_summaries([user_id])
        return summaries[0] if summaries else None

    async def set_roles(self, admin: CurrentUser, user_id: int, roles: set[Role], reason: str) -> bool:
        """Replace a person's roles; their sessions end so the change applies at once."""
        current = await roles_of(user_id)
        added, removed = roles - current, current - roles
        if not added and not removed:
            return False
        async with write_transaction(self.engine):
            for role in added:
                await grant_role(user_id, role, granted_by=admin.id)
            for role in removed:
                await RoleGrant.delete().where(RoleGrant.grant_key == f"{user_id}:{role.value}")
            await User.update({User.auth_version: User.auth_version + 1}).where(User.id == user_id)
            await audit.record(
                "user.roles_changed",
                actor=admin,
                subject_type="user",
                subject_id=user_id,
                reason=reason,
                details={"added": sorted(r.value for r in added), "removed": sorted(r.value for r in removed)},
            )
        return True

    async def set_active(self, admin: CurrentUser, user_id: int, active: bool, reason: str) -> bool:
        """Disable (or re-enable) an account; disabling ends its sessions. Admins cannot disable themselves."""
        if user_id == admin.id:
            return False
        async with write_transaction(self.engine):
            await User.update(
                {
                    User.is_active: active,
                    User.disabled_reason: "" if active else reason,
                    User.auth_version: User.auth_version + 1,
                }
            ).where(User.id == user_id)
            await audit.record(
                "user.enabled" if active else "user.disabled",
                actor=admin,
                subject_type="user",
                subject_id=user_id,
                reason=reason,
            )
        return True

    async def sign_out_everywhere(self, user: CurrentUser) -> None:
        """End every session of this person, on every device."""
        async with write_transaction(self.engine):
            await User.update({User.auth_version: User.auth_version + 1}).where(User.id == user.id)
            await audit.record("auth.sign_out_everywhere", actor=user, subject_type="user", subject_id=user.id)

    async def delete_account(self, user: CurrentUser) -> None:
        """Delete a resident's account and everything linked to it (the other domains' hooks run first)."""
        await self._delete(user.id, user.email, by="its owner")

    async def delete_account_by_email(self, email: str) -> bool:
        """Delete the account with this address, as an operator does on request; False when there is none."""
        row = await User.select(User.id, User.email).where(User.email == email.strip().lower()).first()
        if row is None:
            return False
        await self._delete(int(row["id"]), str(row["email"]), by="an operator")
        return True

    async def _delete(self, user_id: int, email: str, *, by: str) -> None:
        async with write_transaction(self.engine):
            for deleted in self.hooks.account_deleted:
                await deleted(user_id, email)
            await EmailToken.delete().where(EmailToken.email == email)
            await User.delete().where(User.id == user_id)
            # The audit entry keeps no personal data: only that account number N was deleted, and by whom.
            await audit.record(
                "account.deleted",
                actor=None,
                actor_label="",
                subject_type="user",
                subject_id=user_id,
                details={"by": by},
            )

    async def ensure_staff(self, email: str, display_name: str, password: str, roles: list[Role]) -> int:
        """Create a staff account with a password (idempotent: an existing account is left as it is)."""
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == email).first()
            if user is None:
                user = User(email=email, display_name=display_name, password_hash=hash_password(password))
                await user.save()
                for role in roles:
                    await grant_role(user.id, role, granted_by=None)
                await audit.record(
                    "user.created", actor=None, actor_label="system", subject_type="user", subject_id=user.id
                )
        return int(user.id)


async def people_with_role(role: Role) -> list[tuple[int, str, str]]:
    """Active people holding a role, as (id, display name, email), by name (e.g. facilitators for a slot)."""
    grants = await RoleGrant.select(RoleGrant.user).where(RoleGrant.role == role.value)
    ids = [row["user"] for row in grants]
    if not ids:
        return []
    rows = await (
        User.select(User.id, User.display_name, User.email)
        .where(User.id.is_in(ids), User.is_active.eq(True))
        .order_by(User.display_name)
    )
    return [(row["id"], row["display_name"], row["email"]) for row in rows]
