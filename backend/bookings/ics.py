"""The `.ics` for a booked occurrence (email attachment and the manage page's "Add to calendar").

An adapter over the events domain's calendar module (`backend.events.calendar.occurrence_ics`), the one
source of calendar files: the same UID (`occurrence-<id>@<host>`), SEQUENCE and STATUS as the event's own
`.ics` and feeds, so a calendar that imported either updates the same entry.
"""

from __future__ import annotations

import base64
from datetime import datetime

from backend.events.calendar import CalendarEntry, host_of
from backend.events.calendar import occurrence_ics as events_occurrence_ics
from backend.events.capacity import OccurrenceForBooking

ICS_CONTENT_TYPE = "text/calendar"


def occurrence_ics(occurrence: OccurrenceForBooking, *, base_url: str, now: datetime) -> bytes:
    """One VEVENT for this occurrence in a VCALENDAR (Europe/London), as bytes."""
    entry = CalendarEntry(
        occurrence_id=occurrence.occurrence_id,
        event_id=occurrence.event_id,
        title=occurrence.title,
        description="",
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        sequence=occurrence.sequence,
        cancelled=occurrence.status == "cancelled" or occurrence.event_status == "cancelled",
        location=occurrence.location(),
        url=f"{base_url}/events/{occurrence.event_id}/{occurrence.occurrence_id}",
    )
    return events_occurrence_ics(entry, host=host_of(base_url), stamp=now)


def ics_attachment(data: bytes, filename: str = "event.ics") -> dict[str, str]:
    """An email payload attachment (see backend/notifications/email.py)."""
    return {
        "filename": filename,
        "content_type": ICS_CONTENT_TYPE,
        "content_base64": base64.b64encode(data).decode("ascii"),
    }
