"""Signing in: password and two-factor for staff, emailed sign-in links for residents, password resets.

Every answer to a sign-in, link or reset request reads the same whether or not the account exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.credentials import (
    TotpVault,
    hash_password,
    new_recovery_codes,
    normalise_recovery_code,
    token_digest,
    verify_password,
)
from backend.accounts.links import (
    ACCOUNT_ATTEMPTS,
    CLIENT_ATTEMPTS,
    CODE_ATTEMPTS,
    RESET_LINK_LIFETIME,
    SIGN_IN_LINK_LIFETIME,
    THROTTLE_WINDOW,
    EmailLinks,
)
from backend.accounts.people import grant_role, roles_of
from backend.accounts.schemas import (
    Enrolment,
    SignInResult,
    SignInStep,
    TokenCheck,
)
from backend.accounts.tables import RecoveryCode, User
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.core.roles import STAFF_ROLES, TWO_FACTOR_ROLES, Role, primary_role
from backend.core.throttle import Throttle
from backend.settings import Settings


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


PENDING_LIFETIME = 10 * 60  # seconds to finish the second step of signing in
# What a half-finished sign-in keeps in the session (never a signed-in session: the user id is under its own key).
PENDING_USER = "pending_user_id"
PENDING_VERSION = "pending_version"
PENDING_AT = "pending_at"
PENDING_STEP = "pending_step"
ENROL_SECRET = "enrol_secret"  # noqa: S105 - a session key name, not a secret
SECOND_STEPS = frozenset({SignInStep.NEEDS_CODE, SignInStep.NEEDS_ENROLMENT})


@dataclass(frozen=True)
class PendingSignIn:
    """Someone who gave the right password and still has a second step to do: a code, or enrolling an app.

    It lives in their session; the step is part of it, so someone with only the password cannot choose to
    enrol a new authenticator instead of giving a code. It lasts PENDING_LIFETIME seconds.
    """

    user_id: int
    auth_version: int
    step: SignInStep
    started_at: float

    @property
    def page(self) -> str:
        """Where the next step is done."""
        return "/sign-in/two-factor" if self.step is SignInStep.NEEDS_CODE else "/sign-in/set-up-two-factor"

    def as_session(self) -> dict[str, Any]:
        """The session values that remember this step."""
        return {
            PENDING_USER: self.user_id,
            PENDING_VERSION: self.auth_version,
            PENDING_AT: self.started_at,
            PENDING_STEP: self.step.value,
        }


class SignInService:
    """Signing in: password and two-factor for staff (enrolment, recovery codes), emailed links for residents."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        throttle: Throttle,
        renderer: EmailRenderer,
        *,
        links: EmailLinks,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.throttle = throttle
        self.renderer = renderer
        self.links = links
        self.vault = TotpVault(settings.secret_key)

    def begin_second_step(self, result: SignInResult) -> PendingSignIn:
        """After a right password, the second step this person must take (a code, or enrolling an app)."""
        if result.step not in SECOND_STEPS or result.user_id is None:
            raise ValueError(f"no second step after {result.step}")
        return PendingSignIn(result.user_id, result.auth_version, result.step, self.clock.now().timestamp())

    def pending(self, session: Mapping[str, Any], step: SignInStep) -> PendingSignIn | None:
        """The sign-in this session has half finished, if this is its step and it has not timed out."""
        if not session.get(PENDING_USER) or session.get(PENDING_STEP) != step.value:
            return None
        started = float(session.get(PENDING_AT, 0))
        if self.clock.now().timestamp() - started > PENDING_LIFETIME:
            return None
        return PendingSignIn(int(session[PENDING_USER]), int(session.get(PENDING_VERSION, 0)), step, started)

    async def finish_with_code(self, pending: PendingSignIn, code: str) -> tuple[CodeCheck, SignedIn | None]:
        """The second step: a code from the app (or a recovery code); signed in when it is accepted."""
        outcome = await self.check_second_factor(pending.user_id, code)
        if outcome is not CodeCheck.ACCEPTED:
            return outcome, None
        return outcome, await self.signed_in(pending.user_id)

    async def finish_enrolment(
        self, pending: PendingSignIn, sealed_secret: str, code: str
    ) -> tuple[list[str], SignedIn] | None:
        """The second step for someone without an app yet: one right code confirms it; the recovery codes
        (shown once) and the session to start. None when the code is not right."""
        codes = await self.complete_enrolment(pending.user_id, sealed_secret, code)
        if codes is None:
            return None
        return codes, await self.signed_in(pending.user_id)

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
        roles = await roles_of(user.id)
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
            roles = await roles_of(user_id)
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
        roles = await roles_of(user_id)
        return SignedIn(
            user_id=user_id, auth_version=user["auth_version"] if user else 0, is_staff=bool(roles & STAFF_ROLES)
        )

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

    async def request_sign_in_link(self, email: str, locale: str, client: str) -> None:
        """Email a one-time sign-in link (residents); staff are reminded to use their password instead."""
        if not await self.links.count_link_request(email, client):
            return
        user = await User.objects().where(User.email == email).first()
        if user is not None and not user.is_active:
            return
        now = self.clock.now()
        async with write_transaction(self.engine):
            if user is not None and user.password_hash:
                payload = self.renderer.render(
                    "staff_use_password", to=email, locale=locale, sign_in_url=self.links.url("/sign-in")
                )
                await enqueue(EMAIL, f"staff-link:{email}:{int(now.timestamp()) // THROTTLE_WINDOW}", payload)
                return
            token = await self.links.issue("sign_in", email, user.id if user else None, SIGN_IN_LINK_LIFETIME)
            payload = self.renderer.render(
                "sign_in_link", to=email, locale=locale, link=self.links.url(f"/sign-in/link/{token}"), minutes=15
            )
            await enqueue(EMAIL, f"sign-in-link:{token_digest(token)}", payload)

    async def use_sign_in_link(self, token: str, locale: str) -> TokenCheck:
        """Spend a sign-in link (once, within 15 minutes); create the resident's account on first use."""
        check = await self.links.consume("sign_in", token)
        if not check.valid:
            return check
        async with write_transaction(self.engine):
            user = await User.objects().where(User.email == check.email).first()
            if user is None:
                user = User(email=check.email, locale=locale)
                await user.save()
                await audit.record("account.created", actor=None, subject_type="user", subject_id=user.id)
            await grant_role(user.id, Role.RESIDENT, granted_by=None)
        if user.password_hash:  # staff never sign in by link
            return TokenCheck(valid=False, problem=N_("This link cannot be used to sign in to a staff account"))
        await self._record_sign_in(user.id, "email_link")
        return TokenCheck(valid=True, email=user.email, user_id=user.id)

    async def request_password_reset(self, email: str, locale: str, client: str) -> None:
        """Email a reset link if a staff account with a password exists; otherwise send nothing."""
        if not await self.links.count_link_request(email, client):
            return
        user = await User.objects().where(User.email == email).first()
        if user is None or not user.is_active or not user.password_hash:
            return
        async with write_transaction(self.engine):
            token = await self.links.issue("reset", email, user.id, RESET_LINK_LIFETIME)
            payload = self.renderer.render(
                "password_reset", to=email, locale=locale, link=self.links.url(f"/password/reset/{token}"), minutes=60
            )
            await enqueue(EMAIL, f"password-reset:{token_digest(token)}", payload)

    async def reset_password(self, token: str, password: str) -> TokenCheck:
        """Spend a reset link and set the new password; every other session of that person ends."""
        check = await self.links.consume("reset", token)
        if not check.valid or check.user_id is None:
            return check
        async with write_transaction(self.engine):
            await User.update(
                {User.password_hash: hash_password(password), User.auth_version: User.auth_version + 1}
            ).where(User.id == check.user_id)
            await audit.record("auth.password_reset", actor=None, subject_type="user", subject_id=check.user_id)
        return check
