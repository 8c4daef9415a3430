"""What the events services return (views of events, dates, categories, decisions) and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.core.i18n import N_
from backend.events.schemas import (
    EventIn,
    TranslationIn,
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
        return places_taken_problems(taken=self.taken)


def places_taken_problems(taken: int) -> Problems:
    """The capacity field's error when a new capacity is below the places already taken on a date."""
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
    # How many dates the event has, when `occurrences` holds only the first few (the partner dashboard).
    date_count: int | None = None

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
class Place:
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
