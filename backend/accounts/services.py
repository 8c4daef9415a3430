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
from backend.accounts.people import PeopleService, known_roles, person_rows
from backend.accounts.sign_in import SignInService
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.core.throttle import Throttle
from backend.settings import Settings


async def load_current_user(user_id: int, auth_version: int) -> CurrentUser | None:
    """The signed-in user for a session, or None when the account is gone, disabled or signed out everywhere.

    Asked on every signed-in request: one statement (`person_rows`) rather than three built by the ORM, whose
    query building cost more than the queries."""
    rows = (await person_rows([user_id])).get(user_id, [])
    if not rows or not rows[0]["is_active"] or rows[0]["auth_version"] != auth_version:
        return None
    user = rows[0]
    return CurrentUser(
        id=user["id"],
        email=user["email"],
        display_name=user["display_name"],
        roles=known_roles(row["role"] for row in rows),
        locale=user["locale"],
        organisation_ids=frozenset(row["organisation"] for row in rows if row["organisation"] is not None),
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
