"""Posting and approval of partner events: the rules for what partners may post and officers decide.

Partners create and edit events for organisations they belong to; trusted organisations publish at once,
others wait for an officer. A material change to a published event of an untrusted organisation is kept
in `Event.pending_changes` (the approved version stays visible) until an officer approves or rejects it.
Every change is written with its audit entry (and outbox email) in one transaction.

The read side for residents (listing, ICS, feeds) is `backend/events/discovery.py`; places and bookings
are `backend/events/capacity.py` and the bookings domain. This module reaches bookings only through
`BookingsPort` (see `bookings_port`), so it works before and after that domain lands.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.engine.base import Engine

from backend.areas.schemas import LookupStatus
from backend.areas.services import AreasService
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import json_object, write_transaction
from backend.core.i18n import N_
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events import listing
from backend.events.capacity import CapacityService
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    MAX_OCCURRENCES,
    RECURRENCE_CODES,
    SUITS,
    TRANSLATION_LOCALES,
    EventIn,
    TranslationIn,
    codes_of,
    mask_of,
)
from backend.events.tables import Category, Event, EventDecision, EventTranslation, Occurrence
from backend.notifications import partners
from backend.settings import Settings

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

# Field name → (message, params). Messages are marked with N_ and translated by the caller.
Problems = dict[str, tuple[str, dict[str, Any]]]


class EventNotFoundError(Exception):
    """No such event, or not one this person may see (shown as 404 either way)."""


class PlacesTakenError(Exception):
    """A new capacity is below the places already booked or held on a date (the change is rolled back)."""

    def __init__(self, taken: int) -> None:
        super().__init__(taken)
        self.taken = taken

    @property
    def problems(self) -> Problems:
        """The capacity field's error."""
        return _places_taken(taken=self.taken)


def _places_taken(taken: int) -> Problems:
    return {
        "capacity": (
            N_("Enter %(count)s or more: that many places are already booked or held on a date of this event"),
            {"count": taken},
        )
    }


class NotAllowedError(Exception):
    """The event exists but this action is not allowed in its current state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- Collaborators: organisations (accounts) and bookings ----------------------------------------


@dataclass(frozen=True)
class OrganisationStanding:
    """What events need to know about an organisation: may it publish, and is it trusted."""

    id: int
    name: str
    status: str  # pending, verified, rejected
    trusted: bool

    @property
    def verified(self) -> bool:
        """True when an officer has verified the organisation."""
        return self.status == "verified"


async def organisation_standings(ids: Iterable[int]) -> dict[int, OrganisationStanding]:
    """Name, status and trust of these organisations, through the accounts service's helpers."""
    from backend.accounts import services as accounts  # noqa: PLC0415 - accounts registers before events

    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    names = await accounts.organisation_names(wanted)
    standings: dict[int, OrganisationStanding] = {}
    for organisation_id in wanted:
        standing = await accounts.organisation_standing(organisation_id)
        if standing is not None:
            status, trusted = standing
            standings[organisation_id] = OrganisationStanding(
                id=organisation_id, name=names.get(organisation_id, ""), status=status, trusted=trusted
            )
    return standings


class BookingsPort(Protocol):
    """The calls events makes on the bookings service (`backend.bookings.services.BookingsService`)."""

    async def occurrence_cancelled(self, occurrence_id: int, reason: str) -> int:
        """Cancel the bookings of a cancelled occurrence and tell everyone (inside the caller's transaction)."""
        ...

    async def occurrence_moved(self, occurrence_id: int, was_starts_at: datetime, was_ends_at: datetime) -> int:
        """Tell everyone booked on a moved occurrence its old and new time (inside the caller's transaction)."""
        ...

    async def counts(self, occurrence_ids: list[int]) -> dict[int, int]:
        """Places booked per occurrence."""
        ...

    async def attendees(self, occurrence_id: int) -> Sequence[Any]:
        """The people booked on an occurrence (name, email, places, access needs)."""
        ...

    async def message_attendees(self, occurrence_id: int, subject: str, body: str, sender: CurrentUser | None) -> int:
        """Email everyone booked on an occurrence through the outbox; returns how many were told."""
        ...

    async def offer_free_places(self, occurrence_id: int) -> int:
        """Offer an occurrence's free places to its waitlist, in order (inside the caller's transaction)."""
        ...


