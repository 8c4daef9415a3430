"""Messages to attendees: partners read and write to the people booked on a date (through bookings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.db import write_transaction
from backend.events.ports import BookingsPort
from backend.events.reading import EventReader, occurrence_row


class AttendeesService:
    """Partners see who is coming to a date, download the list, and write to everyone booked."""

    def __init__(self, engine: Engine[Any], bookings: BookingsPort, reader: EventReader) -> None:
        self.engine = engine
        self.bookings = bookings
        self.reader = reader

    async def attendees(self, user: CurrentUser, event_id: int, occurrence_id: int) -> Sequence[Any]:
        """The people booked on one date of the partner's event."""
        await self.reader.event_for_partner(user, event_id)
        await occurrence_row(event_id, occurrence_id)
        return await self.bookings.attendees(occurrence_id)

    async def record_export(self, user: CurrentUser, event_id: int, occurrence_id: int) -> None:
        """Note in the audit log that a partner downloaded an attendee list (personal data)."""
        async with write_transaction(self.engine):
            await audit.record(
                "event.attendees_exported",
                actor=user,
                subject_type="occurrence",
                subject_id=occurrence_id,
                details={"event_id": event_id},
            )

    async def message_attendees(
        self, user: CurrentUser, event_id: int, occurrence_id: int, subject: str, message: str
    ) -> int:
        """Email everyone booked on one date; returns how many were told."""
        await self.reader.event_for_partner(user, event_id)
        await occurrence_row(event_id, occurrence_id)
        async with write_transaction(self.engine):
            sent = await self.bookings.message_attendees(occurrence_id, subject, message, user)
            await audit.record(
                "event.attendees_messaged",
                actor=user,
                subject_type="occurrence",
                subject_id=occurrence_id,
                details={"event_id": event_id, "recipients": sent},
            )
        return sent
