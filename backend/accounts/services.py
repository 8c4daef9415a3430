"""Accounts: people, roles, organisations, sign-in (password + TOTP for staff, emailed links for residents).

Every answer to a sign-in, link or reset request reads the same whether or not the account exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.credentials import (
    TotpVault,
    hash_password,
    new_recovery_codes,
    new_token,
    normalise_recovery_code,
    token_digest,
    verify_password,
)
from backend.accounts.schemas import (
    Enrolment,
    OrganisationSummary,
    SignInResult,
    SignInStep,
    TokenCheck,
    UserSummary,
)
from backend.accounts.tables import EmailToken, Membership, Organisation, RecoveryCode, RoleGrant, User
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import json_object, like_literal, write_transaction
from backend.core.i18n import N_
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.core.roles import STAFF_ROLES, TWO_FACTOR_ROLES, Role, primary_role
from backend.core.throttle import Throttle
from backend.settings import Settings

SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
RESET_LINK_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)
THROTTLE_WINDOW = 15 * 60
ACCOUNT_ATTEMPTS = 5  # wrong passwords per account per window
CLIENT_ATTEMPTS = 30  # wrong passwords per client address per window
CODE_ATTEMPTS = 5  # wrong two-factor codes per account per window
LINK_REQUESTS_PER_EMAIL = 3  # emails per address per window, so nobody can flood an inbox

# Other domains register what to delete with an account (bookings, subscriptions…): `hook(user_id, email)`.
ACCOUNT_DELETION_HOOKS: list[Callable[[int, str], Awaitable[None]]] = []
# Other domains register what follows an organisation's verification or rejection: `hook(organisation_id)`,
# inside the decision's transaction (the events domain shows or withdraws its events).
ORGANISATION_STANDING_HOOKS: list[Callable[[int], Awaitable[None]]] = []


class CodeCheck(StrEnum):
    """The outcome of checking a two-factor or recovery code."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    REUSED = "reused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SignedIn:
    """What a session needs to know about someone who has just signed in."""

    user_id: int
    auth_version: int
    is_staff: bool


async def _roles_of(user_id: int) -> frozenset[Role]:
    rows = await RoleGrant.select(RoleGrant.role).where(RoleGrant.user == user_id)
    return frozenset(Role(row["role"]) for row in rows if row["role"] in Role.__members__.values())


async def load_current_user(user_id: int, auth_version: int) -> CurrentUser | None:
    """The signed-in user for a session, or None when the account is gone, disabled or signed out everywhere."""
    user = (
        await User.select(User.id, User.email, User.display_name, User.locale, User.is_active, User.auth_version)
        .where(User.id == user_id)
        .first()
    )
    if user is None or not user["is_active"] or user["auth_version"] != auth_version:
        return None
    organisations = await Membership.select(Membership.organisation).where(Membership.user == user_id)
    return CurrentUser(
        id=user["id"],
        email=user["email"],
        display_name=user["display_name"],
        roles=await _roles_of(user_id),
        locale=user["locale"],
        organisation_ids=frozenset(row["organisation"] for row in organisations),
    )


