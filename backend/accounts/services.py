"""The accounts domain's services, one per intent, built together from one set of collaborators.

- `sign_in.py`       — password and two-factor sign-in for staff, emailed sign-in links, password resets;
- `links.py`         — one-time links sent by email (issued, throttled, checked, used once);
- `people.py`        — staff invitations, the admin's people pages, signing out everywhere, deleting an account;
- `organisations.py` — partner organisations and officers' decisions; names and standing for other domains;
- `hooks.py`         — what the other domains do when an account is deleted or an organisation's standing changes
  (built in `backend/wiring.py`).

Controllers take one `AccountsService` and call the intent they need: `accounts.sign_in.sign_in_with_password(...)`.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.hooks import AccountHooks
from backend.accounts.links import EmailLinks
from backend.accounts.organisations import OrganisationsService
from backend.accounts.people import PeopleService, roles_of
from backend.accounts.sign_in import SignInService
from backend.accounts.tables import Membership, User
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.core.throttle import Throttle
from backend.settings import Settings


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
        roles=await roles_of(user_id),
        locale=user["locale"],
        organisation_ids=frozenset(row["organisation"] for row in organisations),
    )


class AccountsService:
    """The accounts domain's services (sign-in, links, people, organisations), sharing collaborators."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        throttle: Throttle,
        renderer: EmailRenderer,
        *,
        hooks: AccountHooks,
    ) -> None:
        self.engine = engine
        self.links = EmailLinks(settings, clock, engine, throttle)
        self.sign_in = SignInService(settings, clock, engine, throttle, renderer, links=self.links)
        self.people = PeopleService(settings, clock, engine, renderer, links=self.links, hooks=hooks)
        self.organisations = OrganisationsService(
            settings, clock, engine, renderer, links=self.links, people=self.people, hooks=hooks
        )
