"""Emailed one-time links: how they are issued, throttled per address, checked and used once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.credentials import (
    new_token,
    token_digest,
)
from backend.accounts.schemas import (
    TokenCheck,
)
from backend.accounts.tables import EmailToken
from backend.core.clock import Clock
from backend.core.db import json_object, write_transaction
from backend.core.i18n import N_
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


class EmailLinks:
    """One-time links sent by email (sign-in, reset, invitation, confirmation): issued, checked, used once."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        throttle: Throttle,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.throttle = throttle

    async def link_requests_exhausted(self, email: str, client: str) -> int | None:
        """Seconds to wait when this client has asked for too many links (per-email floods are dropped quietly)."""
        return await self.throttle.retry_after(f"links:client:{client}", CLIENT_ATTEMPTS)

    async def count_link_request(self, email: str, client: str) -> bool:
        """Count a request; False when this address has had enough emails for now."""
        await self.throttle.hit(f"links:client:{client}", THROTTLE_WINDOW)
        email_key = f"links:email:{email}"
        if await self.throttle.retry_after(email_key, LINK_REQUESTS_PER_EMAIL) is not None:
            return False
        await self.throttle.hit(email_key, THROTTLE_WINDOW)
        return True

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

    async def issue(self, purpose: str, email: str, user_id: int | None, lifetime: timedelta, **payload: Any) -> str:
        """Store a new link's digest (inside the caller's transaction); returns the token to email."""
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

    async def consume(self, purpose: str, token: str) -> TokenCheck:
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

    def url(self, path: str) -> str:
        """An absolute link to a path of the site."""
        return f"{self.settings.base_url}{path}"


async def purge_spent_links(before: datetime) -> int:
    """Delete one-time links that expired, or were used, before this time; returns how many."""
    rows = (
        await EmailToken.delete()
        .where((EmailToken.expires_at < before) | (EmailToken.used_at < before))
        .returning(EmailToken.id)
    )
    return len(rows)
