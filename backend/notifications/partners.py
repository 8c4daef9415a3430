"""Partners' pushes: a booking made or cancelled on their organisation's events, and officers' decisions on them.

Called by the bookings and events services inside the transaction that makes the change (one line each); the
devices reached are those of the organisation's members that chose the topic (see `topics`).
"""

from __future__ import annotations

from typing import Protocol

from backend.notifications import topics
from backend.notifications.push import Audience, queue_push

DECISION_MESSAGES = {
    "approved": "partner_event_approved",
    "change_approved": "partner_event_approved",
    "rejected": "partner_event_rejected",
    "change_rejected": "partner_event_rejected",
}


class BookedDate(Protocol):
    """What these pushes need of a date (events' OccurrenceForBooking has it)."""

    @property
    def organisation_id(self) -> int:
        """The organisation that runs the event."""
        ...

    @property
    def event_id(self) -> int:
        """The event."""
        ...

    @property
    def title(self) -> str:
        """The event's title."""
        ...


async def booking_made(occurrence: BookedDate, booking_id: int, places: int) -> bool:
    """Tell the organisation's partners that places were booked."""
    return await queue_push(
        Audience(topic=topics.PARTNER_BOOKINGS, organisation_id=occurrence.organisation_id),
        "partner_booking",
        {"title": occurrence.title, "places": places},
        url=f"/partner/events/{occurrence.event_id}",
        dedupe_key=f"partner-booking:{booking_id}",
    )


async def booking_cancelled(occurrence: BookedDate, booking_id: int, places: int) -> bool:
    """Tell the organisation's partners that a booking was cancelled."""
    return await queue_push(
        Audience(topic=topics.PARTNER_CANCELLATIONS, organisation_id=occurrence.organisation_id),
        "partner_cancellation",
        {"title": occurrence.title, "places": places},
        url=f"/partner/events/{occurrence.event_id}",
        dedupe_key=f"partner-cancellation:{booking_id}",
    )


async def event_decided(organisation_id: int, event_id: int, title: str, decision: str, decision_id: int) -> bool:
    """Tell the organisation's partners an officer approved or turned down an event (or a change to one)."""
    message = DECISION_MESSAGES.get(decision)
    if message is None:
        return False
    return await queue_push(
        Audience(topic=topics.PARTNER_APPROVALS, organisation_id=organisation_id),
        message,
        {"title": title},
        url=f"/partner/events/{event_id}",
        dedupe_key=f"partner-decision:{decision_id}",
    )
