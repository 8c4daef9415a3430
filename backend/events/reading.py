"""Reading events for partners and officers (residents' side: `discovery.py`)."""

from __future__ import annotations

from typing import Any

from backend.core.auth import CurrentUser
from backend.core.db import json_object, placeholders, raw_rows
from backend.events.categories import category_views
from backend.events.ports import BookingsPort, organisation_standings
from backend.events.schedule import aware
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    SUITS,
    codes_of,
)
from backend.events.tables import Event, EventTranslation, Occurrence
from backend.events.views import EventNotFoundError, EventView, OccurrenceView, OrganisationStanding


async def occurrence_row(event_id: int, occurrence_id: int) -> dict[str, Any]:
    """One date of one event, as a row; EventNotFoundError when the date is not that event's."""
    row = await Occurrence.select().where(Occurrence.id == occurrence_id).where(Occurrence.event == event_id).first()
    if row is None:
        raise EventNotFoundError
    return dict(row)


class EventReader:
    """Events as partners and officers see them (with their dates, translations and places booked)."""

    def __init__(self, bookings: BookingsPort) -> None:
        self.bookings = bookings

    async def views(
        self, event_rows: list[dict[str, Any]], *, with_counts: bool = False, first_dates: int | None = None
    ) -> list[EventView]:
        """Views of these event rows, with their categories, organisations, translations and dates (only the
        first `first_dates` of each event when given, with `date_count` saying how many there are)."""
        if not event_rows:
            return []
        ids = [row["id"] for row in event_rows]
        categories = {c.id: c for c in await category_views(include_inactive=True)}
        standings = await organisation_standings(row["organisation_id"] for row in event_rows)
        translations: dict[int, dict[str, tuple[str, str]]] = {}
        for row in await raw_rows(EventTranslation._meta.db, _TRANSLATIONS_SQL.format(placeholders(len(ids))), *ids):
            translations.setdefault(row["event"], {})[row["locale"]] = (row["title"], row["description"])
        date_counts: dict[int, int] = {}
        if first_dates is None:
            chosen, chosen_ids = "event", ids
        else:
            first, date_counts = await _first_dates(ids, first_dates)
            chosen, chosen_ids = "id", first or [0]  # no dates at all: an id no date has (IN () is not SQL)
        occurrence_rows = await raw_rows(
            Occurrence._meta.db, _DATES_SQL.format(chosen, placeholders(len(chosen_ids))), *chosen_ids
        )
        counts: dict[int, int] = {}
        if with_counts and occurrence_rows:
            counts = dict(await self.bookings.counts([row["id"] for row in occurrence_rows]))
        occurrences: dict[int, list[OccurrenceView]] = {}
        for row in occurrence_rows:
            booked = counts.get(row["id"], 0) if with_counts else None
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
                    date_count=date_counts.get(row["id"]) if first_dates is not None else None,
                )
            )
        return views

    async def event(self, event_id: int, *, with_counts: bool = False) -> EventView | None:
        """Any event by id (for officers), or None."""
        rows = await Event.select().where(Event.id == event_id)
        views = await self.views(rows, with_counts=with_counts)
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
        return await self.views(rows, with_counts=True)

    async def partner_dashboard(
        self, user: CurrentUser, *, page: int, per_page: int, first_dates: int
    ) -> tuple[list[EventView], dict[str, int]]:
        """One page of the partner's events, grouped by status in `DASHBOARD_STATUSES` order and newest first
        within each, with each event's first dates; and how many events there are of each status."""
        if not user.organisation_ids:
            return [], {}
        organisations = sorted(user.organisation_ids)
        listed = placeholders(len(organisations))
        counted = await raw_rows(Event._meta.db, _STATUS_COUNTS_SQL.format(listed), *organisations)
        counts = {row["status"]: int(row["events"]) for row in counted}
        page_sql = _DASHBOARD_PAGE_SQL.format(listed, _STATUS_RANK)
        rows = await raw_rows(Event._meta.db, page_sql, *organisations, per_page, (page - 1) * per_page)
        return await self.views(rows, with_counts=True), counts

    async def partner_organisations(self, user: CurrentUser) -> list[OrganisationStanding]:
        """The partner's organisations (verified ones may post)."""
        standings = await organisation_standings(user.organisation_ids)
        return sorted(standings.values(), key=lambda s: s.name)


# The dashboard's order of statuses: what needs the partner's attention first.
DASHBOARD_STATUSES = ("rejected", "draft", "pending", "published", "hidden", "cancelled")
_STATUS_RANK = "CASE status " + " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(DASHBOARD_STATUSES)) + " END"
# Hand-written: these run on every partner's and officer's page, and building the ORM's query cost more than
# running it. Piccolo fills each `{{}}` with a bound parameter; `{}` becomes a list of them (`placeholders`),
# or a column name the code chose.
_STATUS_COUNTS_SQL = "SELECT status, COUNT(*) AS events FROM event WHERE organisation_id IN ({}) GROUP BY status"
_DASHBOARD_PAGE_SQL = "SELECT * FROM event WHERE organisation_id IN ({}) ORDER BY {}, id DESC LIMIT {{}} OFFSET {{}}"
_TRANSLATIONS_SQL = "SELECT event, locale, title, description FROM event_translation WHERE event IN ({})"
_DATES_SQL = (
    "SELECT id, event, starts_at, ends_at, status, capacity, places_left, sequence, changed_alone "
    "FROM event_occurrence WHERE {} IN ({}) ORDER BY starts_at"
)
_FIRST_DATES_SQL = (
    "SELECT id, event, position, dates FROM ("
    "SELECT id, event, ROW_NUMBER() OVER (PARTITION BY event ORDER BY starts_at, id) AS position, "
    "COUNT(*) OVER (PARTITION BY event) AS dates "
    "FROM event_occurrence WHERE event IN ({})) AS ranked WHERE position <= {{}}"
)


async def _first_dates(event_ids: list[int], per_event: int) -> tuple[list[int], dict[int, int]]:
    """The ids of each event's first `per_event` dates, and how many dates each event has.

    Counted in the database (window functions, in SQLite and PostgreSQL alike), so a weekly series of a
    year does not load 52 dates and their bookings to show ten."""
    rows = await raw_rows(
        Occurrence._meta.db, _FIRST_DATES_SQL.format(placeholders(len(event_ids))), *event_ids, per_event
    )
    return [row["id"] for row in rows], {row["event"]: int(row["dates"]) for row in rows}
