"""The `.ics` of a matched exchange, built with the events domain's calendar helpers (same VTIMEZONE)."""

from __future__ import annotations

from datetime import datetime

from backend.events.calendar import CalendarEntry, calendar_ics, host_of
from backend.exchanges.common import SlotView

# Exchange UIDs must never collide with events' `occurrence-<id>`: slot ids are offset into their own range.
UID_OFFSET = 1_000_000_000


def exchange_ics(slot: SlotView, title: str, *, base_url: str, now: datetime) -> bytes:
    """One VEVENT for the slot; the location is the venue and postcode (never the online link: it comes on the day)."""
    location = ", ".join(part for part in (slot.venue, slot.area, slot.postcode) if part) if not slot.online else ""
    entry = CalendarEntry(
        occurrence_id=UID_OFFSET + slot.id,
        event_id=0,
        title=title,
        description="",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        sequence=slot.sequence,
        location=location,
        url="",
    )
    return calendar_ics([entry], host=host_of(base_url), stamp=now, name=title)
