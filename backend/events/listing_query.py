"""The listing search as hand-written SQL: one statement brings a page of result cards and the number of matches.

Why not the ORM's query builder: building its select, conditions and joins cost more CPU than running the
query, and the values it inlined (a postcode's coordinates) made each search's text new to PostgreSQL, so
every search was parsed afresh and took two round trips. Here the text depends only on which filters are set
(and the bits of the bit-set filters, inlined because PostgreSQL keeps statistics on each `(column & bit) =
bit`); every other value is a parameter, so a connection prepares each shape once and then runs it in one
round trip (see `core.db.open_engine`).

Placeholders are Piccolo's `{}`: `core.db.raw_rows` numbers them for PostgreSQL, and Piccolo for SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.core.db import placeholders
from backend.events.geo import (
    DISTANCE_SQL,
    LISTING_POINT,
    LONGITUDE_SCALE,
    bits,
    bounding_box,
    degrees_squared,
    distance_params,
)
from backend.events.search_types import COUNT_LIMIT, Criteria

# A page's cards: each date with its event's card fields and the event's translation into the visitor's
# language (NULL when there is none), and the number of matches (counted up to COUNT_LIMIT + 1, so the cost
# of a search does not grow with the number of events). Keys as the ORM would name them.
_CARD_COLUMNS = (
    "o.id AS id, o.starts_at AS starts_at, o.ends_at AS ends_at, o.capacity AS capacity, "
    'o.places_left AS places_left, e.id AS "event.id", e.title AS "event.title", '
    'e.description AS "event.description", e.original_locale AS "event.original_locale", '
    'e.category AS "event.category", e.is_online AS "event.is_online", e.venue_name AS "event.venue_name", '
    'e.postcode AS "event.postcode", e.district_code AS "event.district_code", '
    'e.division_code AS "event.division_code", e.latitude AS "event.latitude", e.longitude AS "event.longitude", '
    'e.cost_pence AS "event.cost_pence", e.languages AS "event.languages", e.suits AS "event.suits", '
    'e.accessibility AS "event.accessibility", t.event AS translation_event, t.title AS translated_title, '
    "t.description AS translated_description"
)
_CARDS_FROM = (
    "FROM event_occurrence o JOIN event e ON e.id = o.event "
    "LEFT JOIN event_translation t ON t.event = e.id AND t.locale = {}"
)


_SOONEST = "starts_at, occurrence_id"


@dataclass(frozen=True)
class ListingQuery:
    """The listing's conditions and order for one search, as SQL text with `{}` placeholders and their values."""

    where: str
    where_params: tuple[Any, ...]
    order: str
    order_params: tuple[Any, ...]

    def soonest_first(self) -> ListingQuery:
        """The same matches, soonest first (for feeds, whatever the search's own order)."""
        return ListingQuery(self.where, self.where_params, _SOONEST, ())

    def page_ids(self, limit: int, offset: int = 0) -> tuple[str, tuple[Any, ...]]:
        """The occurrence ids of one page of matches, in the search's order."""
        where, order = self.where, self.order
        sql = f"SELECT occurrence_id FROM event_listing WHERE {where} ORDER BY {order} LIMIT {{}} OFFSET {{}}"  # noqa: S608
        return sql, (*self.where_params, *self.order_params, limit, offset)

    def _counted(self, columns: str) -> str:
        """Up to COUNT_LIMIT + 1 matches, in no order: enough to count them (uses `where_params`)."""
        return f"SELECT {columns} FROM event_listing WHERE {self.where} LIMIT {COUNT_LIMIT + 1}"  # noqa: S608

    def count(self) -> tuple[str, tuple[Any, ...]]:
        """How many dates match, up to COUNT_LIMIT + 1 (start times: every index the search uses holds them)."""
        return f"SELECT COUNT(*) AS matches FROM ({self._counted('starts_at')}) AS found", self.where_params  # noqa: S608

    def cards_page(self, locale: str, limit: int, offset: int) -> tuple[str, tuple[Any, ...]]:
        """One page's cards, each row with the number of matches beside it (in no particular order).

        The listing is searched once: up to COUNT_LIMIT + 1 matches, in no order (`found`), which is also
        the count. When that holds every match, the page is cut from it; only a search with more matches
        than that reads the listing again, in order, and stops at the page (it has found enough by then).
        A narrow search (a word, a small area, a rare need) used to scan its candidates twice, once to
        count and once to order them; at 100,000 events that scan is most of a search's cost.
        """
        found = self._counted("occurrence_id, starts_at, latitude, longitude")
        # Sorting the few found is cheap, so ties (one venue's dates are equally far) go soonest first.
        ties = "" if self.order.endswith(_SOONEST) else f", {_SOONEST}"
        few = (
            f"SELECT occurrence_id FROM found WHERE (SELECT n FROM total) <= {COUNT_LIMIT} ORDER BY {self.order}{ties}"  # noqa: S608
        )
        many = (
            f"SELECT occurrence_id FROM event_listing WHERE (SELECT n FROM total) > {COUNT_LIMIT} "  # noqa: S608
            f"AND {self.where} ORDER BY {self.order}"
        )
        counted = f"found AS MATERIALIZED ({found}), total AS (SELECT COUNT(*) AS n FROM found)"  # noqa: S608
        sql = (
            f"WITH {counted} SELECT {_CARD_COLUMNS}, (SELECT n FROM total) AS matches {_CARDS_FROM} "  # noqa: S608
            "WHERE o.id IN ("
            f"SELECT occurrence_id FROM ({few} LIMIT {{}} OFFSET {{}}) AS few_matches UNION ALL "
            f"SELECT occurrence_id FROM ({many} LIMIT {{}} OFFSET {{}}) AS many_matches)"
        )
        page = (limit, offset)
        params = (*self.where_params, locale, *self.order_params, *page, *self.where_params, *self.order_params, *page)
        return sql, params


