"""Posting and editing events, and keeping a series' dates in step with its schedule.

Partners create and edit events for organisations they belong to; trusted organisations publish at once,
others wait for an officer. A material change to a published event of an untrusted organisation is kept
in `Event.pending_changes` (the approved version stays visible) until an officer approves or rejects it.
Every change is written with its audit entry in one transaction, ending with `listing.refresh`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.events import listing
from backend.events.capacity import CapacityService
from backend.events.ports import BookingsPort, organisation_standings
from backend.events.reading import EventReader
from backend.events.schedule import aware
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    SUITS,
    TRANSLATION_LOCALES,
    EventIn,
    TranslationIn,
    mask_of,
)
from backend.events.tables import Event, EventTranslation, Occurrence
from backend.events.validation import EventRules, material_diff, search_text_of
from backend.events.views import (
    EventNotFoundError,
    EventView,
    NotAllowedError,
    Place,
    PlacesTakenError,
    Problems,
    SaveResult,
)
from backend.notifications import new_events


async def save_translations(event_id: int, translations: list[TranslationIn]) -> None:
    """Replace an event's translations (inside the caller's transaction)."""
    await EventTranslation.delete().where(EventTranslation.event == event_id)
    for item in translations:
        if item.locale in TRANSLATION_LOCALES and item.title.strip() and item.description.strip():
            await EventTranslation.insert(
                EventTranslation(
                    event=event_id,
                    locale=item.locale,
                    title=item.title.strip(),
                    description=item.description.strip(),
                    translation_key=f"{event_id}:{item.locale}",
                )
            )


class PostingService:
    """Partners post and edit events; a schedule's dates follow the event (keeping their bookings)."""

    def __init__(
        self,
        clock: Clock,
        engine: Engine[Any],
        zone: ZoneInfo,
        bookings: BookingsPort,
        *,
        reader: EventReader,
        rules: EventRules,
    ) -> None:
        self.clock = clock
        self.engine = engine
        self.zone = zone
        self.bookings = bookings
        self.reader = reader
        self.rules = rules

    async def check(self, user: CurrentUser, data: EventIn, existing: EventView | None) -> Problems:
        """The problems with an event, without saving it (to show every error at once)."""
        problems, _place, _dates, _category = await self.rules.check_all(user, data, existing)
        return problems

    async def create_event(self, user: CurrentUser, data: EventIn) -> SaveResult:
        """Post a new event: published at once for a trusted organisation, otherwise pending approval."""
        problems, place, dates, category_id = await self.rules.check_all(user, data, None)
        if problems or category_id is None:
            return SaveResult(event_id=None, problems=problems)
        standing = (await organisation_standings([data.organisation_id]))[data.organisation_id]
        status = "published" if standing.trusted else "pending"
        now = self.clock.now()
        async with write_transaction(self.engine):
            event = Event(organisation_id=data.organisation_id, created_by=user.id, status=status, created_at=now)
            self._fill(event, data, place, category_id)
            event.updated_at = now
            event.published_at = now if status == "published" else None
            await event.save()
            await save_translations(event.id, data.translations)
            await self._sync_occurrences(event.id, dates, data.capacity, bump=False)
            await listing.refresh([event.id])
            if status == "published":
                await new_events.event_published(event.id, now)
            await audit.record(
                "event.created",
                actor=user,
                subject_type="event",
                subject_id=event.id,
                details={"status": status, "organisation_id": data.organisation_id},
            )
        return SaveResult(event_id=int(event.id), status=status)

    async def update_event(self, user: CurrentUser, event_id: int, data: EventIn) -> SaveResult:
        """Edit an event. A material change to a published event of an untrusted organisation waits."""
        existing = await self.reader.event_for_partner(user, event_id)
        if existing.status in {"cancelled", "hidden"}:
            raise NotAllowedError(N_("This event can no longer be changed"))
        if data.organisation_id != existing.organisation_id:
            data = msgspec.structs.replace(data, organisation_id=existing.organisation_id)
        problems, place, dates, category_id = await self.rules.check_all(user, data, existing)
        if problems or category_id is None:
            return SaveResult(event_id=event_id, problems=problems)
        standing = (await organisation_standings([existing.organisation_id]))[existing.organisation_id]
        diff = material_diff(existing.as_input(), data, self.zone)
        now = self.clock.now()
        try:
            async with write_transaction(self.engine):
                if existing.status == "published" and not standing.trusted and diff:
                    # The approved version stays public; what is not material applies now.
                    await Event.update(
                        {
                            Event.languages: mask_of(data.languages, LANGUAGES),
                            Event.suits: mask_of(data.suits, SUITS),
                            Event.accessibility: mask_of(data.accessibility, ACCESSIBILITY),
                            Event.per_booking_limit: data.per_booking_limit,
                            Event.pending_changes: {
                                "data": msgspec.to_builtins(data),
                                "diff": diff,
                                "requested_by": user.id,
                                "requested_at": now.isoformat(),
                            },
                            Event.updated_at: now,
                        }
                    ).where(Event.id == event_id)
                    await listing.refresh([event_id])
                    await audit.record(
                        "event.change_requested",
                        actor=user,
                        subject_type="event",
                        subject_id=event_id,
                        details={"fields": sorted(diff)},
                    )
                    return SaveResult(event_id=event_id, status="published", awaiting_approval=True)
                if existing.status in {"draft", "rejected"}:
                    status = "published" if standing.trusted else "pending"
                else:
                    status = existing.status
                await self.apply(event_id, data, place, dates, category_id, status=status, now=now)
                await audit.record(
                    "event.updated",
                    actor=user,
                    subject_type="event",
                    subject_id=event_id,
                    details={"fields": sorted(diff), "status": status},
                )
        except PlacesTakenError as exc:
            return SaveResult(event_id=event_id, problems=exc.problems)
        return SaveResult(event_id=event_id, status=status)

    def _fill(self, event: Event, data: EventIn, place: Place, category_id: int) -> None:
        event.title = data.title.strip()
        event.description = data.description.strip()
        event.original_locale = data.original_locale
        event.category = category_id
        event.is_online = place.is_online
        event.online_url = place.online_url
        event.venue_name = place.venue_name
        event.address = place.address
        event.postcode = place.postcode
        event.district_code = place.district_code
        event.division_code = place.division_code
        event.latitude = place.latitude
        event.longitude = place.longitude
        event.capacity = data.capacity
        event.per_booking_limit = data.per_booking_limit
        event.cost_pence = data.cost_pence
        event.cost_note = data.cost_note.strip()
        event.languages = mask_of(data.languages, LANGUAGES)
        event.suits = mask_of(data.suits, SUITS)
        event.accessibility = mask_of(data.accessibility, ACCESSIBILITY)
        event.recurrence = data.recurrence
        event.recurrence_until = aware(data.recurrence_until) if data.recurrence_until else None
        event.search_text = search_text_of(data.title, data.description, data.translations)

    async def apply(
        self,
        event_id: int,
        data: EventIn,
        place: Place,
        dates: list[tuple[datetime, datetime]],
        category_id: int,
        *,
        status: str,
        now: datetime,
    ) -> None:
        """Write a validated version over the event (inside the caller's transaction)."""
        event = await Event.objects().where(Event.id == event_id).first()
        if event is None:
            raise EventNotFoundError
        was_published = event.status == "published"
        first_published = status == "published" and event.published_at is None
        self._fill(event, data, place, category_id)
        event.status = status
        event.pending_changes = {}
        event.updated_at = now
        if first_published:
            event.published_at = now
        if was_published:
            event.sequence = event.sequence + 1
        await event.save()
        await save_translations(event_id, data.translations)
        await self._sync_occurrences(event_id, dates, data.capacity, bump=was_published)
        await listing.refresh([event_id])
        if first_published:
            await new_events.event_published(event_id, now)

    async def _sync_occurrences(
        self, event_id: int, dates: list[tuple[datetime, datetime]], capacity: int | None, *, bump: bool
    ) -> None:
        """Make the occurrences match a schedule, keeping ids (and so bookings) in date order.

        The n-th existing occurrence takes the n-th date; one changed on its own keeps its own time.
        Occurrences no longer in the schedule are cancelled (and those booked told); new dates are added.
        A capacity change applies to scheduled dates still to come, keeping the places booked or held there
        (`CapacityService.change_capacity`); PlacesTakenError, for the caller to roll back, when the new capacity
        is below them. New places go first to the waitlist, in this transaction.
        """
        rows = await self.rules.schedule_rows(event_id)
        changing = [row for row in rows[: len(dates)] if row["capacity"] != capacity and self.rules.is_open(row)]
        taken = await self.rules.places_taken(changing)
        places = CapacityService(self.clock)
        now = self.clock.now()
        for index, (starts, ends) in enumerate(dates):
            new_date = Occurrence(
                event=event_id,
                starts_at=starts,
                ends_at=ends,
                capacity=capacity,
                places_left=capacity,
                sequence=1 if bump else 0,
            )
            if index >= len(rows):
                await Occurrence.insert(new_date)
                continue
            row = rows[index]
            values: dict[Any, Any] = {}
            moved = not row["changed_alone"] and (aware(row["starts_at"]) != starts or aware(row["ends_at"]) != ends)
            if moved and aware(row["starts_at"]) <= now:
                # A date that has started is history (people went to it): it keeps its time, and the date the
                # new schedule puts in its place is added beside it, if that is still to come.
                if starts > now:
                    await Occurrence.insert(new_date)
                continue
            if moved:
                values[Occurrence.starts_at] = starts
                values[Occurrence.ends_at] = ends
            changed = row["id"] in taken
            if changed:
                if capacity is not None and capacity < taken[row["id"]]:
                    raise PlacesTakenError(taken[row["id"]])
                if not await places.change_capacity(row["id"], capacity, taken[row["id"]]):
                    raise PlacesTakenError(await self.rules.taken_now(row["id"]))
                if capacity is not None:
                    await self.bookings.offer_free_places(row["id"])
            if values or changed or bump:
                values[Occurrence.sequence] = row["sequence"] + 1
                await Occurrence.update(values).where(Occurrence.id == row["id"])
            if moved:
                # A new time for the series moves this date too: the people booked on it are told.
                await self.bookings.occurrence_moved(row["id"], aware(row["starts_at"]), aware(row["ends_at"]))
        await self._cancel_dropped(rows[len(dates) :])

    async def _cancel_dropped(self, rows: list[dict[str, Any]]) -> None:
        """Cancel the dates a new schedule no longer has (telling those booked), inside the caller's transaction."""
        for row in rows:
            if row["status"] == "cancelled" or aware(row["starts_at"]) <= self.clock.now():
                continue  # already cancelled, or already held
            await Occurrence.update({Occurrence.status: "cancelled", Occurrence.sequence: row["sequence"] + 1}).where(
                Occurrence.id == row["id"]
            )
            await self.bookings.occurrence_cancelled(row["id"], "")
