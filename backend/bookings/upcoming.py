"""Bookings that stand on given dates: what reminders need (read side, no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.bookings.tables import Booking


@dataclass(frozen=True)
class StandingBooking:
    """A confirmed booking, as a reminder needs it."""

    booking_id: int
    occurrence_id: int
    event_id: int
    name: str
    email: str
    places: int
    locale: str
    user_id: int | None
    created_at: datetime


async def confirmed_bookings(occurrence_ids: list[int]) -> list[StandingBooking]:
    """The confirmed (not cancelled) bookings on these dates."""
    if not occurrence_ids:
        return []
    rows = await Booking.select(
        Booking.id,
        Booking.occurrence_id,
        Booking.event_id,
        Booking.name,
        Booking.email,
        Booking.places,
        Booking.locale,
        Booking.user_id,
        Booking.created_at,
    ).where(Booking.occurrence_id.is_in(sorted(set(occurrence_ids))) & (Booking.status == "confirmed"))
    return [
        StandingBooking(
            booking_id=row["id"],
            occurrence_id=row["occurrence_id"],
            event_id=row["event_id"],
            name=row["name"],
            email=row["email"],
            places=row["places"],
            locale=row["locale"],
            user_id=row["user_id"],
            created_at=row["created_at"],
        )
        for row in rows
    ]
