"""What the events domain needs from other domains: organisations' standing (accounts) and bookings.

Events never imports the bookings domain: `BookingsPort` says what events calls, the bookings domain
implements it, and `backend/wiring.py` passes that implementation in. Bookings depends on events, never
the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from backend.accounts.organisations import organisation_profiles
from backend.core.auth import CurrentUser
from backend.events.views import OrganisationStanding


async def organisation_standings(ids: Iterable[int]) -> dict[int, OrganisationStanding]:
    """Name, status and trust of these organisations, through the accounts service's helper."""
    return {
        organisation_id: OrganisationStanding(id=organisation_id, name=name, status=status, trusted=trusted)
        for organisation_id, (name, status, trusted) in (await organisation_profiles(ids)).items()
    }


class BookingsPort(Protocol):
    """The calls events makes on the bookings service (`backend.bookings.services.BookingsService`)."""

    async def occurrence_cancelled(self, occurrence_id: int, reason: str) -> int:
        """Cancel the bookings of a cancelled occurrence and tell everyone (inside the caller's transaction)."""
        ...

    async def occurrence_moved(self, occurrence_id: int, was_starts_at: datetime, was_ends_at: datetime) -> int:
        """Tell everyone booked on a moved occurrence its old and new time (inside the caller's transaction)."""
        ...

    async def counts(self, occurrence_ids: list[int]) -> dict[int, int]:
        """Places booked per occurrence."""
        ...

    async def attendees(self, occurrence_id: int) -> Sequence[Any]:
        """The people booked on an occurrence (name, email, places, access needs)."""
        ...

    async def message_attendees(self, occurrence_id: int, subject: str, body: str, sender: CurrentUser | None) -> int:
        """Email everyone booked on an occurrence through the outbox; returns how many were told."""
        ...

    async def offer_free_places(self, occurrence_id: int) -> int:
        """Offer an occurrence's free places to its waitlist, in order (inside the caller's transaction)."""
        ...
