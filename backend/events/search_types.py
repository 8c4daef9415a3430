"""What a search of events takes and gives: the filters as typed, their errors, the checked criteria, and
the result types (a page of cards, an event's detail) that the pages render and the API returns.

Also the checks that need no lookup (dates, fixed lists) and the date window of "today", "this weekend" and
"the next 7 days". The search itself is `discovery.DiscoveryService`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec

from backend.core.i18n import N_
from backend.events.schemas import ACCESSIBILITY_CODES, LANGUAGE_CODES, SUITS_CODES

PER_PAGE = 20
COUNT_LIMIT = 500  # "more than 500 match": 25 pages, more than anyone browses on a phone; counting stops there
MAX_PAGE = COUNT_LIMIT // PER_PAGE
RADII = (1, 3, 5, 10)
DEFAULT_RADIUS = 3
RADIUS_TEXT = tuple(str(radius) for radius in RADII)
WHEN_CHOICES = ("today", "weekend", "week")
MAX_QUERY = 100

# Messages next to the filter fields (translated by the caller).
BAD_DATE = N_("Enter a real date, like 2026-05-28")
TO_BEFORE_FROM = N_("The end date must be the same as or after the start date")
UNKNOWN_DISTRICT = N_("Choose a district from the list")
UNKNOWN_DIVISION = N_("Choose a county division from the list")
UNKNOWN_CATEGORY = N_("Choose a kind of event from the list")
UNKNOWN_CHOICE = N_("Choose one of the options")
BAD_POSTCODE = N_("Enter a real postcode, like OX4 1AA")
POSTCODE_OUTSIDE = N_(
    "Sorry, %(postcode)s is not in Oxfordshire. Try a postcode in Oxfordshire, or choose a district instead."
)


@dataclass(frozen=True)
class FilterInput:
    """The filters as typed (query parameters of /events, the feeds, the embed page and the API)."""

    q: str = ""
    when: str = ""
    date_from: str = ""
    date_to: str = ""
    district: str = ""
    division: str = ""
    postcode: str = ""
    radius_miles: str = ""
    category: str = ""
    language: str = ""
    accessibility: tuple[str, ...] = ()
    free: bool = False
    suits: str = ""
    online: str = ""  # "", "true" (online only) or "false" (in person only)
    page: int = 1

    def pairs(self, *, page: int | None = None) -> list[tuple[str, str]]:
        """The filters as query-string pairs (empty ones left out), for links to other pages and feeds."""
        items: list[tuple[str, str]] = [
            ("q", self.q),
            ("when", self.when),
            ("from", self.date_from),
            ("to", self.date_to),
            ("district", self.district),
            ("division", self.division),
            ("postcode", self.postcode),
            ("radius_miles", self.radius_miles if self.postcode else ""),
            ("category", self.category),
            ("language", self.language),
            *[("accessibility", code) for code in self.accessibility],
            ("free", "true" if self.free else ""),
            ("suits", self.suits),
            ("online", self.online),
        ]
        if page is not None and page > 1:
            items.append(("page", str(page)))
        return [(name, value) for name, value in items if value]

    def query_string(self, *, page: int | None = None) -> str:
        """`q=tea&accessibility=step_free…`: the same filters, for links (no page unless given)."""
        return urlencode(self.pairs(page=page))

    @property
    def any(self) -> bool:
        """True when at least one filter is set."""
        return bool(self.pairs())


@dataclass(frozen=True)
class FilterError:
    """A message (marked with `N_`) for one field, with its placeholders."""

    message: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Criteria:
    """Filters checked and resolved to what the query needs."""

    starts_from: datetime
    starts_before: datetime | None = None
    district_code: str = ""
    division_code: str = ""
    centre: tuple[float, float] | None = None
    radius_miles: float | None = None
    place: str = ""  # the normalised postcode searched around
    category_id: int | None = None
    language_mask: int = 0
    accessibility_mask: int = 0
    suits_mask: int = 0
    free: bool = False
    online: bool | None = None
    terms: tuple[str, ...] = ()


class EventCard(msgspec.Struct):
    """One upcoming date in a list of results (the API's list item; the page renders the same)."""

    event_id: int
    occurrence_id: int
    title: str
    summary: str
    locale: str  # the language of title and summary
    translated: bool  # False when shown in its original language because no translation was supplied
    starts_at: datetime
    ends_at: datetime
    category: str
    category_name: str
    is_online: bool
    venue_name: str
    postcode: str
    district_code: str
    division_code: str
    latitude: float | None
    longitude: float | None
    distance_miles: float | None
    cost_pence: int
    drop_in: bool
    places_left: int | None
    languages: list[str]
    suits: list[str]
    accessibility: list[str]
    url: str


class SearchPage(msgspec.Struct):
    """A page of results and how many match in all (`more`: at least `total`, which is then the counting limit)."""

    total: int
    more: bool
    page: int
    per_page: int
    pages: int
    items: list[EventCard]


class OccurrenceInfo(msgspec.Struct):
    """One date of a public event."""

    id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    drop_in: bool
    places_left: int | None
    url: str
    book_url: str | None


class EventDetail(msgspec.Struct):
    """A public event in the resident's language where the partner supplied it."""

    id: int
    title: str
    description: str
    locale: str  # the language of title and description as shown
    original_locale: str
    translated: bool  # False: the original, and the resident's language differs (the page says so)
    organiser: str
    category: str
    category_name: str
    is_online: bool
    online_url: str
    venue_name: str
    address: str
    postcode: str
    district_code: str
    division_code: str
    latitude: float | None
    longitude: float | None
    cost_pence: int
    cost_note: str
    per_booking_limit: int
    languages: list[str]
    suits: list[str]
    accessibility: list[str]
    recurrence: str
    sequence: int
    occurrence: OccurrenceInfo | None  # the date asked for, or the next one
    upcoming: list[OccurrenceInfo]  # the next dates of the series (scheduled and cancelled)
    url: str


def parse_day(text: str) -> date | None:
    """A date typed as YYYY-MM-DD, or None when empty or not a real date."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def window(
    when: str, day_from: date | None, day_to: date | None, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime | None]:
    """The start-time window for `when` (today, this weekend, the next 7 days) narrowed by a date range."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone)

    today = now.astimezone(zone).date()
    start, end = now, None
    if when == "today":
        end = midnight(today + timedelta(days=1))
    elif when == "weekend":
        weekday = today.weekday()  # Monday 0 … Sunday 6
        saturday = today - timedelta(days=1) if weekday == 6 else today + timedelta(days=5 - weekday)
        start = max(now, midnight(saturday))
        end = midnight(saturday + timedelta(days=2))
    elif when == "week":
        end = midnight(today + timedelta(days=8))
    if day_from is not None:
        start = max(start, midnight(day_from))
    if day_to is not None:
        until = midnight(day_to + timedelta(days=1))
        end = until if end is None else min(end, until)
    return start, end


def check_choices(raw: FilterInput) -> dict[str, FilterError]:
    """Errors in the filters that need no lookup: dates and the fixed lists."""
    errors: dict[str, FilterError] = {}
    day_from, day_to = parse_day(raw.date_from), parse_day(raw.date_to)
    if raw.date_from.strip() and day_from is None:
        errors["from"] = FilterError(BAD_DATE)
    if raw.date_to.strip() and day_to is None:
        errors["to"] = FilterError(BAD_DATE)
    if day_from and day_to and day_to < day_from:
        errors["to"] = FilterError(TO_BEFORE_FROM)
    checks = (
        ("when", raw.when, WHEN_CHOICES),
        ("radius_miles", raw.radius_miles, RADIUS_TEXT),
        ("language", raw.language, LANGUAGE_CODES),
        ("suits", raw.suits, SUITS_CODES),
        ("online", raw.online, ("true", "false")),
    )
    for name, value, allowed in checks:
        if value and value not in allowed:
            errors[name] = FilterError(UNKNOWN_CHOICE)
    if any(code not in ACCESSIBILITY_CODES for code in raw.accessibility):
        errors["accessibility"] = FilterError(UNKNOWN_CHOICE)
    return errors
