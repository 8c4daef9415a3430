"""Places on an occurrence: the only code that touches `event_occurrence.places_left`.

Capacity is enforced by one conditional statement run inside the caller's write transaction (the one that
inserts the booking): the row is decremented only while enough places are left, so 200 people pressing
"Book" at once for 10 places give exactly 10 bookings on SQLite (IMMEDIATE transactions queue) and on
PostgreSQL (the UPDATE takes the row lock and re-checks its condition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from backend.core.clock import Clock
from backend.core.db import placeholders, raw_rows
from backend.events.tables import Event, EventTranslation, Occurrence


@dataclass(frozen=True)
class OccurrenceForBooking:
    """What booking needs to know about one occurrence and its event (title in the asked-for locale)."""

    occurrence_id: int
    event_id: int
    organisation_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str  # the occurrence's: scheduled, cancelled
    event_status: str  # the event's: published, hidden, cancelled, …
    capacity: int | None  # None: drop-in, no booking
    places_left: int | None
    per_booking_limit: int
    is_online: bool
    online_url: str
    venue_name: str
    address: str
    postcode: str
    sequence: int  # the event's sequence plus the occurrence's (iCalendar SEQUENCE)

    @property
    def is_drop_in(self) -> bool:
        """True when the event needs no booking."""
        return self.capacity is None

    def location(self) -> str:
        """Venue, address and postcode on one line (or the online link)."""
        if self.is_online:
            return self.online_url
        return ", ".join(part for part in (self.venue_name, self.address, self.postcode) if part)


@dataclass(frozen=True)
class EventBrief:
    """An event's title (in a locale) and the organisation that runs it."""

    event_id: int
    organisation_id: int
    title: str


def _utc(moment: datetime) -> datetime:
    """Timestamps compared in the database are UTC (SQLite compares them as text)."""
    return moment.astimezone(UTC)


_FOR_BOOKING = (
    'SELECT o.id AS id, e.id AS "event.id", e.organisation_id AS "event.organisation_id", e.title AS "event.title", '
    'e.status AS "event.status", e.per_booking_limit AS "event.per_booking_limit", '
    'e.is_online AS "event.is_online", e.online_url AS "event.online_url", e.venue_name AS "event.venue_name", '
    'e.address AS "event.address", e.postcode AS "event.postcode", e.sequence AS "event.sequence", '
    "o.starts_at AS starts_at, o.ends_at AS ends_at, o.status AS status, o.capacity AS capacity, "
    "o.places_left AS places_left, o.sequence AS sequence, t.title AS translated_title "
    "FROM event_occurrence o JOIN event e ON e.id = o.event "
    "LEFT JOIN event_translation t ON t.event = e.id AND t.locale = {{}} "
    "WHERE o.id IN ({placeholders})"
)


async def _titles(event_ids: set[int], locale: str) -> dict[int, str]:
    if not event_ids:
        return {}
    rows = await EventTranslation.select(EventTranslation.event, EventTranslation.title).where(
        EventTranslation.event.is_in(list(event_ids)) & (EventTranslation.locale == locale)
    )
    return {row["event"]: row["title"] for row in rows if row["title"]}


