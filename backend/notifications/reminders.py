"""Reminders for booked event dates, 24 hours before each, by push or by email.

A sweep runs every few minutes (an outbox job that books the next one, key `push_reminders:<slot>`). It finds
every confirmed booking on a scheduled date of a published event starting within the next 24 hours, made more
than 24 hours before that start (a later booking has just had its confirmation), and queues one reminder per
booking and start time (key `reminder:booking:<id>:<start>`), so:

- once each: the key is queued once, however many sweeps or workers see it;
- never for a cancelled booking or date: the sweep reads only what stands when the reminder falls due;
- moved with the date: a moved date has a new start, so its reminder falls due 24 hours before the new time.

By push when the person's device asked for reminders (the device was signed in to the booking's account when
it subscribed or changed its settings), by email otherwise.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.upcoming import StandingBooking, confirmed_bookings
from backend.core import outbox
from backend.core.clock import SettableClock
from backend.core.db import write_transaction
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.templating import build_environment
from backend.events.capacity import CapacityService, OccurrenceForBooking
from backend.events.upcoming import occurrences_starting
from backend.notifications import topics
from backend.notifications.push import Audience, queue_push
from backend.notifications.tables import PushDelivery, PushSubscription
from backend.settings import Settings

SWEEP = "push_reminders"
SWEEP_MINUTES = 5
AHEAD = timedelta(hours=24)
DELIVERY_RETENTION = timedelta(days=30)


@functools.cache
def _renderer(settings: Settings) -> EmailRenderer:
    return EmailRenderer(build_environment(settings), load_translations(), settings)


def _engine() -> Engine[Any]:
    engine: Engine[Any] = PushSubscription._meta.db
    return engine


def reminder_key(booking_id: int, starts_at: datetime) -> str:
    """Once per booking and start time."""
    return f"reminder:booking:{booking_id}:{starts_at.astimezone(UTC).isoformat()}"


async def schedule_next(after: datetime) -> bool:
    """Book the sweep of the next five-minute slot (no-op if it is already booked)."""
    moment = after.astimezone(UTC)
    slot = moment.replace(second=0, microsecond=0) + timedelta(minutes=SWEEP_MINUTES - moment.minute % SWEEP_MINUTES)
    return await outbox.enqueue(SWEEP, f"{SWEEP}:{slot.isoformat()}", {}, due_at=slot)


async def _reminded_by_push(user_ids: set[int]) -> set[int]:
    """The people with at least one device that asked for reminders."""
    if not user_ids:
        return set()
    rows = await PushSubscription.select(PushSubscription.user_id).where(
        PushSubscription.user_id.is_in(sorted(user_ids)) & PushSubscription.topics.like(f"%,{topics.REMINDERS},%")
    )
    return {row["user_id"] for row in rows}


async def sweep(settings: Settings, now: datetime) -> int:
    """Queue every reminder now due; returns how many were queued. Books the next sweep."""
    queued = 0
    async with write_transaction(_engine()):
        occurrence_ids = await occurrences_starting(now, now + AHEAD)
        bookings = await confirmed_bookings(occurrence_ids)
        by_push = await _reminded_by_push({b.user_id for b in bookings if b.user_id is not None})
        capacity = CapacityService(SettableClock(now))  # the sweep's own "now", as the worker's clock gave it
        details: dict[str, dict[int, OccurrenceForBooking]] = {}
        for booking in bookings:
            if booking.locale not in details:
                details[booking.locale] = await capacity.occurrences_for_booking(occurrence_ids, booking.locale)
            occurrence = details[booking.locale].get(booking.occurrence_id)
            if occurrence is None or booking.created_at > occurrence.starts_at - AHEAD:
                continue
            key = reminder_key(booking.booking_id, occurrence.starts_at)
            if booking.user_id in by_push:
                added = await _push_reminder(booking, occurrence, key)
            else:
                added = await _email_reminder(settings, booking, occurrence, key)
            queued += int(added)
        await schedule_next(now)
    return queued


async def _push_reminder(booking: StandingBooking, occurrence: OccurrenceForBooking, key: str) -> bool:
    assert booking.user_id is not None
    return await queue_push(
        Audience(topic=topics.REMINDERS, user_ids=(booking.user_id,)),
        "booking_reminder",
        {"title": occurrence.title, "when": {"when": occurrence.starts_at.isoformat()}},
        url=f"/events/{occurrence.event_id}/{occurrence.occurrence_id}",
        dedupe_key=key,
    )


async def _email_reminder(
    settings: Settings, booking: StandingBooking, occurrence: OccurrenceForBooking, key: str
) -> bool:
    payload = _renderer(settings).render(
        "booking_reminder",
        to=booking.email,
        locale=booking.locale,
        recipient_name=booking.name,
        places=booking.places,
        title=occurrence.title,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        event_url=f"{settings.base_url}/events/{occurrence.event_id}/{occurrence.occurrence_id}",
    )
    return await outbox.enqueue(outbox.EMAIL, key, dict(payload))


async def purge_deliveries(now: datetime) -> None:
    """The daily cleanup: delivery records older than 30 days go."""
    await PushDelivery.delete().where(PushDelivery.at < now - DELIVERY_RETENTION)
