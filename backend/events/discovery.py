"""The read side of events: residents' search, the public event page, calendars and feeds.

Only published events of verified organisations are public, and only their scheduled occurrences that
have not started yet are listed. A search reads the listing (`tables.Listing`: those dates with their
event's filter columns, so a filter and the start time share an index) with one hand-written statement
(`listing_query.py`): the page's cards, each with its translation into the visitor's language, and the number
of matches up to a limit. Multi-valued filters are bit sets, matched with a portable `(column & bit) = bit`. A
radius search keeps a bounding box and an equirectangular distance in SQL (exact enough at county scale to
decide membership and order), then works out the great-circle distance of the page's results in Python.

The filters and result types are `search_types.py`; the radius and bit-set SQL is `geo.py`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from backend.accounts.organisations import verified_organisation_name
from backend.areas.schemas import LookupStatus
from backend.areas.services import AreasService, distance_miles
from backend.core.db import json_object, raw_rows
from backend.core.paging import page_count
from backend.events.calendar import CalendarEntry
from backend.events.categories import ActiveCategories
from backend.events.listing_query import cards_by_id, listing_query
from backend.events.schemas import ACCESSIBILITY, LANGUAGES, SUITS, codes_of, mask_of
from backend.events.search_types import (
    BAD_POSTCODE,
    COUNT_LIMIT,
    DEFAULT_RADIUS,
    MAX_PAGE,
    MAX_QUERY,
    PER_PAGE,
    POSTCODE_OUTSIDE,
    RADIUS_TEXT,
    UNKNOWN_CATEGORY,
    UNKNOWN_DISTRICT,
    UNKNOWN_DIVISION,
    Criteria,
    EventCard,
    EventDetail,
    FilterError,
    FilterInput,
    OccurrenceInfo,
    SearchPage,
    check_choices,
    parse_day,
    window,
)
from backend.events.tables import Category, Event, Occurrence

FEED_LIMIT = 200
MAX_TERMS = 6
UPCOMING_DATES = 12
_TERM_SPLIT = re.compile(r"[\s%_\\]+")


def _london(settings_zone: str) -> ZoneInfo:
    return ZoneInfo(settings_zone)


def _terms(text: str) -> tuple[str, ...]:
    words = [word for word in _TERM_SPLIT.split(text.lower()[:MAX_QUERY]) if word]
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


def _excerpt(text: str, limit: int = 180) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


async def _read_active_categories() -> list[dict[str, Any]]:
    rows = (
        await Category.select(Category.id, Category.slug, Category.names)
        .where(Category.active == True)  # noqa: E712 - Piccolo builds SQL from this comparison
        .order_by(Category.position)
        .order_by(Category.id)
    )
    return [{"id": row["id"], "slug": row["slug"], "names": json_object(row["names"])} for row in rows]


class DiscoveryService:
    """What residents (and the API, feeds and calendars) read about events."""

    def __init__(
        self,
        engine: Engine[Any],
        *,
        time_zone: str = "Europe/London",
        base_url: str = "",
        active_categories: ActiveCategories,
    ) -> None:
        self.engine = engine
        self._postgres = engine.engine_type == "postgres"
        self.zone = _london(time_zone)
        self.base_url = base_url.rstrip("/")
        self._categories = active_categories
        # Postcodes, districts and divisions: also the filter form's option lists (`discovery.areas`), so a
        # search page needs this one dependency (two would be resolved concurrently, in a task group each time).
        self.areas = AreasService(engine)

    # --- reference lists for the filter form ---------------------------------------------------

    async def categories(self) -> list[dict[str, Any]]:
        """Active categories in the officers' order: id, slug and names by locale (see `ActiveCategories`)."""
        return await self._categories.get(_read_active_categories)

    # --- filters ----------------------------------------------------------------------------------

    async def resolve(
        self, raw: FilterInput, now: datetime, categories: list[dict[str, Any]] | None = None
    ) -> tuple[Criteria | None, dict[str, FilterError]]:
        """Check the filters; resolve the postcode, district, division and category. Errors by field name."""
        errors = check_choices(raw)
        criteria = await self._places(raw, Criteria(starts_from=now), errors)
        if raw.category:
            known = categories if categories is not None else await self.categories()
            category = next((item for item in known if item["slug"] == raw.category), None)
            if category is None:
                errors["category"] = FilterError(UNKNOWN_CATEGORY)
            else:
                criteria = replace(criteria, category_id=int(category["id"]))
        if errors:
            return None, errors
        start, end = window(raw.when, parse_day(raw.date_from), parse_day(raw.date_to), now, self.zone)
        criteria = replace(
            criteria,
            starts_from=max(start, now),
            starts_before=end,
            language_mask=mask_of([raw.language], LANGUAGES) if raw.language else 0,
            accessibility_mask=mask_of(list(raw.accessibility), ACCESSIBILITY),
            suits_mask=mask_of([raw.suits], SUITS) if raw.suits else 0,
            free=raw.free,
            online=None if not raw.online else raw.online == "true",
            terms=_terms(raw.q),
        )
        return criteria, {}

    async def _places(self, raw: FilterInput, criteria: Criteria, errors: dict[str, FilterError]) -> Criteria:
        """Resolve district, division and postcode (adding to `errors` what cannot be placed)."""
        if raw.district:
            districts = await self.areas.list_districts()
            district = next((item for item in districts if raw.district in {item.code, item.slug}), None)
            if district is None:
                errors["district"] = FilterError(UNKNOWN_DISTRICT)
            else:
                criteria = replace(criteria, district_code=district.code)
        if raw.division:
            divisions = await self.areas.list_divisions()
            division = next((item for item in divisions if raw.division in {item.code, item.slug}), None)
            if division is None:
                errors["division"] = FilterError(UNKNOWN_DIVISION)
            else:
                criteria = replace(criteria, division_code=division.code)
        if raw.postcode.strip():
            result = await self.areas.lookup(raw.postcode)
            if result.location is not None:
                radius = int(raw.radius_miles) if raw.radius_miles in RADIUS_TEXT else DEFAULT_RADIUS
                centre = (result.location.latitude, result.location.longitude)
                criteria = replace(criteria, centre=centre, radius_miles=float(radius), place=result.query)
            elif result.status is LookupStatus.OUTSIDE:
                errors["postcode"] = FilterError(POSTCODE_OUTSIDE, {"postcode": result.query})
            else:
                errors["postcode"] = FilterError(BAD_POSTCODE)
        return criteria

    # --- search -----------------------------------------------------------------------------------

    async def search(self, criteria: Criteria, locale: str, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
        """One page of matching upcoming dates (soonest first, or nearest first around a postcode).

        One statement (`listing_query`) brings the page's cards and the number of matches, counted up to
        COUNT_LIMIT ("more than 500 match": nobody pages through more than that). Past the last page (an old
        link, or a typed address) the last page is shown.
        """
        query = listing_query(criteria, postgres=self._postgres)
        page = max(1, min(page, MAX_PAGE))
        rows = await self._rows(query.cards_page(locale, per_page, (page - 1) * per_page))
        if rows:
            matches = int(rows[0]["matches"])
        else:  # no row to carry the count: nothing matches, or the page is past the last one
            matches = 0 if page == 1 else int((await self._rows(query.count()))[0]["matches"])
        total, more = min(matches, COUNT_LIMIT), matches > COUNT_LIMIT
        pages = page_count(total, per_page)
        if not rows and page > pages:
            page = pages
            rows = await self._rows(query.cards_page(locale, per_page, (page - 1) * per_page))
        items = await self._cards(rows, locale, criteria.centre)
        # The page's own order: soonest first; around a postcode, the exact great-circle distance (the SQL
        # scales longitude for the county's middle latitude), then the date (one venue's dates are equally far).
        if criteria.centre is not None:
            items.sort(key=lambda card: (card.distance_miles or 0.0, card.starts_at, card.occurrence_id))
        else:
            items.sort(key=lambda card: (card.starts_at, card.occurrence_id))
        return SearchPage(total=total, more=more, page=page, per_page=per_page, pages=pages, items=items)

    async def feed(self, criteria: Criteria, locale: str, limit: int = FEED_LIMIT) -> list[EventCard]:
        """The next matching dates, soonest first (for the ICS and Atom feeds)."""
        soonest = listing_query(criteria, postgres=self._postgres).soonest_first()
        ids = [row["occurrence_id"] for row in await self._rows(soonest.page_ids(limit))]
        return await self._cards_of(ids, locale, criteria.centre)

    async def _cards_of(
        self, occurrence_ids: list[int], locale: str, centre: tuple[float, float] | None
    ) -> list[EventCard]:
        """The cards of these dates, in the order given."""
        if not occurrence_ids:
            return []
        rows = await self._rows(cards_by_id(locale, occurrence_ids))
        position = {occurrence_id: index for index, occurrence_id in enumerate(occurrence_ids)}
        rows.sort(key=lambda row: position[row["id"]])
        return await self._cards(rows, locale, centre)

    async def _rows(self, statement: tuple[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
        """Run a hand-written statement (`listing_query`): its SQL with `{}` placeholders, and their values."""
        sql, params = statement
        return await raw_rows(self.engine, sql, *params)

    async def _cards(
        self, rows: list[dict[str, Any]], locale: str, centre: tuple[float, float] | None
    ) -> list[EventCard]:
        translations = {
            row["event.id"]: {"title": row["translated_title"], "description": row["translated_description"]}
            for row in rows
            if row["translation_event"] is not None
        }
        categories = {item["id"]: item for item in await self.categories()} if rows else {}
        cards = []
        for row in rows:
            event_id = row["event.id"]
            original = row["event.original_locale"] or "en"
            translation = translations.get(event_id) if locale != original else None
            title = (translation or {}).get("title") or row["event.title"]
            description = (translation or {}).get("description") or row["event.description"]
            category = categories.get(row["event.category"], {"slug": "", "names": {}})
            latitude, longitude = row["event.latitude"], row["event.longitude"]
            distance = (
                round(distance_miles(centre[0], centre[1], latitude, longitude), 1)
                if centre is not None and latitude is not None and longitude is not None
                else None
            )
            cards.append(
                EventCard(
                    event_id=event_id,
                    occurrence_id=row["id"],
                    title=title,
                    summary=_excerpt(description),
                    locale=locale if translation or locale == original else original,
                    translated=translation is not None or locale == original,
                    starts_at=row["starts_at"],
                    ends_at=row["ends_at"],
                    category=category["slug"],
                    category_name=_name_in(category["names"], locale),
                    is_online=bool(row["event.is_online"]),
                    venue_name=row["event.venue_name"],
                    postcode=row["event.postcode"],
                    district_code=row["event.district_code"],
                    division_code=row["event.division_code"],
                    latitude=latitude,
                    longitude=longitude,
                    distance_miles=distance,
                    cost_pence=row["event.cost_pence"],
                    drop_in=row["capacity"] is None,
                    places_left=row["places_left"],
                    languages=codes_of(row["event.languages"], LANGUAGES),
                    suits=codes_of(row["event.suits"], SUITS),
                    accessibility=codes_of(row["event.accessibility"], ACCESSIBILITY),
                    url=f"/events/{event_id}/{row['id']}",
                )
            )
        return cards

    # --- one event --------------------------------------------------------------------------------

    async def _public_event(self, event_id: int) -> dict[str, Any] | None:
        row = await Event.select().where(Event.id == event_id, Event.status == "published").first()
        if row is None or await verified_organisation_name(row["organisation_id"]) is None:
            return None
        return row

    async def event(
        self, event_id: int, locale: str, now: datetime, occurrence_id: int | None = None
    ) -> EventDetail | None:
        """A published event in the resident's language (or None), with the date asked for and the next ones."""
        found = await raw_rows(self.engine, _EVENT_PAGE_SQL, locale, event_id)
        organiser = await verified_organisation_name(found[0]["organisation_id"]) if found else None
        if organiser is None:
            return None
        row = found[0]
        occurrences = await self._occurrences(event_id)
        chosen = None
        if occurrence_id is not None:
            chosen = next((item for item in occurrences if item["id"] == occurrence_id), None)
            if chosen is None:
                return None
        upcoming = [item for item in occurrences if item["ends_at"] >= now]
        if chosen is None:
            chosen = next((item for item in upcoming if item["status"] == "scheduled"), None)
        original = row["original_locale"] or "en"
        translation = (
            {"title": row["translated_title"], "description": row["translated_description"]}
            if locale != original and row["translation_event"] is not None
            else None
        )
        category = {"slug": row["category_slug"], "names": row["category_names"]} if row["category_slug"] else None
        is_drop_in = row["capacity"] is None
        return EventDetail(
            id=event_id,
            title=(translation or {}).get("title") or row["title"],
            description=(translation or {}).get("description") or row["description"],
            locale=locale if translation or locale == original else original,
            original_locale=original,
            translated=translation is not None or locale == original,
            organiser=organiser,
            category=category["slug"] if category else "",
            category_name=_name_in(json_object(category["names"]), locale) if category else "",
            is_online=bool(row["is_online"]),
            online_url=row["online_url"],
            venue_name=row["venue_name"],
            address=row["address"],
            postcode=row["postcode"],
            district_code=row["district_code"],
            division_code=row["division_code"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            cost_pence=row["cost_pence"],
            cost_note=row["cost_note"],
            per_booking_limit=row["per_booking_limit"],
            languages=codes_of(row["languages"], LANGUAGES),
            suits=codes_of(row["suits"], SUITS),
            accessibility=codes_of(row["accessibility"], ACCESSIBILITY),
            recurrence=row["recurrence"],
            sequence=row["sequence"],
            occurrence=_occurrence_info(event_id, chosen, is_drop_in, now) if chosen else None,
            upcoming=[_occurrence_info(event_id, item, is_drop_in, now) for item in upcoming[:UPCOMING_DATES]],
            url=f"/events/{event_id}",
        )

    async def _occurrences(self, event_id: int) -> list[dict[str, Any]]:
        return await raw_rows(self.engine, _EVENT_DATES_SQL, event_id)

    # --- calendars --------------------------------------------------------------------------------

    async def calendar_entries(self, event_id: int, occurrence_id: int | None = None) -> list[CalendarEntry] | None:
        """Every occurrence of a public event (or just one) as calendar entries; None when not public."""
        row = await self._public_event(event_id)
        if row is None:
            return None
        occurrences = await self._occurrences(event_id)
        if occurrence_id is not None:
            occurrences = [item for item in occurrences if item["id"] == occurrence_id]
            if not occurrences:
                return None
        return [self._entry(row, item) for item in occurrences]

    def _entry(self, event: dict[str, Any], occurrence: dict[str, Any]) -> CalendarEntry:
        path = f"/events/{event['id']}/{occurrence['id']}"
        return CalendarEntry(
            occurrence_id=occurrence["id"],
            event_id=event["id"],
            title=event["title"],
            description=event["description"],
            starts_at=occurrence["starts_at"],
            ends_at=occurrence["ends_at"],
            sequence=int(event["sequence"] or 0) + int(occurrence["sequence"] or 0),
            cancelled=occurrence["status"] == "cancelled" or event["status"] == "cancelled",
            location=event["online_url"] if event["is_online"] else _location(event),
            url=f"{self.base_url}{path}",
            latitude=event["latitude"],
            longitude=event["longitude"],
        )

    async def feed_entries(self, criteria: Criteria, locale: str) -> list[CalendarEntry]:
        """The matching dates as calendar entries, in the resident's language (for the ICS feed)."""
        cards = await self.feed(criteria, locale)
        sequences = await self._sequences([card.occurrence_id for card in cards])
        return [
            CalendarEntry(
                occurrence_id=card.occurrence_id,
                event_id=card.event_id,
                title=card.title,
                description=card.summary,
                starts_at=card.starts_at,
                ends_at=card.ends_at,
                sequence=sequences.get(card.occurrence_id, 0),
                location="" if card.is_online else ", ".join(p for p in (card.venue_name, card.postcode) if p),
                url=f"{self.base_url}{card.url}",
                latitude=card.latitude,
                longitude=card.longitude,
                categories=(card.category_name,) if card.category_name else (),
            )
            for card in cards
        ]

    async def _sequences(self, occurrence_ids: list[int]) -> dict[int, int]:
        if not occurrence_ids:
            return {}
        rows = await Occurrence.select(
            Occurrence.id, Occurrence.sequence, Occurrence.event.sequence.as_alias("event_sequence")
        ).where(Occurrence.id.is_in(occurrence_ids))
        return {row["id"]: int(row["sequence"] or 0) + int(row["event_sequence"] or 0) for row in rows}


# An event's page: the published event with only the columns the page shows, its category, and its
# translation into the visitor's language (NULL when there is none), in one query.
_EVENT_PAGE_SQL = (
    "SELECT e.id, e.organisation_id, e.title, e.description, e.original_locale, e.category, e.is_online, "
    "e.online_url, e.venue_name, e.address, e.postcode, e.district_code, e.division_code, e.latitude, "
    "e.longitude, e.capacity, e.per_booking_limit, e.cost_pence, e.cost_note, e.languages, e.suits, "
    "e.accessibility, e.recurrence, e.sequence, c.slug AS category_slug, c.names AS category_names, "
    "t.event AS translation_event, t.title AS translated_title, t.description AS translated_description "
    "FROM event e LEFT JOIN category c ON c.id = e.category "
    "LEFT JOIN event_translation t ON t.event = e.id AND t.locale = {} "
    "WHERE e.id = {} AND e.status = 'published'"
)


# Every date of an event, soonest first (the page picks the one asked for and the next ones).
_EVENT_DATES_SQL = (
    "SELECT id, starts_at, ends_at, status, capacity, places_left, sequence FROM event_occurrence "
    "WHERE event = {} ORDER BY starts_at, id"
)


def _name_in(names: dict[str, str], locale: str) -> str:
    return names.get(locale) or names.get("en") or next(iter(names.values()), "")


def _location(event: dict[str, Any]) -> str:
    return ", ".join(part for part in (event["venue_name"], event["address"], event["postcode"]) if part)


def _occurrence_info(event_id: int, row: dict[str, Any], drop_in: bool, now: datetime) -> OccurrenceInfo:
    cancelled = row["status"] == "cancelled"
    bookable = not drop_in and not cancelled and row["starts_at"] > now
    return OccurrenceInfo(
        id=row["id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        cancelled=cancelled,
        drop_in=drop_in,
        places_left=row["places_left"] if not drop_in else None,
        url=f"/events/{event_id}/{row['id']}",
        book_url=f"/events/{event_id}/{row['id']}/book" if bookable else None,
    )
