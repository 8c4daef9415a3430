"""iCalendar files for events: one occurrence, a whole series, or a subscribable feed (the `icalendar` library).

Every occurrence is its own VEVENT with a stable UID (`occurrence-<id>@<host>`), so a calendar that
imported it once updates it in place when it changes: SEQUENCE grows with every published change to the
event or the occurrence, and a cancelled occurrence says `STATUS:CANCELLED`. Times carry
`TZID=Europe/London` and the calendar holds the matching VTIMEZONE.

Callers pass plain data (`CalendarEntry`), so the bookings domain can attach an occurrence to an email
without touching the events tables: `occurrence_ics(entry, host=..., stamp=clock.now())`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vGeo, vText

TIME_ZONE = "Europe/London"
PRODUCT_ID = "-//Hearby//Events//EN"
ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
# The UK's rules since 1996 (EU summer time: last Sunday of March to last Sunday of October, at 01:00 UTC),
# as two recurring rules rather than a list of every change since 1970.
LONDON_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/London
X-LIC-LOCATION:Europe/London
BEGIN:DAYLIGHT
TZNAME:BST
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:GMT
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One occurrence of an event, as a calendar needs it (all plain data)."""

    occurrence_id: int
    event_id: int
    title: str
    description: str
    starts_at: datetime  # aware (any zone; written in Europe/London)
    ends_at: datetime
    sequence: int  # grows with every published change: the event's sequence plus the occurrence's
    cancelled: bool = False
    location: str = ""  # venue, address and postcode, or the online link
    url: str = ""  # the public page of this occurrence
    latitude: float | None = None
    longitude: float | None = None
    categories: tuple[str, ...] = ()


def host_of(base_url: str) -> str:
    """The host part of the site's base URL, for UIDs (`hearby.example.org`)."""
    return urlsplit(base_url).hostname or "hearby.invalid"


def occurrence_uid(occurrence_id: int, host: str) -> str:
    """The stable UID of an occurrence: the same in every file and feed that includes it."""
    return f"occurrence-{occurrence_id}@{host}"


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def _vevent(entry: CalendarEntry, host: str, stamp: datetime, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", occurrence_uid(entry.occurrence_id, host))
    event.add("dtstamp", _local(stamp, ZoneInfo("UTC")))
    event.add("dtstart", _local(entry.starts_at, zone))
    event.add("dtend", _local(entry.ends_at, zone))
    event.add("sequence", max(0, entry.sequence))
    event.add("summary", vText(entry.title))
    if entry.description:
        event.add("description", vText(entry.description))
    if entry.location:
        event.add("location", vText(entry.location))
    if entry.latitude is not None and entry.longitude is not None:
        event.add("geo", vGeo((entry.latitude, entry.longitude)))
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    return event


def calendar_ics(
    entries: Sequence[CalendarEntry], *, host: str, stamp: datetime, name: str = "", method: str = "PUBLISH"
) -> bytes:
    """A calendar holding these occurrences (a file or a subscribable feed), with the Europe/London VTIMEZONE."""
    zone = ZoneInfo(TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", TIME_ZONE)
    calendar.add_component(Timezone.from_ical(LONDON_VTIMEZONE.replace("\n", "\r\n")))
    for entry in entries:
        calendar.add_component(_vevent(entry, host, stamp, zone))
    return bytes(calendar.to_ical())


def occurrence_ics(entry: CalendarEntry, *, host: str, stamp: datetime) -> bytes:
    """An `.ics` file for one occurrence (the booking email attaches this)."""
    return calendar_ics([entry], host=host, stamp=stamp, name=entry.title)


def event_ics(entries: Sequence[CalendarEntry], *, host: str, stamp: datetime) -> bytes:
    """An `.ics` file for an event: every occurrence of the series, each with its own UID."""
    name = entries[0].title if entries else ""
    return calendar_ics(entries, host=host, stamp=stamp, name=name)