class AccountsService:
    """The rules for accounts, roles and signing in."""

    def __init__(
        self, settings: Settings, clock: Clock, engine: Engine[Any], throttle: Throttle, renderer: EmailRenderer
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.throttle = throttle
        self.renderer = renderer
        self.vault = TotpVault(settings.secret_key)

    # --- staff sign-in ---------------------------------------------------------------------------

    async def sign_in_with_password(self, email: str, password: str, client: str) -> SignInResult:
        """Check an email and password, throttled per account and per client; say what comes next."""
        account_key, client_key = f"sign-in:account:{email}", f"sign-in:client:{client}"
        # Count first, check after: parallel guesses cannot all pass a check made before any was counted.
        for key, limit in ((account_key, ACCOUNT_ATTEMPTS), (client_key, CLIENT_ATTEMPTS)):
            wait = await self.throttle.attempt(key, limit, THROTTLE_WINDOW)
            if wait is not None:
                return SignInResult(SignInStep.THROTTLED, retry_after=wait)
        user = await User.objects().where(User.email == email).first()
        correct = verify_password(user.password_hash if user else None, password)
        if user is None or not correct or not user.is_active:
            await audit.record(
                "auth.sign_in_failed",
                actor=None,
                actor_label=user.email if user else "",
                subject_type="user" if user else "",
                subject_id=user.id if user else "",
            )
            return SignInResult(SignInStep.REFUSED)
        await self.throttle.clear(account_key)
        await self.throttle.forgive(client_key, THROTTLE_WINDOW)
        roles = await _roles_of(user.id)
        if user.totp_enabled_at is not None:
            return SignInResult(SignInStep.NEEDS_CODE, user_id=user.id, auth_version=user.auth_version)
        if roles & TWO_FACTOR_ROLES:
            return SignInResult(SignInStep.NEEDS_ENROLMENT, user_id=user.id, auth_version=user.auth_version)
        await self._record_sign_in(user.id, "password")
        return SignInResult(SignInStep.SIGNED_IN, user_id=user.id, auth_version=user.auth_version)

    async def check_second_factor(self, user_id: int, code: str) -> CodeCheck:
        """Accept a current TOTP code (each time step once) or an unused recovery code."""
        key = f"two-factor:{user_id}"
        if await self.throttle.attempt(key, CODE_ATTEMPTS, THROTTLE_WINDOW) is not None:
            return CodeCheck.THROTTLED
        user = await User.objects().where(User.id == user_id).first()
        if user is None or not user.is_active or not user.totp_secret:
            return CodeCheck.WRONG
        secret = self.vault.open(user.totp_secret)
        step = self.vault.matching_step(secret, code, self.clock.now()) if secret else None
        if step is not None:
            async with write_transaction(self.engine):
                # Conditional update: the same code cannot be used twice, even by two requests at once.
                updated = (
                    await User.update({User.totp_last_step: step})
                    .where((User.id == user_id) & (User.totp_last_step < step))
                    .returning(User.id)
                )
            if not updated:
                return CodeCheck.REUSED
            await self.throttle.clear(key)
            await self._record_sign_in(user_id, "totp")
            return CodeCheck.ACCEPTED
        if await self._use_recovery_code(user_id, code):
            await self.throttle.clear(key)
            await self._record_sign_in(user_id, "recovery_code")
            return CodeCheck.ACCEPTED
        await audit.record(
            "auth.two_factor_failed", actor=None, actor_label=user.email, subject_type="user", subject_id=user_id
        )
        return CodeCheck.WRONG

    async def _use_recovery_code(self, user_id: int, code: str) -> bool:
        digest = token_digest(normalise_recovery_code(code))
        async with write_transaction(self.engine):
            used = (
                await RecoveryCode.update({RecoveryCode.used_at: self.clock.now()})
                .where(
                    (RecoveryCode.user == user_id) & (RecoveryCode.code_hash == digest) & RecoveryCode.used_at.is_null()
                )
                .returning(RecoveryCode.id)
            )
            if used:
                await audit.record("auth.recovery_code_used", actor=None, subject_type="user", subject_id=user_id)
        return bool(used)

    async def _record_sign_in(self, user_id: int, method: str) -> None:
        async with write_transaction(self.engine):
            await User.update({User.last_sign_in_at: self.clock.now()}).where(User.id == user_id)
            user = await User.select(User.email).where(User.id == user_id).first()
            roles = await _roles_of(user_id)
            await audit.record(
                "auth.sign_in",
                actor=None,
                actor_label=user["email"] if user else "",
                actor_role=primary_role(roles),
                subject_type="user",
                subject_id=user_id,
                details={"method": method},
            )

    async def signed_in(self, user_id: int) -> SignedIn:
        """The session facts for a person who has just completed sign-in."""
        user = await User.select(User.auth_version).where(User.id == user_id).first()
        roles = await _roles_of(user_id)
        return SignedIn(
            user_id=user_id, auth_version=user["auth_version"] if user else 0, is_staff=bool(roles & STAFF_ROLES)
        )

    # --- two-factor enrolment -------------------------------------------------------------------

    async def begin_enrolment(self, user_id: int) -> Enrolment:
        """A new TOTP secret and its QR code (kept sealed in the session until confirmed)."""
        user = await User.select(User.email).where(User.id == user_id).first()
        secret = self.vault.new_secret()
        uri = self.vault.provisioning_uri(secret, user["email"] if user else "", self.settings.site_name)
        return Enrolment(sealed_secret=self.vault.seal(secret), secret=secret, qr_data_uri=self.vault.qr_data_uri(uri))

    def reopen_enrolment(self, user_email: str, sealed_secret: str) -> Enrolment | None:
        """Show the same QR code again after a wrong code, so the person need not scan twice."""
        secret = self.vault.open(sealed_secret)
        if secret is None:
            return None
        uri = self.vault.provisioning_uri(secret, user_email, self.settings.site_name)
        return Enrolment(sealed_secret=sealed_secret, secret=secret, qr_data_uri=self.vault.qr_data_uri(uri))

    async def complete_enrolment(self, user_id: int, sealed_secret: str, code: str) -> list[str] | None:
        """Confirm the authenticator with a code; store the secret and return fresh recovery codes."""
        secret = self.vault.open(sealed_secret)
        step = self.vault.matching_step(secret, code, self.clock.now()) if secret else None
        if step is None:
            return None
        codes = new_recovery_codes()
        async with write_transaction(self.engine):
            # Only an account without two-factor can enrol here: replacing an authenticator needs a
            # signed-in session, never just the password.
            enrolled = (
                await User.update(
                    {User.totp_secret: sealed_secret, User.totp_enabled_at: self.clock.now(), User.totp_last_step: step}
                )
                .where((User.id == user_id) & User.totp_enabled_at.is_null())
                .returning(User.id)
            )
            if not enrolled:
                return None
            await RecoveryCode.delete().where(RecoveryCode.user == user_id)
            await RecoveryCode.insert(*[RecoveryCode(user=user_id, code_hash=token_digest(code)) for code in codes])
            await audit.record("auth.two_factor_enrolled", actor=None, subject_type="user", subject_id=user_id)
        return codes

    async def replace_recovery_codes(self, user: CurrentUser) -> list[str]:
        """New recovery codes; the old ones stop working."""
        codes = new_recovery_codes()
        async with write_transaction(self.engine):
            await RecoveryCode.delete().where(RecoveryCode.user == user.id)
            await RecoveryCode.insert(*[RecoveryCode(user=user.id, code_hash=token_digest(code)) for code in codes])
            await audit.record("auth.recovery_codes_replaced", actor=user, subject_type="user", subject_id=user.id)
        return codes

    async def recovery_codes_left(self, user_id: int) -> int:
        """How many unused recovery codes a person has."""
        return int(await RecoveryCode.count().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()))

    # --- emailed links ----------------------------------------------------------------------------

    async def link_requests_exhausted(self, email: str, client: str) -> int | None:
        """Seconds to wait when this client has asked for too many links (per-email floods are dropped quietly)."""
        return await self.throttle.retry_after(f"links:client:{client}", CLIENT_ATTEMPTS)

    async def _count_link_request(self, email: str, client: str) -> bool:
        """Count a request; False when this address has had enough emails for now."""
        await self.throttle.hit(f"links:client:{client}", THROTTLE_WINDOW)
        email_key = f"links:email:{email}"
        if await self.throttle.retry_after(email_key, LINK_REQUESTS_PER_EMAIL) is not None:
            return False
        await self.throttle.hit(email_key, THROTTLE_WINDOW)
        return True

    async def request_sign_in_link(self, email: str, locale: str, client: str) -> None:
        """Email a one-time sign-in link (residents); staff are reminded to use their password instead."""
        if not await self._count_link_request(email, client):
            return
        user = await User.objects().where(User.email == email).first()
        if user is not None and not user.is_active:
            return
        now = self.clock.now()
        async with write_transaction(self.engine):
            if user is not None and user.password_hash:
                payload = self.renderer.render(
                    "staff_use_password", to=email, locale=locale, sign_in_url=self._url("/sign-in")
                )
                await enqueue(EMAIL, f"staff-link:{email}:{int(now.timestamp()) // THROTTLE_WINDOW}", payload)
                return
            token = await self._issue_token("sign_in", email, user.id if user else None, SIGN_IN_LINK_LIFETIME)
            payload = self.renderer.render(
                "sign_in_link", to=email, locale=locale, link=self._url(f"/sign-in/link/{token}"), minutes=15
            )
            await enqueue(EMAIL, f"sign-in-link:{token_digest(token)}", payload)

    async def use_sign_in_link(self, token: str, locale: str) -> TokenCheck:
        """Spend a sign-in link (once, within 15 minutes); create the resident's account on first use."""
        check = await self._consume_token("sign_in", token)
        if not check.valid:
            return check
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == check.email).first()
            if user is None:
                user = User(email=check.email, locale=locale)
                await user.save()
                await audit.record("account.created", actor=None, subject_type="user", subject_id=user.id)
            await self._grant(user.id, Role.RESIDENT, granted_by=None)
        if user.password_hash:  # staff never sign in by link
            return TokenCheck(valid=False, problem=N_("This link cannot be used to sign in to a staff account"))
        await self._record_sign_in(user.id, "email_link")
        return TokenCheck(valid=True, email=user.email, user_id=user.id)

    async def request_password_reset(self, email: str, locale: str, client: str) -> None:
        """Email a reset link if a staff account with a password exists; otherwise send nothing."""
        if not await self._count_link_request(email, client):
            return
        user = await User.objects().where(User.email == email).first()
        if user is None or not user.is_active or not user.password_hash:
            return
        async with write_transaction(self.engine):
            token = await self._issue_token("reset", email, user.id, RESET_LINK_LIFETIME)
            payload = self.renderer.render(
                "password_reset", to=email, locale=locale, link=self._url(f"/password/reset/{token}"), minutes=60
            )
            await enqueue(EMAIL, f"password-reset:{token_digest(token)}", payload)

    async def check_link(self, purpose: str, token: str) -> TokenCheck:
        """Look at a link without spending it (to show its form)."""
        row = (
            await EmailToken.objects()
            .where((EmailToken.token_hash == token_digest(token)) & (EmailToken.purpose == purpose))
            .first()
        )
        if row is None:
            return TokenCheck(valid=False, problem=N_("This link is not valid. Check you copied the whole link"))
        if row.used_at is not None:
            return TokenCheck(valid=False, problem=N_("This link has already been used. Ask for a new one"))
        if row.expires_at <= self.clock.now():
            return TokenCheck(valid=False, problem=N_("This link has expired. Ask for a new one"))
        return TokenCheck(valid=True, email=row.email, user_id=row.user, payload=dict(json_object(row.payload)))

    async def reset_password(self, token: str, password: str) -> TokenCheck:
        """Spend a reset link and set the new password; every other session of that person ends."""
        check = await self._consume_token("reset", token)
        if not check.valid or check.user_id is None:
            return check
        async with write_transaction(self.engine):
            await User.update(
                {User.password_hash: hash_password(password), User.auth_version: User.auth_version + 1}
            ).where(User.id == check.user_id)
            await audit.record("auth.password_reset", actor=None, subject_type="user", subject_id=check.user_id)
        return check

    async def _issue_token(
        self, purpose: str, email: str, user_id: int | None, lifetime: timedelta, **payload: Any
    ) -> str:
        token = new_token()
        await EmailToken.insert(
            EmailToken(
                purpose=purpose,
                token_hash=token_digest(token),
                email=email,
                user=user_id,
                payload=payload,
                expires_at=self.clock.now() + lifetime,
            )
        )
        return token

    async def _consume_token(self, purpose: str, token: str) -> TokenCheck:
        """Mark a link used in one conditional statement, so two clicks at once cannot both succeed."""
        check = await self.check_link(purpose, token)
        if not check.valid:
            return check
        now = self.clock.now()
        async with write_transaction(self.engine):
            spent = (
                await EmailToken.update({EmailToken.used_at: now})
                .where(
                    (EmailToken.token_hash == token_digest(token))
                    & (EmailToken.purpose == purpose)
                    & EmailToken.used_at.is_null()
                    & (EmailToken.expires_at > now)
                )
                .returning(EmailToken.id)
            )
        if not spent:
            return TokenCheck(valid=False, problem=N_("This link has already been used. Ask for a new one"))
        return check

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"

    # --- invitations ------------------------------------------------------------------------------

    async def invite_staff(
        self, admin: CurrentUser, email: str, roles: list[Role], organisation_id: int | None, locale: str
    ) -> None:
        """Email an invitation that expires in 7 days; accepting it creates the account with these roles."""
        async with write_transaction(self.engine):
            token = await self._issue_token(
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
                link=self._url(f"/invitation/{token}"),
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
            token = await self._issue_token("invite", email, None, INVITATION_LIFETIME, roles=[Role.ADMIN.value])
            await audit.record(
                "staff.invited",
                actor=None,
                actor_label="command line",
                subject_type="invitation",
                subject_id=email,
                details={"roles": [Role.ADMIN.value]},
            )
        return self._url(f"/invitation/{token}")

    async def accept_invitation(self, token: str, display_name: str, password: str) -> TokenCheck:
        """Spend an invitation: create (or upgrade) the account, set its password and grant the roles."""
        check = await self._consume_token("invite", token)
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
                await self._grant(user.id, role, granted_by=None)
            if isinstance(organisation, int):
                await self._join(user.id, organisation, owner=False)
            await audit.record(
                "staff.invitation_accepted",
                actor=None,
                actor_label=check.email,
                subject_type="user",
                subject_id=user.id,
                details={"roles": [role.value for role in roles]},
            )
        return TokenCheck(valid=True, email=check.email, user_id=user.id)

    # --- people and roles (admins) ----------------------------------------------------------------

    async def list_users(self, query: str = "", limit: int = 50, offset: int = 0) -> tuple[list[UserSummary], int]:
        """People, newest first, optionally filtered by email or name."""
        select = User.objects()
        count = User.count()
        if query:
            condition = User.email.ilike(f"%{like_literal(query)}%") | User.display_name.ilike(
                f"%{like_literal(query)}%"
            )
            select = select.where(condition)
            count = count.where(condition)
        users = await select.order_by(User.id, ascending=False).limit(limit).offset(offset)
        return [await self._summary(user) for user in users], int(await count)

    async def user_summary(self, user_id: int) -> UserSummary | None:
        """One person, for the admin page or their own account page."""
        user = await User.objects().where(User.id == user_id).first()
        return await self._summary(user) if user else None

    async def _summary(self, user: User) -> UserSummary:
        organisations = await Membership.select(Membership.organisation.name).where(Membership.user == user.id)
        return UserSummary(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            roles=sorted(role.value for role in await _roles_of(user.id)),
            is_active=user.is_active,
            two_factor=user.totp_enabled_at is not None,
            created_at=user.created_at,
            last_sign_in_at=user.last_sign_in_at,
            organisations=[row["organisation.name"] for row in organisations],
        )

    async def set_roles(self, admin: CurrentUser, user_id: int, roles: set[Role], reason: str) -> bool:
        """Replace a person's roles; their sessions end so the change applies at once."""
        current = await _roles_of(user_id)
        added, removed = roles - current, current - roles
        if not added and not removed:
            return False
        async with write_transaction(self.engine):
            for role in added:
                await self._grant(user_id, role, granted_by=admin.id)
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
        """Delete a resident's account and everything linked to it (other domains register hooks)."""
        async with write_transaction(self.engine):
            for hook in ACCOUNT_DELETION_HOOKS:
                await hook(user.id, user.email)
            await EmailToken.delete().where(EmailToken.email == user.email)
            await User.delete().where(User.id == user.id)
            # The audit entry keeps no personal data: only that account number N was deleted by its owner.
            await audit.record("account.deleted", actor=None, actor_label="", subject_type="user", subject_id=user.id)

    # --- partner organisations ------------------------------------------------------------------

    async def apply_for_organisation(self, details: dict[str, str], locale: str, client: str) -> None:
        """Record an application and email the contact a link to confirm their address and set a password."""
        email = details["contact_email"]
        if not await self._count_link_request(email, client):
            return
        async with write_transaction(self.engine):
            organisation = Organisation(
                name=details["name"],
                kind=details["kind"],
                charity_number=details.get("charity_number", ""),
                company_number=details.get("company_number", ""),
                contact_name=details["contact_name"],
                contact_email=email,
                area_served=details.get("area_served", ""),
                status="unconfirmed",
            )
            await organisation.save()
            token = await self._issue_token(
                "org_confirm", email, None, INVITATION_LIFETIME, organisation=organisation.id
            )
            payload = self.renderer.render(
                "organisation_confirm",
                to=email,
                locale=locale,
                link=self._url(f"/partners/confirm/{token}"),
                organisation=organisation.name,
                days=7,
            )
            await enqueue(EMAIL, f"organisation-confirm:{token_digest(token)}", payload)
            await audit.record(
                "organisation.applied", actor=None, subject_type="organisation", subject_id=organisation.id
            )

    async def confirm_organisation(self, token: str, display_name: str, password: str) -> TokenCheck:
        """Spend the confirmation link: the applicant becomes the organisation's owner (a partner)."""
        check = await self._consume_token("org_confirm", token)
        organisation_id = check.payload.get("organisation")
        if not check.valid or not isinstance(organisation_id, int):
            return check
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == check.email).first()
            if user is None:
                user = User(email=check.email)
            user.display_name = display_name
            user.password_hash = hash_password(password)
            user.auth_version = (user.auth_version or 0) + 1
            await user.save()
            await self._grant(user.id, Role.PARTNER, granted_by=None)
            await self._join(user.id, organisation_id, owner=True)
            await Organisation.update({Organisation.status: "pending"}).where(
                (Organisation.id == organisation_id) & (Organisation.status == "unconfirmed")
            )
            await audit.record(
                "organisation.confirmed",
                actor=None,
                actor_label=check.email,
                subject_type="organisation",
                subject_id=organisation_id,
            )
        return TokenCheck(valid=True, email=check.email, user_id=user.id, payload=check.payload)

    async def organisations_for_review(self, status: str | None = None) -> list[OrganisationSummary]:
        """Organisations for officers, those waiting first."""
        query = Organisation.objects().order_by(Organisation.id, ascending=False)
        if status:
            query = query.where(Organisation.status == status)
        else:
            query = query.where(Organisation.status != "unconfirmed")
        return [await self._organisation_summary(row) for row in await query]

    async def organisation(self, organisation_id: int) -> OrganisationSummary | None:
        """One organisation with its members."""
        row = await Organisation.objects().where(Organisation.id == organisation_id).first()
        return await self._organisation_summary(row) if row else None

    async def organisation_history(self, organisation_id: int) -> list[audit.AuditRow]:
        """The organisation's application and the decisions on it, newest first (from the audit trail)."""
        return await audit.history("organisation", organisation_id, ORGANISATION_HISTORY)

    async def _organisation_summary(self, row: Organisation) -> OrganisationSummary:
        members = await Membership.select(
            Membership.user.email, Membership.user.display_name, Membership.is_owner
        ).where(Membership.organisation == row.id)
        return OrganisationSummary(
            id=row.id,
            name=row.name,
            kind=row.kind,
            charity_number=row.charity_number,
            company_number=row.company_number,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            area_served=row.area_served,
            status=row.status,
            trusted=row.trusted,
            decision_reason=row.decision_reason,
            created_at=row.created_at,
            members=[(m["user.email"], m["user.display_name"], m["is_owner"]) for m in members],
        )

    async def decide_organisation(
        self, officer: CurrentUser, organisation_id: int, decision: str, reason: str, locale: str
    ) -> bool:
        """Verify, reject (with a reason the applicant sees), trust or stop trusting an organisation."""
        row = await Organisation.objects().where(Organisation.id == organisation_id).first()
        if row is None or row.status == "unconfirmed":
            return False
        changes: dict[Any, Any] = {Organisation.decided_at: self.clock.now(), Organisation.decision_reason: reason}
        if decision == "verify":
            changes[Organisation.status] = "verified"
        elif decision == "reject":
            changes[Organisation.status] = "rejected"
            changes[Organisation.trusted] = False
        elif decision in {"trust", "untrust"}:
            if row.status != "verified":
                return False
            changes[Organisation.trusted] = decision == "trust"
        else:
            return False
        async with write_transaction(self.engine):
            await Organisation.update(changes).where(Organisation.id == organisation_id)
            await audit.record(
                f"organisation.{decision}",
                actor=officer,
                subject_type="organisation",
                subject_id=organisation_id,
                reason=reason,
            )
            if decision in {"verify", "reject"}:
                for hook in ORGANISATION_STANDING_HOOKS:
                    await hook(organisation_id)
            if decision in {"verify", "reject"} and row.contact_email:
                payload = self.renderer.render(
                    "organisation_decision",
                    to=row.contact_email,
                    locale=locale,
                    organisation=row.name,
                    verified=decision == "verify",
                    reason=reason,
                    link=self._url("/partner/organisation"),
                )
                stamp = int(self.clock.now().timestamp())
                await enqueue(EMAIL, f"organisation-decision:{organisation_id}:{decision}:{stamp}", payload)
        return True

    async def organisations_of(self, user: CurrentUser) -> list[OrganisationSummary]:
        """The organisations a partner belongs to."""
        rows = await Organisation.objects().where(Organisation.id.is_in(list(user.organisation_ids) or [0]))
        return [await self._organisation_summary(row) for row in rows]

    async def is_owner(self, user_id: int, organisation_id: int) -> bool:
        """True when the person owns the organisation (and may invite members)."""
        return bool(
            await Membership.exists().where(
                (Membership.user == user_id)
                & (Membership.organisation == organisation_id)
                & (Membership.is_owner == True)  # noqa: E712
            )
        )

    async def invite_member(self, owner: CurrentUser, organisation_id: int, email: str, locale: str) -> bool:
        """The owner invites a colleague as a partner of the same organisation."""
        if not await self.is_owner(owner.id, organisation_id):
            return False
        await self.invite_staff(owner, email, [Role.PARTNER], organisation_id, locale)
        return True

    # --- set-up (CLI, demo) -----------------------------------------------------------------------

    async def ensure_staff(self, email: str, display_name: str, password: str, roles: list[Role]) -> int:
        """Create a staff account with a password (idempotent: an existing account is left as it is)."""
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == email).first()
            if user is None:
                user = User(email=email, display_name=display_name, password_hash=hash_password(password))
                await user.save()
                for role in roles:
                    await self._grant(user.id, role, granted_by=None)
                await audit.record(
                    "user.created", actor=None, actor_label="system", subject_type="user", subject_id=user.id
                )
        return int(user.id)

    async def ensure_organisation(self, name: str, *, kind: str, trusted: bool, contact_email: str, area: str) -> int:
        """Create a verified organisation by name (idempotent)."""
        row = await Organisation.select(Organisation.id).where(Organisation.name == name).first()
        if row:
            return int(row["id"])
        organisation = Organisation(
            name=name, kind=kind, trusted=trusted, status="verified", contact_email=contact_email, area_served=area
        )
        await organisation.save()
        return int(organisation.id)

    async def add_member(self, user_id: int, organisation_id: int, *, owner: bool) -> None:
        """Make someone a member (or the owner) of an organisation (idempotent)."""
        await self._join(user_id, organisation_id, owner=owner)

    async def _grant(self, user_id: int, role: Role, granted_by: int | None) -> None:
        await RoleGrant.insert(
            RoleGrant(user=user_id, role=role.value, grant_key=f"{user_id}:{role.value}", granted_by=granted_by)
        ).on_conflict(target=RoleGrant.grant_key, action="DO NOTHING")

    async def _join(self, user_id: int, organisation_id: int, *, owner: bool) -> None:
        await Membership.insert(
            Membership(
                user=user_id,
                organisation=organisation_id,
                is_owner=owner,
                membership_key=f"{user_id}:{organisation_id}",
            )
        ).on_conflict(target=Membership.membership_key, action="DO NOTHING")

    async def organisations(self) -> list[tuple[int, str]]:
        """Verified organisations, for the invitation form."""
        rows = await Organisation.select(Organisation.id, Organisation.name).order_by(Organisation.name)
        return [(row["id"], row["name"]) for row in rows]