def bookings_port(state: Any) -> BookingsPort | None:
    """The bookings service for the app's state, or None when the bookings domain is not installed."""
    try:
        from backend.bookings.services import BookingsService  # noqa: PLC0415 - bookings registers after events
    except ImportError:  # pragma: no cover - only before the bookings domain existed
        return None
    return BookingsService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


# ---- What the service returns ------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryView:
    """A category with its names in each site language."""

    id: int
    slug: str
    names: dict[str, str]
    position: int
    active: bool

    def name(self, locale: str) -> str:
        """The name in this language, else English, else the slug."""
        return self.names.get(locale) or self.names.get("en") or self.slug


@dataclass(frozen=True)
class OccurrenceView:
    """One date of an event, with how many places are booked when the bookings service says."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    capacity: int | None
    places_left: int | None
    sequence: int
    changed_alone: bool
    booked: int | None = None


@dataclass(frozen=True)
class DecisionView:
    """One officer decision on an event."""

    decision: str
    reason: str
    officer_id: int | None
    decided_at: datetime
    changes: dict[str, Any]


@dataclass(frozen=True)
class EventView:
    """An event as partners and officers see it (not the public page)."""

    id: int
    organisation_id: int
    organisation_name: str
    status: str
    title: str
    description: str
    original_locale: str
    category_id: int
    category_slug: str
    category_names: dict[str, str]
    is_online: bool
    online_url: str
    venue_name: str
    address: str
    postcode: str
    district_code: str
    division_code: str
    capacity: int | None
    per_booking_limit: int
    cost_pence: int
    cost_note: str
    languages: list[str]
    suits: list[str]
    accessibility: list[str]
    recurrence: str
    recurrence_until: datetime | None
    sequence: int
    pending_changes: dict[str, Any]
    decision_reason: str
    created_at: datetime
    published_at: datetime | None
    translations: dict[str, tuple[str, str]]
    occurrences: list[OccurrenceView] = field(default_factory=list)

    @property
    def has_pending_changes(self) -> bool:
        """True when a material change waits for an officer."""
        return bool(self.pending_changes.get("data"))

    @property
    def diff(self) -> dict[str, list[str]]:
        """Field → [approved value, proposed value] of the waiting change."""
        return dict(self.pending_changes.get("diff", {}))

    @property
    def first(self) -> OccurrenceView | None:
        """The occurrence that stands for the series (the first not changed on its own)."""
        series = [o for o in self.occurrences if not o.changed_alone] or self.occurrences
        return series[0] if series else None

    @property
    def upcoming(self) -> list[OccurrenceView]:
        """Occurrences in date order (all of them; templates mark past ones)."""
        return self.occurrences

    def category_name(self, locale: str) -> str:
        """The category's name in this language."""
        return self.category_names.get(locale) or self.category_names.get("en") or self.category_slug

    def as_input(self) -> EventIn:
        """The event as the edit form and the duplicate action start from."""
        first = self.first
        starts = first.starts_at if first else datetime.now(UTC)
        ends = first.ends_at if first else starts + timedelta(hours=1)
        return EventIn(
            organisation_id=self.organisation_id,
            title=self.title,
            description=self.description,
            category=self.category_slug,
            starts_at=starts,
            ends_at=ends,
            is_online=self.is_online,
            online_url=self.online_url,
            venue_name=self.venue_name,
            address=self.address,
            postcode=self.postcode,
            recurrence=self.recurrence,  # type: ignore[arg-type]
            recurrence_until=self.recurrence_until,
            capacity=self.capacity,
            per_booking_limit=self.per_booking_limit,
            cost_pence=self.cost_pence,
            cost_note=self.cost_note,
            languages=list(self.languages),
            suits=list(self.suits),
            accessibility=list(self.accessibility),
            translations=[
                TranslationIn(locale=locale, title=title, description=description)  # type: ignore[arg-type]
                for locale, (title, description) in self.translations.items()
            ],
            original_locale=self.original_locale,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class SaveResult:
    """The outcome of creating or editing an event."""

    event_id: int | None
    status: str = ""
    problems: Problems = field(default_factory=dict)
    awaiting_approval: bool = False  # a change to a published event now waits for an officer

    @property
    def ok(self) -> bool:
        """True when the event was saved."""
        return not self.problems


@dataclass(frozen=True)
class QueueItem:
    """An event waiting for an officer: new (pending) or a change to a published one."""

    event_id: int
    title: str
    organisation_name: str
    kind: str  # "new" or "change"
    submitted_at: datetime
    first_starts_at: datetime | None


@dataclass(frozen=True)
class _Place:
    """Where the event is, as resolved by the areas service."""

    is_online: bool
    online_url: str = ""
    venue_name: str = ""
    address: str = ""
    postcode: str = ""
    district_code: str = ""
    division_code: str = ""
    latitude: float | None = None
    longitude: float | None = None


# ---- Pure helpers ---------------------------------------------------------------------------------


def aware(value: datetime) -> datetime:
    """A datetime with a time zone (naive values from the database are UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add_months(moment: datetime, months: int, day: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]))


def schedule(
    starts_at: datetime, ends_at: datetime, recurrence: str, until: datetime | None, *, zone: ZoneInfo, limit: int
) -> list[tuple[datetime, datetime]]:
    """The dates of a series, in UTC: the same local time each week, fortnight or month, until a date.

    Local wall-clock time is kept across clock changes (18:30 stays 18:30 in summer and winter).
    Returns at most `limit + 1` dates, so a caller can tell that a series is too long.
    """
    duration = ends_at - starts_at
    local_start = aware(starts_at).astimezone(zone).replace(tzinfo=None)
    if recurrence == "none" or until is None:
        return [(aware(starts_at).astimezone(UTC), aware(starts_at).astimezone(UTC) + duration)]
    last_day = aware(until).astimezone(zone).date()
    dates: list[tuple[datetime, datetime]] = []
    index = 0
    while len(dates) <= limit:
        if recurrence == "weekly":
            local = local_start + timedelta(weeks=index)
        elif recurrence == "fortnightly":
            local = local_start + timedelta(weeks=2 * index)
        else:
            local = _add_months(local_start, index, local_start.day)
        if local.date() > last_day:
            break
        start = local.replace(tzinfo=zone).astimezone(UTC)
        dates.append((start, start + duration))
        index += 1
    return dates


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


# ---- The service ------------------------------------------------------------------------------------


class EventsService:
    """Posting, editing, cancelling and approving events; categories."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        bookings: BookingsPort | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.bookings = bookings
        self.areas = AreasService(engine)
        self.zone = ZoneInfo(settings.time_zone)

    # --- categories ------------------------------------------------------------------------------

    async def categories(self, *, include_inactive: bool = False) -> list[CategoryView]:
        """Categories in display order (active ones only unless asked)."""
        query = Category.select().order_by(Category.position).order_by(Category.id)
        if not include_inactive:
            query = query.where(Category.active == True)  # noqa: E712 - Piccolo builds SQL from ==
        rows = await query
        return [
            CategoryView(
                id=row["id"],
                slug=row["slug"],
                names={str(k): str(v) for k, v in json_object(row["names"]).items()},
                position=row["position"],
                active=bool(row["active"]),
            )
            for row in rows
        ]

    async def add_category(self, officer: CurrentUser, slug: str, names: dict[str, str]) -> Problems:
        """Add a category (slug: lower-case letters, digits and hyphens)."""
        problems: Problems = {}
        if not slug or len(slug) > 60 or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
            problems["slug"] = (N_("Enter a short name using lower-case letters, numbers and hyphens"), {})
        slug = slug.lower()
        if not names.get("en"):
            problems["name_en"] = (N_("Enter the name in English"), {})
        for locale, name in names.items():
            if len(name) > 100:
                problems[f"name_{locale}"] = (N_("Must be %(count)s characters or fewer"), {"count": 100})
        if problems:
            return problems
        async with write_transaction(self.engine):
            if await Category.exists().where(Category.slug == slug):
                return {"slug": (N_("There is already a category with that short name"), {})}
            position = len(await Category.select(Category.id)) + 1
            rows = await Category.insert(
                Category(slug=slug, names={k: v for k, v in names.items() if v}, position=position, active=True)
            ).returning(Category.id)
            await audit.record(
                "category.created", actor=officer, subject_type="category", subject_id=rows[0]["id"], details=names
            )
        return {}

    async def rename_category(self, officer: CurrentUser, category_id: int, names: dict[str, str]) -> Problems:
        """Change a category's names (empty names for other languages fall back to English)."""
        problems: Problems = {}
        if not names.get("en"):
            problems["name_en"] = (N_("Enter the name in English"), {})
        for locale, name in names.items():
            if len(name) > 100:
                problems[f"name_{locale}"] = (N_("Must be %(count)s characters or fewer"), {"count": 100})
        if problems:
            return problems
        async with write_transaction(self.engine):
            row = await Category.select(Category.names).where(Category.id == category_id).first()
            if row is None:
                raise EventNotFoundError
            await Category.update({Category.names: {k: v for k, v in names.items() if v}}).where(
                Category.id == category_id
            )
            await audit.record(
                "category.renamed",
                actor=officer,
                subject_type="category",
                subject_id=category_id,
                details={"before": json_object(row["names"]), "after": names},
            )
        return {}

    async def set_category_active(self, officer: CurrentUser, category_id: int, *, active: bool) -> None:
        """Deactivate a category (no new events use it; existing ones keep it) or bring it back."""
        async with write_transaction(self.engine):
            if not await Category.exists().where(Category.id == category_id):
                raise EventNotFoundError
            await Category.update({Category.active: active}).where(Category.id == category_id)
            action = "category.activated" if active else "category.deactivated"
            await audit.record(action, actor=officer, subject_type="category", subject_id=category_id)

    # --- validation ------------------------------------------------------------------------------

    async def _check(
        self, user: CurrentUser, data: EventIn, existing: EventView | None
    ) -> tuple[Problems, _Place, list[tuple[datetime, datetime]], int | None]:
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
        rows = [row for row in (await self._schedule_rows(event_id))[:dates] if self._open(row)]
        taken = await self._places_taken([row for row in rows if row["capacity"] != capacity])
        most = max(taken.values(), default=0)
        if capacity < most:
            problems.update(_places_taken(most))

    async def _schedule_rows(self, event_id: int) -> list[dict[str, Any]]:
        """The occurrences a schedule is laid over, in date order (the n-th takes the n-th date)."""
        rows = await Occurrence.select().where(Occurrence.event == event_id).order_by(Occurrence.starts_at)
        return [dict(row) for row in rows if row["status"] != "cancelled" or row["changed_alone"]]

    def _open(self, row: dict[str, Any]) -> bool:
        """A scheduled date still to come: its places follow the event's capacity (past ones keep theirs)."""
        return bool(row["status"] == "scheduled" and aware(row["starts_at"]) > self.clock.now())

    async def _places_taken(self, rows: list[dict[str, Any]]) -> dict[int, int]:
        """Places booked or held per occurrence: the bookings service's count, or more if the row shows more."""
        booked: dict[int, int] = {}
        if self.bookings is not None and rows:
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

    async def _check_place(self, problems: Problems, data: EventIn) -> _Place:
        if data.is_online:
            url = data.online_url.strip()
            if not url:
                _problem(problems, "online_url", N_("Enter the link people use to join"))
            elif len(url) > MAX_URL:
                _problem(problems, "online_url", N_("Must be %(count)s characters or fewer"), count=MAX_URL)
            elif not url.startswith(("https://", "http://")) or " " in url:
                _problem(problems, "online_url", N_("Enter a link starting with https://"))
            return _Place(is_online=True, online_url=url)
        if not data.venue_name.strip():
            _problem(problems, "venue_name", N_("Enter the name of the venue"))
        elif len(data.venue_name) > MAX_VENUE:
            _problem(problems, "venue_name", N_("Must be %(count)s characters or fewer"), count=MAX_VENUE)
        if len(data.address) > MAX_ADDRESS:
            _problem(problems, "address", N_("Must be %(count)s characters or fewer"), count=MAX_ADDRESS)
        if not data.postcode.strip():
            _problem(problems, "postcode", N_("Enter the venue's postcode"))
            return _Place(is_online=False)
        found = await self.areas.lookup(data.postcode)
        if found.status is LookupStatus.INVALID:
            _problem(problems, "postcode", N_("Enter a real postcode, like OX4 1AA"))
        if found.location is None:
            _problem(problems, "postcode", N_("Enter a postcode in Oxfordshire"))
            return _Place(is_online=False)
        location = found.location
        return _Place(
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

    # --- reading -------------------------------------------------------------------------------

    async def _views(self, event_rows: list[dict[str, Any]], *, with_counts: bool = False) -> list[EventView]:
        if not event_rows:
            return []
        ids = [row["id"] for row in event_rows]
        categories = {c.id: c for c in await self.categories(include_inactive=True)}
        standings = await organisation_standings(row["organisation_id"] for row in event_rows)
        translations: dict[int, dict[str, tuple[str, str]]] = {}
        for row in await EventTranslation.select().where(EventTranslation.event.is_in(ids)):
            translations.setdefault(row["event"], {})[row["locale"]] = (row["title"], row["description"])
        occurrence_rows = await Occurrence.select().where(Occurrence.event.is_in(ids)).order_by(Occurrence.starts_at)
        counts: dict[int, int] = {}
        if with_counts and self.bookings is not None and occurrence_rows:
            counts = dict(await self.bookings.counts([row["id"] for row in occurrence_rows]))
        occurrences: dict[int, list[OccurrenceView]] = {}
        for row in occurrence_rows:
            booked = counts.get(row["id"], 0) if with_counts and self.bookings is not None else None
            if booked is None and row["capacity"] is not None and row["places_left"] is not None:
                booked = row["capacity"] - row["places_left"]
            occurrences.setdefault(row["event"], []).append(
                OccurrenceView(
                    id=row["id"],
                    starts_at=aware(row["starts_at"]),
                    ends_at=aware(row["ends_at"]),
                    status=row["status"],
                    capacity=row["capacity"],
                    places_left=row["places_left"],
                    sequence=row["sequence"],
                    changed_alone=bool(row["changed_alone"]),
                    booked=booked,
                )
            )
        views = []
        for row in event_rows:
            category = categories.get(row["category"])
            standing = standings.get(row["organisation_id"])
            views.append(
                EventView(
                    id=row["id"],
                    organisation_id=row["organisation_id"],
                    organisation_name=standing.name if standing else "",
                    status=row["status"],
                    title=row["title"],
                    description=row["description"],
                    original_locale=row["original_locale"],
                    category_id=row["category"],
                    category_slug=category.slug if category else "",
                    category_names=category.names if category else {},
                    is_online=bool(row["is_online"]),
                    online_url=row["online_url"],
                    venue_name=row["venue_name"],
                    address=row["address"],
                    postcode=row["postcode"],
                    district_code=row["district_code"],
                    division_code=row["division_code"],
                    capacity=row["capacity"],
                    per_booking_limit=row["per_booking_limit"],
                    cost_pence=row["cost_pence"],
                    cost_note=row["cost_note"],
                    languages=codes_of(row["languages"], LANGUAGES),
                    suits=codes_of(row["suits"], SUITS),
                    accessibility=codes_of(row["accessibility"], ACCESSIBILITY),
                    recurrence=row["recurrence"],
                    recurrence_until=aware(row["recurrence_until"]) if row["recurrence_until"] else None,
                    sequence=row["sequence"],
                    pending_changes=json_object(row["pending_changes"]),
                    decision_reason=row["decision_reason"],
                    created_at=aware(row["created_at"]),
                    published_at=aware(row["published_at"]) if row["published_at"] else None,
                    translations=translations.get(row["id"], {}),
                    occurrences=occurrences.get(row["id"], []),
                )
            )
        return views

    async def event(self, event_id: int, *, with_counts: bool = False) -> EventView | None:
        """Any event by id (for officers), or None."""
        rows = await Event.select().where(Event.id == event_id)
        views = await self._views(rows, with_counts=with_counts)
        return views[0] if views else None

    async def event_for_partner(self, user: CurrentUser, event_id: int, *, with_counts: bool = False) -> EventView:
        """An event of one of this partner's organisations; EventNotFoundError otherwise."""
        view = await self.event(event_id, with_counts=with_counts)
        if view is None or view.organisation_id not in user.organisation_ids:
            raise EventNotFoundError
        return view

    async def partner_events(self, user: CurrentUser) -> list[EventView]:
        """Every event of this partner's organisations, newest first, with booked counts."""
        if not user.organisation_ids:
            return []
        rows = (
            await Event.select()
            .where(Event.organisation_id.is_in(sorted(user.organisation_ids)))
            .order_by(Event.id, ascending=False)
            .limit(500)
        )
        return await self._views(rows, with_counts=True)

    async def partner_organisations(self, user: CurrentUser) -> list[OrganisationStanding]:
        """The partner's organisations (verified ones may post)."""
        standings = await organisation_standings(user.organisation_ids)
        return sorted(standings.values(), key=lambda s: s.name)

    async def queue(self) -> list[QueueItem]:
        """Events waiting for an officer: new events, then changes to published ones; oldest first."""
        pending = await Event.select().where(Event.status == "pending").order_by(Event.updated_at)
        changed = (
            await Event.select()
            .where(Event.status == "published")
            .where(WhereRaw("CAST(pending_changes AS TEXT) NOT IN ('{}', '')"))  # portable: JSON has no <> on PG
            .order_by(Event.updated_at)
        )
        changed = [row for row in changed if json_object(row["pending_changes"]).get("data")]
        items = []
        for kind, views in (("new", await self._views(pending)), ("change", await self._views(changed))):
            for view in views:
                submitted = (
                    datetime.fromisoformat(view.pending_changes["requested_at"])
                    if kind == "change" and view.pending_changes.get("requested_at")
                    else view.created_at
                )
                items.append(
                    QueueItem(
                        event_id=view.id,
                        title=view.title,
                        organisation_name=view.organisation_name,
                        kind=kind,
                        submitted_at=submitted,
                        first_starts_at=view.first.starts_at if view.first else None,
                    )
                )
        return items

    async def decisions(self, event_id: int) -> list[DecisionView]:
        """The officers' decisions on an event, newest first."""
        rows = (
            await EventDecision.select()
            .where(EventDecision.subject_type == "event")
            .where(EventDecision.subject_id == event_id)
            .order_by(EventDecision.id, ascending=False)
        )
        return [
            DecisionView(
                decision=row["decision"],
                reason=row["reason"],
                officer_id=row["officer_id"],
                decided_at=aware(row["decided_at"]),
                changes=json_object(row["changes"]),
            )
            for row in rows
        ]

    async def check(self, user: CurrentUser, data: EventIn, existing: EventView | None) -> Problems:
        """The problems with an event, without saving it (to show every error at once)."""
        problems, _place, _dates, _category = await self._check(user, data, existing)
        return problems

    # --- writing: create and edit ----------------------------------------------------------------

    async def create_event(self, user: CurrentUser, data: EventIn) -> SaveResult:
        """Post a new event: published at once for a trusted organisation, otherwise pending approval."""
        problems, place, dates, category_id = await self._check(user, data, None)
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
            await self._save_translations(event.id, data.translations)
            await self._sync_occurrences(event.id, dates, data.capacity, bump=False)
            await listing.refresh([event.id])
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
        existing = await self.event_for_partner(user, event_id)
        if existing.status in {"cancelled", "hidden"}:
            raise NotAllowedError(N_("This event can no longer be changed"))
        if data.organisation_id != existing.organisation_id:
            data = msgspec.structs.replace(data, organisation_id=existing.organisation_id)
        problems, place, dates, category_id = await self._check(user, data, existing)
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
                await self._apply(event_id, data, place, dates, category_id, status=status, now=now)
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

    def _fill(self, event: Event, data: EventIn, place: _Place, category_id: int) -> None:
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

    async def _apply(
        self,
        event_id: int,
        data: EventIn,
        place: _Place,
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
        self._fill(event, data, place, category_id)
        event.status = status
        event.pending_changes = {}
        event.updated_at = now
        if status == "published" and event.published_at is None:
            event.published_at = now
        if was_published:
            event.sequence = event.sequence + 1
        await event.save()
        await self._save_translations(event_id, data.translations)
        await self._sync_occurrences(event_id, dates, data.capacity, bump=was_published)
        await listing.refresh([event_id])

    async def _save_translations(self, event_id: int, translations: list[TranslationIn]) -> None:
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
        rows = await self._schedule_rows(event_id)
        changing = [row for row in rows[: len(dates)] if row["capacity"] != capacity and self._open(row)]
        taken = await self._places_taken(changing)
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
                    raise PlacesTakenError(await self._taken_now(row["id"]))
                if capacity is not None and self.bookings is not None:
                    await self.bookings.offer_free_places(row["id"])
            if values or changed or bump:
                values[Occurrence.sequence] = row["sequence"] + 1
                await Occurrence.update(values).where(Occurrence.id == row["id"])
            if moved and self.bookings is not None:
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
            if self.bookings is not None:
                await self.bookings.occurrence_cancelled(row["id"], "")

    async def _taken_now(self, occurrence_id: int) -> int:
        """Places booked or held on one occurrence, read again (after a refused capacity change)."""
        row = await Occurrence.select().where(Occurrence.id == occurrence_id).first()
        if row is None:
            return 0
        return (await self._places_taken([dict(row)])).get(occurrence_id, 0)

    # --- writing: occurrences, series, duplicates --------------------------------------------------

    async def cancel_occurrence(self, user: CurrentUser, event_id: int, occurrence_id: int, reason: str) -> None:
        """Cancel one date of an event; everyone booked is told by the bookings service."""
        await self.event_for_partner(user, event_id)
        async with write_transaction(self.engine):
            row = await self._occurrence(event_id, occurrence_id)
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
            if self.bookings is not None:
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
        await self.event_for_partner(user, event_id)
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
            row = await self._occurrence(event_id, occurrence_id)
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
            if self.bookings is not None and (was_starts, was_ends) != (starts, ends):
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

    async def _occurrence(self, event_id: int, occurrence_id: int) -> dict[str, Any]:
        row = (
            await Occurrence.select().where(Occurrence.id == occurrence_id).where(Occurrence.event == event_id).first()
        )
        if row is None:
            raise EventNotFoundError
        return dict(row)

    async def cancel_series(self, user: CurrentUser, event_id: int, reason: str) -> None:
        """Cancel the whole event: every date still to come is cancelled and everyone booked is told."""
        await self.event_for_partner(user, event_id)
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
                if self.bookings is not None:
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
        source = await self.event_for_partner(user, event_id)
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
            await self._save_translations(
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

    # --- attendees (through the bookings service) ---------------------------------------------

    async def attendees(self, user: CurrentUser, event_id: int, occurrence_id: int) -> Sequence[Any]:
        """The people booked on one date of the partner's event ([] until bookings exist)."""
        await self.event_for_partner(user, event_id)
        await self._occurrence(event_id, occurrence_id)
        if self.bookings is None:
            return []
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
    ) -> int | None:
        """Email everyone booked on one date; None when bookings are not available yet."""
        await self.event_for_partner(user, event_id)
        await self._occurrence(event_id, occurrence_id)
        if self.bookings is None:
            return None
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

    # --- officers -----------------------------------------------------------------------------------

    async def approve(self, officer: CurrentUser, event_id: int, note: str = "") -> None:
        """Publish a pending event, or apply a waiting change to a published one."""
        view = await self.event(event_id)
        if view is None:
            raise EventNotFoundError
        now = self.clock.now()
        if view.status == "pending":
            async with write_transaction(self.engine):
                await Event.update(
                    {
                        Event.status: "published",
                        Event.published_at: now,
                        Event.decision_reason: "",
                        Event.updated_at: now,
                    }
                ).where(Event.id == event_id)
                await listing.refresh([event_id])
                await self._decide(officer, view, "approved", note, {})
            return
        if view.status == "published" and view.has_pending_changes:
            data = msgspec.convert(view.pending_changes["data"], EventIn)
            author = CurrentUser(
                id=int(view.pending_changes.get("requested_by") or 0),
                email="",
                display_name="",
                roles=frozenset(),
                organisation_ids=frozenset({view.organisation_id}),
            )
            problems, place, dates, category_id = await self._check(author, data, view)
            problems.pop("starts_at", None)  # the time was in the future when the partner asked
            if problems or category_id is None:
                raise NotAllowedError(N_("This change can no longer be applied; reject it with a reason"))
            try:
                async with write_transaction(self.engine):
                    await self._apply(event_id, data, place, dates, category_id, status="published", now=now)
                    await self._decide(officer, view, "change_approved", note, view.diff)
            except PlacesTakenError as exc:
                raise NotAllowedError(N_("This change can no longer be applied; reject it with a reason")) from exc
            return
        raise NotAllowedError(N_("There is nothing waiting for approval on this event"))

    async def reject(self, officer: CurrentUser, event_id: int, reason: str) -> Problems:
        """Refuse a pending event or a waiting change, with a reason the partner sees and is emailed."""
        if not reason.strip():
            return {"reason": (N_("Enter the reason, so the partner can put it right"), {})}
        if len(reason) > MAX_REASON:
            return {"reason": (N_("Must be %(count)s characters or fewer"), {"count": MAX_REASON})}
        view = await self.event(event_id)
        if view is None:
            raise EventNotFoundError
        now = self.clock.now()
        async with write_transaction(self.engine):
            if view.status == "pending":
                await Event.update(
                    {Event.status: "rejected", Event.decision_reason: reason.strip(), Event.updated_at: now}
                ).where(Event.id == event_id)
                decision = "rejected"
            elif view.status == "published" and view.has_pending_changes:
                await Event.update(
                    {Event.pending_changes: {}, Event.decision_reason: reason.strip(), Event.updated_at: now}
                ).where(Event.id == event_id)
                decision = "change_rejected"
            else:
                raise NotAllowedError(N_("There is nothing waiting for approval on this event"))
            decision_id = await self._decide(officer, view, decision, reason.strip(), view.diff)
            await self._tell_partner(
                view, "event_rejected", decision_id, reason=reason.strip(), change=decision != "rejected"
            )
        return {}

    async def hide(self, officer: CurrentUser, event_id: int, reason: str) -> Problems:
        """Take a published event off the public site, with a reason the partner sees."""
        if not reason.strip():
            return {"hide_reason": (N_("Enter the reason for hiding this event"), {})}
        if len(reason) > MAX_REASON:
            return {"hide_reason": (N_("Must be %(count)s characters or fewer"), {"count": MAX_REASON})}
        view = await self.event(event_id)
        if view is None:
            raise EventNotFoundError
        if view.status != "published":
            raise NotAllowedError(N_("Only a published event can be hidden"))
        now = self.clock.now()
        async with write_transaction(self.engine):
            await Event.update(
                {
                    Event.status: "hidden",
                    Event.decision_reason: reason.strip(),
                    Event.sequence: view.sequence + 1,
                    Event.updated_at: now,
                }
            ).where(Event.id == event_id)
            await listing.refresh([event_id])
            decision_id = await self._decide(officer, view, "hidden", reason.strip(), {})
            await self._tell_partner(view, "event_hidden", decision_id, reason=reason.strip(), change=False)
        return {}

    async def _decide(
        self, officer: CurrentUser, view: EventView, decision: str, reason: str, changes: dict[str, Any]
    ) -> int:
        rows = await EventDecision.insert(
            EventDecision(
                subject_type="event",
                subject_id=view.id,
                decision=decision,
                reason=reason,
                officer_id=officer.id,
                changes=changes,
                decided_at=self.clock.now(),
            )
        ).returning(EventDecision.id)
        await audit.record(
            f"event.{decision}",
            actor=officer,
            subject_type="event",
            subject_id=view.id,
            reason=reason,
            details={"fields": sorted(changes)} if changes else None,
        )
        await partners.event_decided(view.organisation_id, view.id, view.title, decision, int(rows[0]["id"]))
        return int(rows[0]["id"])

    async def _tell_partner(self, view: EventView, template: str, decision_id: int, **context: Any) -> None:
        """Email the organisation's contact address (through the outbox, in this transaction)."""
        contact = await self._organisation_contact(view.organisation_id)
        if contact is None:
            return
        name, email = contact
        payload = self.renderer.render(
            template,
            to=email,
            locale=self.settings.default_locale,
            title=view.title,
            organisation=name,
            dashboard_url=f"{self.settings.base_url}/partner/events",
            **context,
        )
        await enqueue(EMAIL, f"{template}:{view.id}:{decision_id}", payload)

    async def _organisation_contact(self, organisation_id: int) -> tuple[str, str] | None:
        """The organisation's name and contact email, from the accounts service."""
        from litestar.stores.memory import MemoryStore  # noqa: PLC0415

        from backend.accounts.services import AccountsService  # noqa: PLC0415 - accounts registers first
        from backend.core.throttle import Throttle  # noqa: PLC0415

        accounts = AccountsService(
            self.settings, self.clock, self.engine, Throttle(MemoryStore(), self.clock), self.renderer
        )
        summary = await accounts.organisation(organisation_id)
        if summary is None or not summary.contact_email:
            return None
        return summary.name, summary.contact_email

    # --- demo and reference helpers ----------------------------------------------------------------

    async def ensure_category(self, slug: str, names: dict[str, str], position: int) -> None:
        """Add a category if missing (idempotent; officers' renames are kept)."""
        if await Category.exists().where(Category.slug == slug):
            return
        await Category.insert(Category(slug=slug, names=names, position=position, active=True)).on_conflict(
            target=Category.slug, action="DO NOTHING"
        )


def parse_local(text: str, zone: ZoneInfo) -> datetime | None:
    """A date and time typed in local time (`2026-12-01T18:30`, `2026-12-01 18:30`, `01/12/2026 18:30`)."""
    text = " ".join(text.replace("T", " ").split())
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    return None


def parse_local_date(text: str, zone: ZoneInfo) -> datetime | None:
    """A date typed as `2026-12-31` or `31/12/2026`: the end of that day, local time, in UTC."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return datetime.combine(day, time(23, 59), tzinfo=zone).astimezone(UTC)
    return None


def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    """A datetime as a `datetime-local` input value in local time."""
    return aware(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""


def local_date_input(value: datetime | None, zone: ZoneInfo) -> str:
    """A datetime's local date as a `date` input value."""
    return aware(value).astimezone(zone).date().isoformat() if value else ""


def today(clock: Clock, zone: ZoneInfo) -> date:
    """Today's date in local time."""
    return clock.now().astimezone(zone).date()
