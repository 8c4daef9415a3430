"""The public, read-only JSON API about upcoming events (/api/v1/events): search, one event, its calendar.

Thin handlers over `DiscoveryService`, as the pages (`discovery_pages.py`) are; the filters are documented
query parameters, so the OpenAPI schema lists every one.
"""

from __future__ import annotations

import re
from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from backend.areas.services import (
    INWARD_PATTERN,
    MAX_POSTCODE_INPUT,
    OUTWARD_PATTERN,
)
from backend.core.guards import PUBLIC
from backend.core.i18n import request_locale
from backend.events.calendar import ICS_MEDIA_TYPE
from backend.events.discovery import DiscoveryService
from backend.events.discovery_pages import error_messages, ics_response, request_now
from backend.events.search_types import (
    BAD_POSTCODE,
    MAX_PAGE,
    MAX_QUERY,
    PER_PAGE,
    EventDetail,
    FilterError,
    FilterInput,
    SearchPage,
)


class When(StrEnum):
    """Named date windows."""

    TODAY = "today"
    WEEKEND = "weekend"
    WEEK = "week"


class Radius(IntEnum):
    """Search radii in miles."""

    ONE = 1
    THREE = 3
    FIVE = 5
    TEN = 10


AccessibilityCode = Literal[
    "step_free",
    "hearing_loop",
    "bsl",
    "quiet_space",
    "accessible_toilet",
    "changing_places",
    "prayer_space",
    "childcare",
    "parking",
    "public_transport",
]
SuitsCode = Literal["families", "young_people", "older_people"]
LanguageCode = Literal[
    "en", "pl", "ur", "ar", "bn", "pa", "so", "ro", "pt", "es", "fr",
    "zh", "bsl", "uk", "ps", "fa", "ti", "ku", "gu", "ta", "tr", "it",
]  # fmt: skip
SLUG = r"^[A-Za-z0-9-]+$"
NAMED_PLACES = frozenset({"district", "division", "category", "postcode"})


def _any_case(pattern: str) -> str:
    """The strict upper-case pattern with each letter class widened to both cases (JSON Schema has no flags)."""
    return re.sub(r"\[([^\]]+)\]", lambda m: "[" + m.group(1) + m.group(1).lower().replace("0-9", "") + "]", pattern)


POSTCODE_QUERY_PATTERN = rf"^ *(?:{_any_case(OUTWARD_PATTERN)}) *(?:{_any_case(INWARD_PATTERN)})? *$"
EventId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class FieldErrorOut(msgspec.Struct):
    """One problem with one query parameter."""

    key: str
    source: str
    message: str


class ApiErrorOut(msgspec.Struct):
    """An error answer (the same shape the app's error handler uses)."""

    status_code: int
    detail: str
    errors: list[FieldErrorOut] = msgspec.field(default_factory=list)


