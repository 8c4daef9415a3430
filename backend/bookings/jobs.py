"""Outbox job handlers of the bookings domain (listed in `backend/wiring.py`).

- `bookings.offer_expiry` (due at an offer's expiry, key `waitlist-expiry:<token digest>`): an offer not
  accepted in time passes its places to the next person waiting.
- `bookings.feedback_invite` (due two hours after the occurrence ends, key `feedback-invite:<token digest>`):
  if the booking still stands and the occurrence took place, queue the (pre-rendered) invitation email.
- `bookings.offer_places` (places freed outside a request, e.g. an account deleted): offer them on.

Every handler is idempotent: each checks the state it acts on inside its own transaction.
"""

from __future__ import annotations

import functools
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.services import BookingsService
from backend.bookings.tables import Booking
from backend.bookings.tokens import FEEDBACK_INVITE, OFFER_EXPIRY, OFFER_PLACES
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, ClaimedJob, enqueue
from backend.core.templating import build_environment
from backend.notifications.delivery import CleanupHook, Handler, JobContext, PermanentJobError
from backend.settings import Settings


@functools.cache
def _renderer(settings: Settings) -> EmailRenderer:
    """The worker's email renderer (the same templates and catalogues as the web app's)."""
    return EmailRenderer(build_environment(settings), load_translations(), settings)


def service_for(settings: Settings, clock: Clock) -> BookingsService:
    """A bookings service for a job, on the engine the tables are bound to."""
    engine: Engine[Any] = Booking._meta.db
    return BookingsService(settings, clock, engine, _renderer(settings))


def _id(job: ClaimedJob, name: str) -> int:
    value = job.payload.get(name)
    if not isinstance(value, int) or value < 1:
        raise PermanentJobError(f"{job.kind} job without a valid {name}")
    return value


async def expire_offer(job: ClaimedJob, context: JobContext) -> None:
    """Pass an expired offer's places on (nothing to do when it was accepted or declined)."""
    await service_for(context.settings, context.clock).waitlist.expire_offer(_id(job, "entry_id"))


async def invite_feedback(job: ClaimedJob, context: JobContext) -> None:
    """Queue the feedback invitation, unless the booking was cancelled or the occurrence did not happen."""
    booking_id = _id(job, "booking_id")
    email = job.payload.get("email")
    if not isinstance(email, dict):
        raise PermanentJobError("feedback invitation job without its email")
    service = service_for(context.settings, context.clock)
    if not await service.feedback.feedback_due(booking_id):
        return
    async with write_transaction(service.engine):
        await enqueue(EMAIL, f"feedback-email:{booking_id}", email)


async def offer_places(job: ClaimedJob, context: JobContext) -> None:
    """Offer an occurrence's free places to its waitlist."""
    await service_for(context.settings, context.clock).waitlist.offer_places_job(_id(job, "occurrence_id"))


JOB_HANDLERS: dict[str, Handler] = {
    OFFER_EXPIRY: expire_offer,
    FEEDBACK_INVITE: invite_feedback,
    OFFER_PLACES: offer_places,
}
CLEANUPS: dict[str, CleanupHook] = {}
