"""The life of a date: cancelled or moved on its own, the whole series cancelled, an event copied.

Everyone booked on a cancelled or moved date is told by the bookings domain (through `BookingsPort`),
in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.events import listing
from backend.events.ports import BookingsPort
from backend.events.posting import save_translations
from backend.events.reading import EventReader, occurrence_row
from backend.events.schedule import aware
from backend.events.schemas import (
    TranslationIn,
)
from backend.events.tables import Event, Occurrence
from backend.events.validation import MAX_DURATION, MAX_REASON
from backend.events.views import NotAllowedError, Problems


class DatesService:
    """The life of a date once posted: cancel one, move one, cancel the series, copy the event."""

    def __init__(self, clock: Clock, engine: Engine[Any], bookings: BookingsPort, reader: EventReader) -> None:
        self.clock = clock
        self.engine = engine
        self.bookings = bookings
        self.reader = reader

    async def cancel_occurrence(self, user: CurrentUser, event_id: int, occurrence_id: int, reason: str) -> None:
        """Cancel one date of an event; everyone booked is told by the bookings service."""
        await self.reader.event_for_partner(user, event_id)
        async with write_transaction(self.engine):
            row = await occurrence_row(event_id, occurrence_id)
            if row["status"] == "cancelled":
                return
            await Occurrence.update(
                {
                    Occurrence.status: "cancelled",
                    Occurrence.changed_alone: True,
                    Occurrence.sequence: row["sequence"] + 1,
                }
            ).where(Occurrence.id == occurrence_id)
            await Event.update({Event.updated_at: self.clock.now()}).where(Event.id == event_id)
            await listing.refresh([event_id])
            await self.bookings.occurrence_cancelled(occurrence_id, reason[:MAX_REASON])
            await audit.record(
                "event.occurrence_cancelled",
                actor=user,
                subject_type="occurrence",
                subject_id=occurrence_id,
                reason=reason[:MAX_REASON],
                details={"event_id": event_id},
            )

    async def change_occurrence(
        self, user: CurrentUser, event_id: int, occurrence_id: int, starts_at: datetime, ends_at: datetime
    ) -> Problems:
        """Move one date of an event on its own (the rest of the series is unchanged)."""
        await self.reader.event_for_partner(user, event_id)
        problems: Problems = {}
        starts, ends = aware(starts_at), aware(ends_at)
        if starts < self.clock.now():
            problems["starts_at"] = (N_("The start must be in the future"), {})
        if ends <= starts:
            problems["ends_at"] = (N_("The end must be after the start"), {})
        elif ends - starts > MAX_DURATION:
            problems["ends_at"] = (N_("An event can last up to %(days)s days; use a repeating event"), {"days": 14})
        if problems:
            return problems
        async with write_transaction(self.engine):
            row = await occurrence_row(event_id, occurrence_id)
            if row["status"] == "cancelled":
                raise NotAllowedError(N_("This date is cancelled"))
            await Occurrence.update(
                {
                    Occurrence.starts_at: starts,
                    Occurrence.ends_at: ends,
                    Occurrence.changed_alone: True,
                    Occurrence.sequence: row["sequence"] + 1,
                }
            ).where(Occurrence.id == occurrence_id)
            await Event.update({Event.updated_at: self.clock.now()}).where(Event.id == event_id)
            await listing.refresh([event_id])
            was_starts, was_ends = aware(row["starts_at"]), aware(row["ends_at"])
            told = 0
            # Saving the time it already has (a double submit, a retry) moves nothing, so tells nobody.
            if (was_starts, was_ends) != (starts, ends):
                told = await self.bookings.occurrence_moved(occurrence_id, was_starts, was_ends)
            await audit.record(
                "event.occurrence_changed",
                actor=user,
                subject_type="occurrence",
                subject_id=occurrence_id,
                details={
                    "event_id": event_id,
                    "before": [was_starts.isoformat(), was_ends.isoformat()],
                    "after": [starts.isoformat(), ends.isoformat()],
                    "told": told,
                },
            )
        return {}

    async def cancel_series(self, user: CurrentUser, event_id: int, reason: str) -> None:
        """Cancel the whole event: every date still to come is cancelled and everyone booked is told."""
        await self.reader.event_for_partner(user, event_id)
        now = self.clock.now()
        async with write_transaction(self.engine):
            event = await Event.objects().where(Event.id == event_id).first()
            if event is None or event.status == "cancelled":
                return
            rows = (
                await Occurrence.select()
                .where(Occurrence.event == event_id)
                .where(Occurrence.status != "cancelled")
                .where(Occurrence.ends_at > now)
            )
            for row in rows:
                await Occurrence.update(
                    {Occurrence.status: "cancelled", Occurrence.sequence: row["sequence"] + 1}
                ).where(Occurrence.id == row["id"])
                await self.bookings.occurrence_cancelled(row["id"], reason[:MAX_REASON])
            await Event.update(
                {
                    Event.status: "cancelled",
                    Event.sequence: event.sequence + 1,
                    Event.pending_changes: {},
                    Event.updated_at: now,
                }
            ).where(Event.id == event_id)
            await listing.refresh([event_id])
            await audit.record(
                "event.cancelled", actor=user, subject_type="event", subject_id=event_id, reason=reason[:MAX_REASON]
            )

    async def duplicate(self, user: CurrentUser, event_id: int) -> int:
        """Copy an event as a new draft (with its dates), for the partner to adjust and submit."""
        source = await self.reader.event_for_partner(user, event_id)
        now = self.clock.now()
        async with write_transaction(self.engine):
            row = await Event.select().where(Event.id == event_id).first()
            assert row is not None
            copy = {key: value for key, value in row.items() if key not in {"id", "published_at"}}
            copy.update(
                status="draft",
                created_by=user.id,
                sequence=0,
                pending_changes={},
                decision_reason="",
                created_at=now,
                updated_at=now,
            )
            event = Event(**copy)
            await event.save()
            await save_translations(
                event.id,
                [
                    TranslationIn(locale=locale, title=title, description=description)  # type: ignore[arg-type]
                    for locale, (title, description) in source.translations.items()
                ],
            )
            first = source.first
            if first is not None:
                await Occurrence.insert(
                    Occurrence(
                        event=event.id,
                        starts_at=first.starts_at,
                        ends_at=first.ends_at,
                        capacity=source.capacity,
                        places_left=source.capacity,
                    )
                )
            await audit.record(
                "event.duplicated", actor=user, subject_type="event", subject_id=event.id, details={"from": event_id}
            )
        return int(event.id)
