"""Where the domains meet: every background job, daily cleanup and cross-domain reaction, listed by hand.

Nothing in the project registers itself on import. `create_app` and the worker (and the CLI commands that
act on accounts) call these functions, so the same reactions run in every process whatever it imported:

- `JOB_MODULES`: each `backend/<domain>/jobs.py`, exporting `JOB_HANDLERS` (outbox kind -> `Handler`) and
  `CLEANUPS` (name -> `CleanupHook`, run by the daily purge), and optionally `BATCH_JOB_HANDLERS` (kinds run
  together, concurrently: web push). A new domain with background work adds its module here.
- `account_hooks(clock)`: what the other domains do when an account is deleted (bookings: release and delete the
  person's places; push: unlink their devices, drop staff topics; engagement: unlink answers, stop following) or
  an organisation is verified or rejected (events: its dates enter or leave the search).
- `bookings_for_events(...)`: the bookings service that the events domain calls when a date is cancelled or
  moved, or a partner reads or messages who is coming. Events defines the port; bookings implements it;
  only this module knows both, so the dependency stays one-directional (bookings -> events).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts import jobs as accounts_jobs
from backend.accounts.hooks import AccountHooks
from backend.bookings import jobs as bookings_jobs
from backend.bookings.people import PersonalBookings
from backend.bookings.services import BookingsService
from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.engagement import people as engagement_people
from backend.events import jobs as events_jobs
from backend.events import listing
from backend.events.ports import BookingsPort
from backend.exchanges import jobs as exchanges_jobs
from backend.notifications import jobs as notifications_jobs
from backend.notifications import subscriptions as push_subscriptions
from backend.notifications.delivery import BatchHandler, CleanupHook, Handler, core_handlers
from backend.reports import jobs as reports_jobs
from backend.settings import Settings

JOB_MODULES: tuple[ModuleType, ...] = (
    accounts_jobs,
    events_jobs,
    bookings_jobs,
    notifications_jobs,
    reports_jobs,
    exchanges_jobs,
)


def cleanups() -> dict[str, CleanupHook]:
    """Every domain's daily cleanup, by name (a name declared twice is a mistake, so it fails loudly)."""
    found: dict[str, CleanupHook] = {}
    for module in JOB_MODULES:
        for name, hook in module.CLEANUPS.items():
            if name in found:
                raise ValueError(f"cleanup {name!r} is declared twice ({module.__name__})")
            found[name] = hook
    return found


def job_handlers() -> dict[str, Handler]:
    """Every outbox job kind the worker runs: emails, the daily purge (with `cleanups()`), each domain's."""
    handlers = core_handlers(cleanups())
    for module in JOB_MODULES:
        for kind, handler in module.JOB_HANDLERS.items():
            if kind in handlers:
                raise ValueError(f"job kind {kind!r} is declared twice ({module.__name__})")
            handlers[kind] = handler
    return handlers


def batch_job_handlers() -> dict[str, BatchHandler]:
    """The kinds whose jobs the worker runs together, concurrently (web push): from `BATCH_JOB_HANDLERS`."""
    handlers: dict[str, BatchHandler] = {}
    for module in JOB_MODULES:
        for kind, handler in getattr(module, "BATCH_JOB_HANDLERS", {}).items():
            if kind in handlers:
                raise ValueError(f"batch job kind {kind!r} is declared twice ({module.__name__})")
            handlers[kind] = handler
    return handlers


def account_hooks(clock: Clock) -> AccountHooks:
    """The other domains' reactions to an account deleted or an organisation's standing changed."""
    return AccountHooks(
        account_deleted=(
            PersonalBookings(clock).delete_user_bookings,
            push_subscriptions.forget_user,
            engagement_people.forget_person,
        ),
        organisation_standing_changed=(listing.refresh_organisation,),
    )


def bookings_for_events(settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> BookingsPort:
    """The bookings domain's side of the events domain's `BookingsPort`."""
    return BookingsService(settings, clock, engine, renderer).occurrences


@dataclass(frozen=True)
class Wiring:
    """The cross-domain collaborators of one web app (kept in its state as `state["wiring"]`)."""

    account_hooks: AccountHooks
    bookings_for_events: BookingsPort


def wire(settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> Wiring:
    """Build the web app's cross-domain collaborators."""
    return Wiring(
        account_hooks=account_hooks(clock),
        bookings_for_events=bookings_for_events(settings, clock, engine, renderer),
    )