async def organisation_names(ids: set[int] | list[int]) -> dict[int, str]:
    """Names of organisations by id (for event pages and listings)."""
    if not ids:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.name).where(Organisation.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


async def organisation_standing(organisation_id: int) -> tuple[str, bool] | None:
    """An organisation's status ("verified", …) and whether it is trusted to publish at once."""
    row = (
        await Organisation.select(Organisation.status, Organisation.trusted)
        .where(Organisation.id == organisation_id)
        .first()
    )
    return (row["status"], bool(row["trusted"])) if row else None


# What an organisation's history shows officers: how it came in, and every decision on it.
ORGANISATION_HISTORY = (
    "organisation.applied",
    "organisation.confirmed",
    "organisation.verify",
    "organisation.reject",
    "organisation.trust",
    "organisation.untrust",
)


async def verified_organisation_ids(among: Iterable[int] | None = None) -> list[int]:
    """Organisations whose events may be public: all of them, or those of `among` (one indexed lookup)."""
    query = Organisation.select(Organisation.id).where(Organisation.status == "verified")
    if among is not None:
        wanted = sorted(set(among))
        if not wanted:
            return []
        query = query.where(Organisation.id.is_in(wanted))
    return [row["id"] for row in await query]


async def purge_spent_links(before: datetime) -> int:
    """Delete one-time links that expired, or were used, before this time; returns how many."""
    rows = (
        await EmailToken.delete()
        .where((EmailToken.expires_at < before) | (EmailToken.used_at < before))
        .returning(EmailToken.id)
    )
    return len(rows)


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
