"""Partner messages and changes of date: the bookings of one date, as the events domain sees them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.booking import BookingService
from backend.bookings.ics import ics_attachment
from backend.bookings.offers import Offers
from backend.bookings.schemas import (
    Attendee,
)
from backend.bookings.tables import Booking, WaitlistEntry
from backend.bookings.tokens import CANCELLED, CONFIRMED, OFFERED, OPEN_ENTRY, WAITING, digest
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import placeholders, raw_rows
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events.capacity import CapacityService
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")


# Hand-written (every partner's dashboard asks it): building the ORM's grouped query cost more than running it.
_BOOKED_SQL = (
    "SELECT occurrence_id, SUM(places) AS booked FROM booking WHERE status = {{}} AND occurrence_id IN ({}) "
    "GROUP BY occurrence_id"
)


class OccurrenceBookings:
    """The bookings of one date, for the events domain (its `BookingsPort`): who is coming, a partner's
    message to them, and telling them when the date is cancelled or moved."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        capacity: CapacityService,
        booking: BookingService,
        offers: Offers,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = capacity
        self.booking = booking
        self.offers = offers

    async def attendees(self, occurrence_id: int) -> list[Attendee]:
        """Confirmed bookings for an occurrence, in booking order, with access needs."""
        rows = (
            await Booking.select(
                Booking.id, Booking.name, Booking.email, Booking.places, Booking.access_needs, Booking.created_at
            )
            .where((Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED))
            .order_by(Booking.id)
        )
        return [
            Attendee(
                booking_id=row["id"],
                name=row["name"],
                email=row["email"],
                places=row["places"],
                access_needs=row["access_needs"],
                booked_at=row["created_at"],
            )
            for row in rows
        ]

    async def counts(self, occurrence_ids: list[int]) -> dict[int, int]:
        """Places booked (confirmed) per occurrence; occurrences with none are left out."""
        if not occurrence_ids:
            return {}
        ids = sorted(set(occurrence_ids))
        rows = await raw_rows(Booking._meta.db, _BOOKED_SQL.format(placeholders(len(ids))), CONFIRMED, *ids)
        return {row["occurrence_id"]: int(row["booked"] or 0) for row in rows}

    async def message_attendees(self, occurrence_id: int, subject: str, body: str, sender: CurrentUser | None) -> int:
        """Email everyone booked on an occurrence (through the outbox). Returns how many were sent a message.

        Call inside the caller's write transaction (with its audit entry).
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id)
        if occurrence is None:
            return 0
        stamp = int(self.clock.now().timestamp())
        fingerprint = digest(f"{subject}\n{body}")[:16]
        rows = await Booking.select(Booking.id, Booking.email, Booking.name, Booking.locale).where(
            (Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED)
        )
        for row in rows:
            local = await self.capacity.occurrence_for_booking(occurrence_id, row["locale"]) or occurrence
            payload = self.renderer.render(
                "booking_message",
                to=row["email"],
                locale=row["locale"],
                recipient_name=row["name"],
                title=local.title,
                starts_at=local.starts_at,
                message_subject=subject,
                message_body=body,
                sender_name=sender.display_name if sender else "",
            )
            await enqueue(EMAIL, f"attendee-message:{row['id']}:{fingerprint}:{stamp}", payload)
        return len(rows)

    async def occurrence_cancelled(self, occurrence_id: int, reason: str) -> int:
        """The occurrence was cancelled: cancel its bookings and waitlist and tell everyone booked.

        Call inside the events domain's write transaction that cancels the occurrence. Returns how many bookings.
        """
        now = self.clock.now()
        rows = await (
            Booking.update({Booking.status: CANCELLED, Booking.active_key: None, Booking.cancelled_at: now})
            .where((Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED))
            .returning(Booking.id, Booking.email, Booking.name, Booking.locale, Booking.places)
        )
        await WaitlistEntry.update({WaitlistEntry.status: CANCELLED, WaitlistEntry.active_key: None}).where(
            (WaitlistEntry.occurrence_id == occurrence_id) & WaitlistEntry.status.is_in([WAITING, OFFERED])
        )
        await self._tell_booked(
            occurrence_id, rows, "booking_occurrence_cancelled", f"occurrence-cancelled:{occurrence_id}", reason=reason
        )
        return len(rows)

    async def occurrence_moved(self, occurrence_id: int, was_starts_at: datetime, was_ends_at: datetime) -> int:
        """The occurrence was moved to a new time: tell everyone booked (their bookings stand) and everyone on
        its waiting list (their places in the queue, and any offer, stand too).

        Call inside the events domain's write transaction that moves it, after the move (the email and its .ics
        show the new time). Returns how many people were told.
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id)
        if occurrence is None:
            return 0
        rows = await Booking.select(Booking.id, Booking.email, Booking.name, Booking.locale, Booking.places).where(
            (Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED)
        )
        # The new time and the occurrence's sequence (bumped by every change) make the key: a retry of the same
        # move adds nothing, a later move (even back to an earlier time) is told again.
        key = f"occurrence-moved:{occurrence_id}:{occurrence.starts_at.isoformat()}:{occurrence.sequence}"
        await self._tell_booked(
            occurrence_id, rows, "booking_occurrence_moved", key, was_starts_at=was_starts_at, was_ends_at=was_ends_at
        )
        waiting = await WaitlistEntry.select(
            WaitlistEntry.id, WaitlistEntry.email, WaitlistEntry.name, WaitlistEntry.locale, WaitlistEntry.status
        ).where((WaitlistEntry.occurrence_id == occurrence_id) & WaitlistEntry.status.is_in(list(OPEN_ENTRY)))
        await self._tell_booked(
            occurrence_id,
            waiting,
            "waitlist_occurrence_moved",
            f"{key}:waiting",
            calendar=False,  # not going (yet): nothing for their calendar
            was_starts_at=was_starts_at,
            was_ends_at=was_ends_at,
        )
        return len(rows) + len(waiting)

    async def _tell_booked(
        self,
        occurrence_id: int,
        rows: list[dict[str, Any]],
        template: str,
        key: str,
        *,
        calendar: bool = True,
        **context: Any,
    ) -> None:
        """Email each of these people (bookings, or waiting-list entries) about their occurrence as it is now, in
        their language, with its .ics unless `calendar` is False, through the outbox (in the caller's transaction)."""
        in_language: dict[str, Any] = {}  # the occurrence read once per language, not once per person
        for row in rows:
            if row["locale"] not in in_language:
                in_language[row["locale"]] = await self.capacity.occurrence_for_booking(occurrence_id, row["locale"])
            occurrence = in_language[row["locale"]]
            if occurrence is None:
                continue
            payload: dict[str, Any] = dict(
                self.renderer.render(
                    template,
                    to=row["email"],
                    locale=row["locale"],
                    recipient_name=row["name"],
                    places=row.get("places", 0),
                    offered=row.get("status") == OFFERED,  # a waiting-list entry holding an offer
                    title=occurrence.title,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    **context,
                )
            )
            if calendar:
                payload["attachments"] = [ics_attachment(self.booking.ics(occurrence))]
            await enqueue(EMAIL, f"{key}:{row['id']}", payload)

    async def offer_free_places(self, occurrence_id: int) -> int:
        """Offer a date's free places to its waiting list, in order (inside the caller's transaction)."""
        return await self.offers.offer_free_places(occurrence_id)

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"