class EventsApi(Controller):
    """Public, read-only answers about upcoming events."""

    path = "/api/v1/events"
    tags = ["events"]
    security = [{}]

    @get(
        "/",
        name="api_events_list",
        summary="Search upcoming events",
        description=(
            "Upcoming dates of published events, soonest first (nearest first with `postcode`), "
            f"{PER_PAGE} a page. Every filter of the /events page is a query parameter."
        ),
        responses={
            HTTP_200_OK: ResponseSpec(data_container=SearchPage, description="A page of matching dates"),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiErrorOut, description="A filter is not valid"),
            HTTP_404_NOT_FOUND: ResponseSpec(
                data_container=ApiErrorOut,
                description="A district, division, category or postcode that is not known (or not in Oxfordshire)",
            ),
        },
        opt=PUBLIC,
    )
    async def list_events(  # noqa: PLR0917 - one argument per documented filter
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
        q: Annotated[
            str | None, QueryParameter(max_length=MAX_QUERY, description="Words in the title or description")
        ] = None,
        when: Annotated[When | None, QueryParameter(description="today, this weekend or the next 7 days")] = None,
        date_from: Annotated[date | None, QueryParameter(name="from", description="From this date")] = None,
        date_to: Annotated[date | None, QueryParameter(name="to", description="Up to and including this date")] = None,
        district: Annotated[
            str | None, QueryParameter(max_length=40, pattern=SLUG, description="A district's GSS code or slug")
        ] = None,
        division: Annotated[
            str | None, QueryParameter(max_length=60, pattern=SLUG, description="A division's GSS code or slug")
        ] = None,
        postcode: Annotated[
            str | None,
            QueryParameter(
                max_length=MAX_POSTCODE_INPUT,
                pattern=POSTCODE_QUERY_PATTERN,
                description="A postcode or outward code in Oxfordshire, in any case and spacing: `OX4 1AA`, `ox4`.",
            ),
        ] = None,
        radius_miles: Annotated[
            Radius | None, QueryParameter(description="Miles around `postcode` (default 3)")
        ] = None,
        category: Annotated[
            str | None, QueryParameter(max_length=60, pattern=SLUG, description="A category slug")
        ] = None,
        language: Annotated[LanguageCode | None, QueryParameter(description="A language spoken there")] = None,
        accessibility: Annotated[
            list[AccessibilityCode] | None, QueryParameter(max_items=10, description="Features (all must be there)")
        ] = None,
        free: Annotated[bool | None, QueryParameter(description="Only free events")] = None,
        suits: Annotated[SuitsCode | None, QueryParameter(description="Who it particularly suits")] = None,
        online: Annotated[bool | None, QueryParameter(description="true: online only; false: in person only")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    ) -> Response[SearchPage | ApiErrorOut]:
        """A page of matching upcoming dates and how many match in all."""
        filters = FilterInput(
            q=q or "",
            when=when.value if when else "",
            date_from=date_from.isoformat() if date_from else "",
            date_to=date_to.isoformat() if date_to else "",
            district=district or "",
            division=division or "",
            postcode=postcode or "",
            radius_miles=str(int(radius_miles)) if radius_miles else "",
            category=category or "",
            language=language or "",
            accessibility=tuple(accessibility or ()),
            free=bool(free),
            suits=suits or "",
            online="" if online is None else ("true" if online else "false"),
            page=page,
        )
        criteria, errors = await discovery.resolve(filters, request_now(request))
        if criteria is None:
            unknown = {
                name: error for name, error in errors.items() if name in NAMED_PLACES and error.message != BAD_POSTCODE
            }
            if unknown:
                return _api_error(request, unknown, HTTP_404_NOT_FOUND)
            if set(errors) == {"to"}:  # a range that ends before it starts holds nothing
                return Response(SearchPage(total=0, more=False, page=1, per_page=PER_PAGE, pages=1, items=[]))
            return _api_error(request, errors, HTTP_400_BAD_REQUEST)
        return Response(await discovery.search(criteria, request_locale(request), page))

    @get(
        "/{event_id:int}",
        name="api_events_get",
        summary="One public event",
        responses={
            HTTP_200_OK: ResponseSpec(data_container=EventDetail, description="The event, with its next dates"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiErrorOut, description="No such public event"),
        },
        opt=PUBLIC,
    )
    async def get_event(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService], event_id: EventId
    ) -> EventDetail:
        """A published event in the caller's language (Accept-Language) where the partner supplied it."""
        detail = await discovery.event(event_id, request_locale(request), request_now(request))
        if detail is None:
            raise NotFoundException()
        return detail

    @get(
        "/{event_id:int}/calendar.ics",
        name="api_events_ics",
        summary="An event's dates as iCalendar",
        media_type=ICS_MEDIA_TYPE,
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=str, media_type="text/calendar", description="Every date of the event (RFC 5545)"
            ),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiErrorOut, description="No such public event"),
        },
        opt=PUBLIC,
    )
    async def get_event_ics(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService], event_id: EventId
    ) -> Response[bytes]:
        """Every date of the event; each has a stable UID, a SEQUENCE and a status."""
        return await ics_response(request, discovery, event_id, None)


def _api_error(
    request: Request[Any, Any, Any], errors: dict[str, FilterError], status: int
) -> Response[SearchPage | ApiErrorOut]:
    messages = error_messages(request, errors)
    body = ApiErrorOut(
        status_code=status,
        detail=next(iter(messages.values())),
        errors=[FieldErrorOut(key=name, source="query", message=message) for name, message in messages.items()],
    )
    return Response(body, status_code=status)
