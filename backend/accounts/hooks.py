"""What other domains do when something happens to an account or an organisation.

The accounts domain knows nothing of bookings or events: `backend/wiring.py` builds one `AccountHooks`
from the other domains' functions and passes it to every `AccountsService` (web app, worker, CLI), so
what runs never depends on which modules a process happened to import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# `hook(user_id, email)`, inside the deletion's write transaction: delete what belongs to the person.
AccountDeletedHook = Callable[[int, str], Awaitable[None]]
# `hook(organisation_id)`, inside the decision's write transaction, after a verification or rejection.
OrganisationStandingHook = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class AccountHooks:
    """The other domains' reactions to accounts events, in the order they run."""

    account_deleted: tuple[AccountDeletedHook, ...] = ()
    organisation_standing_changed: tuple[OrganisationStandingHook, ...] = ()