def cards_by_id(locale: str, occurrence_ids: list[int]) -> tuple[str, tuple[Any, ...]]:
    """The cards of these dates (in no particular order)."""
    listed = placeholders(len(occurrence_ids))
    return f"SELECT {_CARD_COLUMNS} {_CARDS_FROM} WHERE o.id IN ({listed})", (locale, *occurrence_ids)


def listing_query(criteria: Criteria, *, postgres: bool) -> ListingQuery:
    """The conditions on the listing (which holds only public, scheduled dates; see `tables.Listing`) and its
    order: soonest first, or nearest first around a postcode."""
    conditions = ["starts_at >= {}"]
    params: list[Any] = [criteria.starts_from]

    def where(condition: str, *values: Any) -> None:
        conditions.append(condition)
        params.extend(values)

    if criteria.starts_before is not None:
        where("starts_at < {}", criteria.starts_before)
    if criteria.district_code:
        where("district_code = {}", criteria.district_code)
    if criteria.division_code:
        where("division_code = {}", criteria.division_code)
    if criteria.category_id is not None:
        where("category = {}", criteria.category_id)
    for column, mask in (
        ("languages", criteria.language_mask),
        ("accessibility", criteria.accessibility_mask),
        ("suits", criteria.suits_mask),
    ):
        for bit in bits(mask):
            where(f"({column} & {bit}) = {bit}")
    if criteria.free:
        where("cost_pence = 0")
    if criteria.online is not None:
        where("is_online = {}", criteria.online)
    for term in criteria.terms:
        where("search_text LIKE {}", f"%{term}%")
    if criteria.centre is None or criteria.radius_miles is None:
        return ListingQuery(" AND ".join(conditions), tuple(params), _SOONEST, ())

    lat, lon = criteria.centre
    south, north, west, east = bounding_box(lat, lon, criteria.radius_miles)
    where("latitude >= {} AND latitude <= {} AND longitude >= {} AND longitude <= {}", south, north, west, east)
    if postgres:
        # The same box again as `point <@ box` on the scaled point the GiST index holds.
        where(
            f"{LISTING_POINT} <@ box(point({{}}, {{}}), point({{}}, {{}}))",
            west * LONGITUDE_SCALE,
            south,
            east * LONGITUDE_SCALE,
            north,
        )
    where(f"{DISTANCE_SQL} <= {{}}", *distance_params(lat, lon), degrees_squared(criteria.radius_miles))
    if postgres:
        # `<->` on the GiST index reads the nearest dates first and stops after the page (PostgreSQL cannot
        # add tie-breakers to that order without sorting every match; the page is sorted exactly afterwards).
        nearest = f"{LISTING_POINT} <-> point({{}}, {{}})"
        return ListingQuery(" AND ".join(conditions), tuple(params), nearest, (lon * LONGITUDE_SCALE, lat))
    return ListingQuery(
        " AND ".join(conditions),
        tuple(params),
        f"{DISTANCE_SQL}, starts_at, occurrence_id",
        distance_params(lat, lon, LONGITUDE_SCALE),
    )
