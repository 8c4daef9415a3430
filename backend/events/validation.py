"""The rules an event must meet (text, place, dates, places) and what counts as a material change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from backend.areas.schemas import LookupStatus
from backend.areas.services import AreasService
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.i18n import N_
from backend.events.ports import BookingsPort, organisation_standings
from backend.events.schedule import aware, schedule
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    MAX_OCCURRENCES,
    RECURRENCE_CODES,
    SUITS,
    TRANSLATION_LOCALES,
    EventIn,
    TranslationIn,
)
from backend.events.tables import Category, Occurrence
from backend.events.views import EventView, Place, Problems, places_taken_problems

MAX_TITLE = 150
MAX_DESCRIPTION = 5000
MAX_VENUE = 150
MAX_ADDRESS = 300
MAX_URL = 500
MAX_COST_NOTE = 200
MAX_REASON = 1000
MAX_CAPACITY = 100_000
MAX_PER_BOOKING = 50
MAX_COST_PENCE = 1_000_000
MAX_DURATION = timedelta(days=14)
MAX_SERIES_SPAN = timedelta(days=2 * 366)

# A change to any of these, on a published event of an untrusted organisation, waits for an officer.
MATERIAL_FIELDS = (
    "title",
    "description",
    "translations",
    "category",
    "place",
    "starts_at",
    "ends_at",
    "recurrence",
    "capacity",
    "cost",
)


def search_text_of(title: str, description: str, translations: Iterable[TranslationIn]) -> str:
    """The lower-cased text free-text search looks in."""
    parts = [title, description]
    for translation in translations:
        parts.extend([translation.title, translation.description])
    return " ".join(" ".join(part.split()) for part in parts if part).lower()


def _money(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}"


def _snapshot(data: EventIn, zone: ZoneInfo) -> dict[str, str]:
    """The public, material content of an event as text, for field-by-field differences."""

    def when(value: datetime | None) -> str:
        return aware(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    if data.is_online:
        place = data.online_url
    else:
        place = ", ".join(part for part in (data.venue_name, data.address, data.postcode) if part)
    translations: dict[str, TranslationIn] = {t.locale: t for t in data.translations if t.title or t.description}
    snapshot = {
        "title": data.title,
        "description": data.description,
        "category": data.category,
        "place": place,
        "starts_at": when(data.starts_at),
        "ends_at": when(data.ends_at),
        "recurrence": f"{data.recurrence} {when(data.recurrence_until)[:10]}".strip()
        if data.recurrence != "none"
        else "none",
        "capacity": str(data.capacity) if data.capacity is not None else "drop-in",
        "cost": (_money(data.cost_pence) + (f" ({data.cost_note})" if data.cost_note else "")),
    }
    for locale in TRANSLATION_LOCALES:
        item = translations.get(locale)
        snapshot[f"translations.{locale}"] = f"{item.title}\n\n{item.description}" if item else ""
    return snapshot


def material_diff(before: EventIn, after: EventIn, zone: ZoneInfo) -> dict[str, list[str]]:
    """Field → [before, after] for every material field that differs."""
    old, new = _snapshot(before, zone), _snapshot(after, zone)
    return {name: [old[name], new[name]] for name in old if old[name] != new[name]}


def _same_schedule(before: EventIn, after: EventIn) -> bool:
    return (
        aware(before.starts_at) == aware(after.starts_at)
        and aware(before.ends_at) == aware(after.ends_at)
        and before.recurrence == after.recurrence
        and (before.recurrence_until and aware(before.recurrence_until))
        == (after.recurrence_until and aware(after.recurrence_until))
    )


def _problem(problems: Problems, name: str, message: str, **params: Any) -> None:
    """Record the first problem of a field."""
    problems.setdefault(name, (message, params))


def _check_length(problems: Problems, name: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        _problem(problems, name, N_("Must be %(count)s characters or fewer"), count=maximum)


def _check_text(problems: Problems, data: EventIn) -> None:
    """Title, description and their translations."""
    if not data.title.strip():
        _problem(problems, "title", N_("Enter a title"))
    _check_length(problems, "title", data.title, MAX_TITLE)
    if not data.description.strip():
        _problem(problems, "description", N_("Enter a description"))
    _check_length(problems, "description", data.description, MAX_DESCRIPTION)
    for translation in data.translations:
        locale = translation.locale
        _check_length(problems, f"title_{locale}", translation.title, MAX_TITLE)
        _check_length(problems, f"description_{locale}", translation.description, MAX_DESCRIPTION)
        if translation.description.strip() and not translation.title.strip():
            _problem(problems, f"title_{locale}", N_("Enter the translated title, or remove the translation"))
        if translation.title.strip() and not translation.description.strip():
            _problem(
                problems, f"description_{locale}", N_("Enter the translated description, or remove the translation")
            )


async def _check_category(problems: Problems, data: EventIn, existing: EventView | None) -> int | None:
    """An active category (an existing event may keep one officers have since deactivated)."""
    row = await Category.select(Category.id, Category.active).where(Category.slug == data.category).first()
    if row is None or (not row["active"] and (existing is None or existing.category_slug != data.category)):
        _problem(problems, "category", N_("Choose a category from the list"))
        return None
    return int(row["id"])


def _check_booking(problems: Problems, data: EventIn) -> None:
    """Places, per-booking limit, cost, and the vocabularies."""
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        _problem(
            problems,
            "capacity",
            N_("Enter a number of places from 1 to %(max)s, or leave it empty for a drop-in"),
            max=MAX_CAPACITY,
        )
    if not 1 <= data.per_booking_limit <= MAX_PER_BOOKING:
        _problem(problems, "per_booking_limit", N_("Enter a number from 1 to %(max)s"), max=MAX_PER_BOOKING)
    if not 0 <= data.cost_pence <= MAX_COST_PENCE:
        _problem(problems, "cost", N_("Enter a cost from £0 to £10,000"))
    _check_length(problems, "cost_note", data.cost_note, MAX_COST_NOTE)
    for name, codes, vocabulary in (
        ("languages", data.languages, LANGUAGES),
        ("suits", data.suits, SUITS),
        ("accessibility", data.accessibility, ACCESSIBILITY),
    ):
        known = {choice.code for choice in vocabulary}
        if any(code not in known for code in codes):
            _problem(problems, name, N_("Choose from the list"))


class EventRules:
    """Every rule an event must meet before it is saved, and the places already taken on its dates."""

    def __init__(self, clock: Clock, engine: Engine[Any], zone: ZoneInfo, bookings: BookingsPort) -> None:
        self.clock = clock
        self.zone = zone
        self.bookings = bookings
        self.areas = AreasService(engine)

    async def check_all(
        self, user: CurrentUser, data: EventIn, existing: EventView | None
    ) -> tuple[Problems, Place, list[tuple[datetime, datetime]], int | None]:
        """Every rule an event must meet; the resolved place, its dates and its category id."""
        problems: Problems = {}
        await self._check_owner(problems, user, data)
        _check_text(problems, data)
        category_id = await _check_category(problems, data, existing)
        place = await self._check_place(problems, data)
        dates = self._check_when(problems, data, existing)
        _check_booking(problems, data)
        if existing is not None and "capacity" not in problems:
            await self._check_places_taken(problems, existing.id, data.capacity, len(dates))
        return problems, place, dates, category_id

    async def _check_places_taken(self, problems: Problems, event_id: int, capacity: int | None, dates: int) -> None:
        """A new capacity may not be below the places booked or held on a date that keeps its bookings."""
        if capacity is None:
            return
        rows = [row for row in (await self.schedule_rows(event_id))[:dates] if self.is_open(row)]
        taken = await self.places_taken([row for row in rows if row["capacity"] != capacity])
        most = max(taken.values(), default=0)
        if capacity < most:
            problems.update(places_taken_problems(most))

    async def schedule_rows(self, event_id: int) -> list[dict[str, Any]]:
        """The occurrences a schedule is laid over, in date order (the n-th takes the n-th date)."""
        rows = await Occurrence.select().where(Occurrence.event == event_id).order_by(Occurrence.starts_at)
        return [dict(row) for row in rows if row["status"] != "cancelled" or row["changed_alone"]]

    def is_open(self, row: dict[str, Any]) -> bool:
        """A scheduled date still to come: its places follow the event's capacity (past ones keep theirs)."""
        return bool(row["status"] == "scheduled" and aware(row["starts_at"]) > self.clock.now())

    async def places_taken(self, rows: list[dict[str, Any]]) -> dict[int, int]:
        """Places booked or held per occurrence: the bookings service's count, or more if the row shows more."""
        booked: dict[int, int] = {}
        if rows:
            booked = dict(await self.bookings.counts([row["id"] for row in rows]))
        taken: dict[int, int] = {}
        for row in rows:
            shown = 0
            if row["capacity"] is not None and row["places_left"] is not None:
                shown = row["capacity"] - row["places_left"]
            taken[row["id"]] = max(booked.get(row["id"], 0), shown)
        return taken

    async def _check_owner(self, problems: Problems, user: CurrentUser, data: EventIn) -> None:
        if data.organisation_id not in user.organisation_ids:
            _problem(problems, "organisation_id", N_("Choose one of your organisations"))
            return
        standing = (await organisation_standings([data.organisation_id])).get(data.organisation_id)
        if standing is None or not standing.verified:
            _problem(
                problems,
                "organisation_id",
                N_("Your organisation must be verified by the council before it can post events"),
            )

    async def _check_place(self, problems: Problems, data: EventIn) -> Place:
        if data.is_online:
            url = data.online_url.strip()
            if not url:
                _problem(problems, "online_url", N_("Enter the link people use to join"))
            elif len(url) > MAX_URL:
                _problem(problems, "online_url", N_("Must be %(count)s characters or fewer"), count=MAX_URL)
            elif not url.startswith(("https://", "http://")) or " " in url:
                _problem(problems, "online_url", N_("Enter a link starting with https://"))
            return Place(is_online=True, online_url=url)
        if not data.venue_name.strip():
            _problem(problems, "venue_name", N_("Enter the name of the venue"))
        elif len(data.venue_name) > MAX_VENUE:
            _problem(problems, "venue_name", N_("Must be %(count)s characters or fewer"), count=MAX_VENUE)
        if len(data.address) > MAX_ADDRESS:
            _problem(problems, "address", N_("Must be %(count)s characters or fewer"), count=MAX_ADDRESS)
        if not data.postcode.strip():
            _problem(problems, "postcode", N_("Enter the venue's postcode"))
            return Place(is_online=False)
        found = await self.areas.lookup(data.postcode)
        if found.status is LookupStatus.INVALID:
            _problem(problems, "postcode", N_("Enter a real postcode, like OX4 1AA"))
        if found.location is None:
            _problem(problems, "postcode", N_("Enter a postcode in Oxfordshire"))
            return Place(is_online=False)
        location = found.location
        return Place(
            is_online=False,
            venue_name=data.venue_name.strip(),
            address=data.address.strip(),
            postcode=location.postcode,
            district_code=location.district.code,
            division_code=location.division.code if location.division else "",
            latitude=location.latitude,
            longitude=location.longitude,
        )

    def _check_when(
        self, problems: Problems, data: EventIn, existing: EventView | None
    ) -> list[tuple[datetime, datetime]]:
        starts, ends = aware(data.starts_at), aware(data.ends_at)
        moved = existing is None or not _same_schedule(existing.as_input(), data)
        if moved and starts < self.clock.now():
            _problem(problems, "starts_at", N_("The start must be in the future"))
        if ends <= starts:
            _problem(problems, "ends_at", N_("The end must be after the start"))
        elif ends - starts > MAX_DURATION:
            _problem(problems, "ends_at", N_("An event can last up to %(days)s days; use a repeating event"), days=14)
        if data.recurrence not in RECURRENCE_CODES:
            _problem(problems, "recurrence", N_("Choose how often the event happens"))
            return []
        until = data.recurrence_until
        if data.recurrence != "none":
            if until is None:
                _problem(problems, "recurrence_until", N_("Enter the date of the last event"))
            elif aware(until).astimezone(self.zone).date() < starts.astimezone(self.zone).date():
                _problem(problems, "recurrence_until", N_("The last date must be on or after the start"))
            elif aware(until) - starts > MAX_SERIES_SPAN:
                _problem(problems, "recurrence_until", N_("The last date must be within 2 years"))
        if {"ends_at", "recurrence_until"} & problems.keys():
            return []
        dates = schedule(starts, ends, data.recurrence, until, zone=self.zone, limit=MAX_OCCURRENCES)
        if len(dates) > MAX_OCCURRENCES:
            _problem(
                problems,
                "recurrence_until",
                N_("A series can have up to %(count)s dates; choose an earlier last date"),
                count=MAX_OCCURRENCES,
            )
        return dates

    async def taken_now(self, occurrence_id: int) -> int:
        """Places booked or held on one occurrence, read again (after a refused capacity change)."""
        row = await Occurrence.select().where(Occurrence.id == occurrence_id).first()
        if row is None:
            return 0
        return (await self.places_taken([dict(row)])).get(occurrence_id, 0)
