"""Small factories for public events: organisations, categories, events with occurrences and translations.

Rows are written directly (as a partner's posting would leave them once approved, the search's listing
refreshed as the events service does), so discovery tests do not depend on the posting flow.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.accounts.tables import Organisation
from backend.events import listing
from backend.events.schemas import ACCESSIBILITY, CATEGORIES, LANGUAGES, SUITS, mask_of
from backend.events.tables import Category, Event, EventTranslation, Listing, Occurrence

_numbers = itertools.count(1)

# Real places (the areas reference data places these postcodes).
OXFORD = "E07000178"
SOUTH_OXFORDSHIRE = "E07000179"
CHERWELL = "E07000177"
COWLEY = (51.7352, -1.2150)  # OX4, about half a mile from the OX4 centroid
JERICHO = (51.7580, -1.2690)  # OX2, about 2.5 miles from OX4
DIDCOT = (51.6080, -1.2410)  # OX11, about 9 miles from OX4
BANBURY = (52.0620, -1.3400)  # OX16, about 22 miles from OX4


async def ensure_categories() -> dict[str, int]:
    """The default categories (tests clear the table between runs), by slug."""
    existing = {row["slug"]: row["id"] for row in await Category.select(Category.id, Category.slug)}
    for position, (slug, names) in enumerate(CATEGORIES, start=1):
        if slug not in existing:
            category = Category(slug=slug, names=dict(names), position=position, active=True)
            await category.save()
            existing[slug] = category.id
    return existing


async def make_organisation(name: str | None = None, status: str = "verified", *, trusted: bool = False) -> int:
    """An organisation (verified unless told otherwise; trusted only when told)."""
    organisation = Organisation(
        name=name or f"Community group {next(_numbers)}", status=status, kind="charity", trusted=trusted
    )
    await organisation.save()
    return int(organisation.id)


@dataclass
class MadeEvent:
    """An event made by `make_event`: its id and its occurrences' ids, soonest first."""

    id: int
    occurrences: list[int] = field(default_factory=list)


async def make_event(
    organisation_id: int,
    starts_at: datetime,
    *,
    title: str = "Community coffee morning",
    description: str = "Tea, coffee and a chat. Everyone welcome.",
    category: str = "coffee-morning",
    status: str = "published",
    district_code: str = OXFORD,
    division_code: str = "",
    point: tuple[float, float] | None = COWLEY,
    postcode: str = "OX4 1AA",
    venue_name: str = "East Oxford Community Centre",
    address: str = "44b Princes Street, Oxford",
    is_online: bool = False,
    online_url: str = "",
    cost_pence: int = 0,
    capacity: int | None = None,
    accessibility: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
    suits: tuple[str, ...] = (),
    translations: dict[str, tuple[str, str]] | None = None,
    original_locale: str = "en",
    weekly: int = 1,
    duration: timedelta = timedelta(hours=2),
    sequence: int = 0,
) -> MadeEvent:
    """A published event with `weekly` occurrences a week apart, starting at `starts_at`."""
    categories = await ensure_categories()
    translations = translations or {}
    search_text = " ".join(
        " ".join(part.split()) for part in [title, description, *[t for pair in translations.values() for t in pair]]
    ).lower()
    event = Event(
        organisation_id=organisation_id,
        status=status,
        title=title,
        description=description,
        original_locale=original_locale,
        category=categories[category],
        is_online=is_online,
        online_url=online_url,
        venue_name="" if is_online else venue_name,
        address="" if is_online else address,
        postcode="" if is_online else postcode,
        district_code="" if is_online else district_code,
        division_code="" if is_online else division_code,
        latitude=None if is_online or point is None else point[0],
        longitude=None if is_online or point is None else point[1],
        capacity=capacity,
        cost_pence=cost_pence,
        languages=mask_of(languages, LANGUAGES),
        suits=mask_of(suits, SUITS),
        accessibility=mask_of(accessibility, ACCESSIBILITY),
        recurrence="weekly" if weekly > 1 else "none",
        search_text=search_text,
        sequence=sequence,
        published_at=starts_at - timedelta(days=30),
    )
    await event.save()
    made = MadeEvent(id=int(event.id))
    for locale, (translated_title, translated_description) in translations.items():
        await EventTranslation(
            event=event.id,
            locale=locale,
            title=translated_title,
            description=translated_description,
            translation_key=f"{event.id}:{locale}",
        ).save()
    for week in range(weekly):
        start = starts_at + timedelta(weeks=week)
        occurrence = Occurrence(
            event=event.id,
            starts_at=start,
            ends_at=start + duration,
            capacity=capacity,
            places_left=capacity,
        )
        await occurrence.save()
        made.occurrences.append(int(occurrence.id))
    await listing.refresh([made.id])
    return made


async def assert_listing_in_step() -> None:
    """The search's listing, as the writes of a test left it, is what a full rebuild from the source tables
    writes (run after every test that used the app: a write path that forgets to refresh fails here)."""
    columns = [column for column in Listing._meta.columns if column._meta.name != "id"]

    async def snapshot() -> list[tuple[object, ...]]:
        return sorted(tuple(row.values()) for row in await Listing.select(*columns))

    kept = await snapshot()
    await listing.rebuild()
    assert kept == await snapshot(), "a write left the search's listing out of step with its events"
