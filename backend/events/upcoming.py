"""The read side other domains need of events' dates, with no writes: the dates about to happen (reminders), and
what a new event's announcement says (the new-events push), read when it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.events.schedule import aware
from backend.events.tables import Event, EventTranslation, Listing, Occurrence


async def occurrences_starting(after: datetime, until: datetime) -> list[int]:
    """Ids of scheduled dates of published events that start after `after` and no later than `until`."""
    rows = await Occurrence.select(Occurrence.id).where(
        (Occurrence.starts_at > after)
        & (Occurrence.starts_at <= until)
        & (Occurrence.status == "scheduled")
        & (Occurrence.event.status == "published")
    )
    return [row["id"] for row in rows]


@dataclass(frozen=True)
class FindableEvent:
    """An event residents can find now, as a new-event announcement tells of it."""

    event_id: int
    titles: dict[str, str]  # by locale, the partner's own language first
    category_id: int
    district_code: str
    division_code: str
    is_online: bool
    venue_name: str
    starts_at: datetime  # its first date still to come


async def findable_event(event_id: int, now: datetime) -> FindableEvent | None:
    """The event if residents can find it now — published, its organisation verified, a scheduled date still to
    come (what the search's listing holds) — else None (hidden, cancelled, unpublished, or every date past)."""
    first = (
        await Listing.select(Listing.starts_at)
        .where((Listing.event_id == event_id) & (Listing.starts_at > now))
        .order_by(Listing.starts_at)
        .first()
    )
    if first is None:
        return None
    row = (
        await Event.select(
            Event.title,
            Event.original_locale,
            Event.category,
            Event.district_code,
            Event.division_code,
            Event.is_online,
            Event.venue_name,
        )
        .where((Event.id == event_id) & (Event.status == "published"))
        .first()
    )
    if row is None:
        return None
    titles = {row["original_locale"]: row["title"]}
    for translation in await EventTranslation.select(EventTranslation.locale, EventTranslation.title).where(
        EventTranslation.event == event_id
    ):
        titles.setdefault(translation["locale"], translation["title"])
    return FindableEvent(
        event_id=event_id,
        titles=titles,
        category_id=int(row["category"]),
        district_code=row["district_code"],
        division_code=row["division_code"],
        is_online=bool(row["is_online"]),
        venue_name=row["venue_name"],
        starts_at=aware(first["starts_at"]),
    )
