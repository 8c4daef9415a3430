"""A person's bookings and waiting-list places (their account page), and what deleting the account removes."""

from __future__ import annotations

from backend.bookings.schemas import (
    UserBooking,
    UserWaitlistPlace,
)
from backend.bookings.tables import Booking, Feedback, WaitlistEntry
from backend.bookings.tokens import CONFIRMED, OFFER_PLACES, OFFERED, OPEN_ENTRY
from backend.bookings.waitlist import place_state, queue_positions
from backend.core.clock import Clock
from backend.core.db import placeholders, raw_rows
from backend.core.outbox import enqueue
from backend.events.capacity import CapacityService

# Hand-written: a resident's account page asks both on every visit, and building the ORM's queries cost more
# than running them.
_BOOKINGS_SQL = "SELECT id, event_id, occurrence_id, places, status FROM booking WHERE user_id = {} OR email = {}"
_OPEN_ENTRIES_SQL = (
    "SELECT id, event_id, occurrence_id, places, status, offer_expires_at, created_at FROM waitlist_entry "
    "WHERE (user_id = {{}} OR email = {{}}) AND status IN ({})"
)
_WAITLIST_SQL = _OPEN_ENTRIES_SQL.format(placeholders(len(OPEN_ENTRY)))


class PersonalBookings:
    """A person's bookings and waiting-list places, as of the clock it is given, and their deletion."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def bookings_for_user(self, user_id: int, *, email: str = "", locale: str = "en") -> list[UserBooking]:
        """A signed-in resident's bookings — made signed in, or with the email address they signed in with (which
        the emailed link proved is theirs): upcoming soonest first, then past ones, latest first."""
        moment = self.clock.now()
        rows = await raw_rows(Booking._meta.db, _BOOKINGS_SQL, user_id, email.lower())
        occurrences = await CapacityService(self.clock).occurrences_for_booking(
            [row["occurrence_id"] for row in rows], locale
        )
        found = [
            UserBooking(
                booking_id=row["id"],
                event_id=row["event_id"],
                occurrence_id=row["occurrence_id"],
                title=occurrences[row["occurrence_id"]].title,
                starts_at=occurrences[row["occurrence_id"]].starts_at,
                places=row["places"],
                status=row["status"],
                is_past=occurrences[row["occurrence_id"]].starts_at <= moment,
            )
            for row in rows
            if row["occurrence_id"] in occurrences
        ]
        upcoming = sorted((item for item in found if not item.is_past), key=lambda item: item.starts_at)
        past = sorted((item for item in found if item.is_past), key=lambda item: item.starts_at, reverse=True)
        return upcoming + past

    async def waitlist_for_user(self, user_id: int, *, email: str = "", locale: str = "en") -> list[UserWaitlistPlace]:
        """A signed-in resident's open waitlist places (waiting, or an offer still open) on occurrences still to
        come — joined signed in or with the email address they signed in with — soonest first."""
        moment = self.clock.now()
        rows = await raw_rows(WaitlistEntry._meta.db, _WAITLIST_SQL, user_id, email.lower(), *OPEN_ENTRY)
        occurrences = await CapacityService(self.clock).occurrences_for_booking(
            [row["occurrence_id"] for row in rows], locale
        )
        positions = await queue_positions(rows)
        found: list[UserWaitlistPlace] = []
        for row in rows:
            occurrence = occurrences.get(row["occurrence_id"])
            if occurrence is None or place_state(row, occurrence, moment) not in OPEN_ENTRY:
                continue  # past, cancelled, or an offer whose time is up
            found.append(
                UserWaitlistPlace(
                    entry_id=row["id"],
                    event_id=row["event_id"],
                    occurrence_id=row["occurrence_id"],
                    title=occurrence.title,
                    starts_at=occurrence.starts_at,
                    places=row["places"],
                    status=row["status"],
                    position=positions.get(row["id"]),
                    offer_expires_at=row["offer_expires_at"],
                )
            )
        return sorted(found, key=lambda item: (item.starts_at, item.entry_id))

    async def delete_user_bookings(self, user_id: int, email: str) -> None:
        """Account deletion hook: release the person's places, delete their bookings, waitlist places and feedback —
        those made signed in and those made with their email address.

        Runs inside the accounts domain's write transaction; freed places are offered to the waitlist by a job.
        """
        rows = await Booking.select(Booking.id, Booking.occurrence_id, Booking.places, Booking.status).where(
            (Booking.user_id == user_id) | (Booking.email == email.lower())
        )
        capacity = CapacityService(self.clock)
        freed: set[int] = set()
        for row in rows:
            if row["status"] == CONFIRMED:
                await capacity.release(row["occurrence_id"], row["places"])
                freed.add(row["occurrence_id"])
        offered = await WaitlistEntry.select(WaitlistEntry.occurrence_id, WaitlistEntry.places).where(
            ((WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower()))
            & (WaitlistEntry.status == OFFERED)
        )
        for entry in offered:
            await capacity.release(entry["occurrence_id"], entry["places"])
            freed.add(entry["occurrence_id"])
        booking_ids = [row["id"] for row in rows]
        if booking_ids:
            await Feedback.delete().where(Feedback.booking_id.is_in(booking_ids))
            await Booking.delete().where(Booking.id.is_in(booking_ids))
        await WaitlistEntry.delete().where((WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower()))
        for occurrence_id in sorted(freed):
            await enqueue(
                OFFER_PLACES, f"offer-places:{occurrence_id}:user-{user_id}", {"occurrence_id": occurrence_id}
            )