class CapacityService:
    """Reserve and release places; read what a booking needs about an occurrence."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def reserve(self, occurrence_id: int, places: int) -> bool:
        """Take `places` from a scheduled, future occurrence if that many are left. One conditional UPDATE.

        Call inside the write transaction that inserts the booking. False when full, past, cancelled or drop-in.
        """
        if places < 1:
            return False
        rows = (
            await Occurrence.update({Occurrence.places_left: Occurrence.places_left - places})
            .where(
                (Occurrence.id == occurrence_id)
                & (Occurrence.status == "scheduled")
                & (Occurrence.places_left >= places)
                & (Occurrence.starts_at > _utc(self.clock.now()))
            )
            .returning(Occurrence.id)
        )
        return bool(rows)

    async def release(self, occurrence_id: int, places: int) -> None:
        """Give `places` back (a cancellation), never above the occurrence's capacity."""
        if places < 1:
            return
        await Occurrence.raw(
            "UPDATE event_occurrence SET places_left = CASE WHEN places_left + {} > capacity THEN capacity "
            "ELSE places_left + {} END WHERE id = {} AND places_left IS NOT NULL AND capacity IS NOT NULL",
            places,
            places,
            occurrence_id,
        )

    async def change_capacity(self, occurrence_id: int, capacity: int | None, booked: int) -> bool:
        """Set an occurrence's capacity, keeping the places booked or held (inside the caller's transaction).

        A drop-in (capacity None) has no places left. Between two capacities, places left move by the change of
        capacity in one conditional UPDATE, relative to the capacity the row has when it is written (so on
        PostgreSQL a booking committed meanwhile still counts). Coming back from a drop-in, places left are the
        new capacity less `booked` (the places booked, counted by the caller). False, and nothing changed, when
        that would leave fewer than no places.
        """
        if capacity is None:
            await Occurrence.update({Occurrence.capacity: None, Occurrence.places_left: None}).where(
                Occurrence.id == occurrence_id
            )
            return True
        rows = await Occurrence.raw(
            "UPDATE event_occurrence SET capacity = CAST({} AS INTEGER), places_left = CASE "
            "WHEN capacity IS NULL OR places_left IS NULL THEN CAST({} AS INTEGER) "
            "ELSE places_left + (CAST({} AS INTEGER) - capacity) END "
            "WHERE id = {} AND CASE "
            "WHEN capacity IS NULL OR places_left IS NULL THEN CAST({} AS INTEGER) "
            "ELSE places_left + (CAST({} AS INTEGER) - capacity) END >= 0 RETURNING id",
            capacity,
            capacity - booked,
            capacity,
            occurrence_id,
            capacity - booked,
            capacity,
        )
        return bool(rows)

    async def occurrence_for_booking(self, occurrence_id: int, locale: str = "en") -> OccurrenceForBooking | None:
        """One occurrence with its event's booking details, or None when there is no such occurrence."""
        found = await self.occurrences_for_booking([occurrence_id], locale)
        return found.get(occurrence_id)

    async def occurrences_for_booking(
        self, occurrence_ids: list[int], locale: str = "en"
    ) -> dict[int, OccurrenceForBooking]:
        """Several occurrences at once (account pages, feedback lists), by id."""
        if not occurrence_ids:
            return {}
        ids = sorted(set(occurrence_ids))
        # One hand-written query (the title in the visitor's language joined in): the booking form is a hot
        # page, and building the ORM's joined select cost more than running it.
        rows = await raw_rows(
            Occurrence._meta.db, _FOR_BOOKING.format(placeholders=placeholders(len(ids))), locale, *ids
        )
        titles = {row["event.id"]: row["translated_title"] for row in rows if row["translated_title"]}
        return {
            row["id"]: OccurrenceForBooking(
                occurrence_id=row["id"],
                event_id=row["event.id"],
                organisation_id=row["event.organisation_id"],
                title=titles.get(row["event.id"], row["event.title"]),
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                status=row["status"],
                event_status=row["event.status"],
                capacity=row["capacity"],
                places_left=row["places_left"],
                per_booking_limit=row["event.per_booking_limit"],
                is_online=bool(row["event.is_online"]),
                online_url=row["event.online_url"],
                venue_name=row["event.venue_name"],
                address=row["event.address"],
                postcode=row["event.postcode"],
                sequence=(row["event.sequence"] or 0) + (row["sequence"] or 0),
            )
            for row in rows
        }

    async def event_briefs(self, event_ids: set[int], locale: str = "en") -> dict[int, EventBrief]:
        """Several events' titles and organisations at once, by event id (ids with no event are left out)."""
        if not event_ids:
            return {}
        rows = await Event.select(Event.id, Event.organisation_id, Event.title).where(Event.id.is_in(list(event_ids)))
        titles = await _titles(event_ids, locale)
        return {
            row["id"]: EventBrief(
                event_id=row["id"],
                organisation_id=row["organisation_id"],
                title=titles.get(row["id"]) or str(row["title"]),
            )
            for row in rows
        }

    async def event_brief(self, event_id: int, locale: str = "en") -> EventBrief | None:
        """An event's title and organisation (the partner's feedback page), or None."""
        row = await Event.select(Event.id, Event.organisation_id, Event.title).where(Event.id == event_id).first()
        if row is None:
            return None
        title = (await _titles({event_id}, locale)).get(event_id) or str(row["title"])
        return EventBrief(event_id=row["id"], organisation_id=row["organisation_id"], title=title)
