"""Routes of the accounts domain, gathered for `backend/app.py`, and the accounts service each request gets.

- `sign_in_controllers.py`: signing in (password and two-factor for staff), emailed links, invitations;
- `people_controllers.py`: one's own account page, and the admin's people pages (roles, disabling);
- `organisation_controllers.py`: applying as a partner organisation, its members, officers' decisions;
- `web.py`: session steps and helpers the pages share.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from backend.accounts.organisation_controllers import (
    OfficerOrganisationPages,
    PartnerApplicationPages,
    PartnerOrganisationPages,
)
from backend.accounts.people_controllers import AccountPages, AdminPeoplePages, AuditPages
from backend.accounts.services import AccountsService
from backend.accounts.sign_in_controllers import LinkPages, SignInPages


def provide_accounts(state: State, request: Request[Any, Any, Any]) -> AccountsService:
    """The accounts service for this request."""
    clock = state["clock"]
    throttle = state["throttle"]  # one per app: its counters and lock are shared by every request
    hooks = state["wiring"].account_hooks
    return AccountsService(state["settings"], clock, state["engine"], throttle, state["email_renderer"], hooks=hooks)


ROUTE_HANDLERS: list[Any] = [
    SignInPages,
    LinkPages,
    AccountPages,
    AdminPeoplePages,
    AuditPages,
    PartnerApplicationPages,
    PartnerOrganisationPages,
    OfficerOrganisationPages,
]


DEPENDENCIES: dict[str, Provide] = {"accounts": Provide(provide_accounts, sync_to_thread=False)}
