"""Residents find events: the /events search, event pages, calendars, feeds, the embeddable list and the read API.

Thin handlers: read the filters, call `DiscoveryService`, render. The search, the embeddable list and the
feeds are cached for anonymous visitors for a short time (see `AnonymousPageCache`), keyed by language,
address and query string; a cached response never carries a cookie.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from babel import numbers as babel_numbers
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.areas.services import (
    INWARD_PATTERN,
    MAX_POSTCODE_INPUT,
    OUTWARD_PATTERN,
    AreasService,
    geo_uri,
)
from backend.core.auth import current_user
from backend.core.guards import PUBLIC
from backend.core.i18n import N_, format_locale, format_when, request_locale, request_translations, translate
from backend.core.security import EMBEDDABLE_SCOPE_KEY
from backend.events.calendar import ICS_MEDIA_TYPE, calendar_ics, event_ics, host_of, occurrence_ics
from backend.events.discovery import (
    BAD_POSTCODE,
    MAX_PAGE,
    MAX_QUERY,
    PER_PAGE,
    RADII,
    WHEN_CHOICES,
    DiscoveryService,
    EventCard,
    EventDetail,
    FilterError,
    FilterInput,
    SearchPage,
)
from backend.events.feeds import ATOM_MEDIA_TYPE, FeedItem, atom_feed
from backend.events.schemas import ACCESSIBILITY, LANGUAGES, SUITS, label_of

PAGE_CACHE_STORE = "events_pages"
PAGE_CACHE_SECONDS = 60
EMBED_LIMIT = 10
_FIELD_LIMITS = {
    "q": MAX_QUERY,
    "when": 10,
    "from": 10,
    "to": 10,
    "district": 40,
    "division": 60,
    "postcode": 12,
    "radius_miles": 2,
    "category": 60,
    "language": 8,
    "suits": 20,
    "online": 5,
}
EventsFeedTitle = N_("Events near you")
WhenAny, SuitsAny, LanguageAny = N_("Any time"), N_("Everyone"), N_("Any language")
WHEN_LABELS = (N_("Today"), N_("This weekend"), N_("Next 7 days"))
_writes = itertools.count(1)


# --- caching anonymous pages ---------------------------------------------------------------------


class AnonymousPageCache:
    """Serve anonymous GETs of a page from a short-lived cache keyed by language, address and query string.

    Litestar's own response cache sits outside its CSRF middleware, so it would store (and replay to
    everyone) the CSRF cookie issued to the first visitor. This one stores the status, the headers without
    any `Set-Cookie`, and the body; signed-in visitors always get a fresh page. Gzip and plain bodies are
    kept apart. `embeddable=True` marks the response as frameable even when it comes from the cache.
    """

    def __init__(self, app: ASGIApp, seconds: int = PAGE_CACHE_SECONDS, embeddable: bool = False) -> None:
        self.app = app
        self.seconds = seconds
        self.embeddable = embeddable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache, or pass on and keep a copy."""
        if self.embeddable:
            scope[EMBEDDABLE_SCOPE_KEY] = True  # type: ignore[literal-required]
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "GET" or current_user(Request(scope)):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        key = _cache_key(request)
        store = request.app.stores.get(PAGE_CACHE_STORE)
        cached = await store.get(key)
        if cached is not None:
            status, headers, body = msgspec.msgpack.decode(cached, type=tuple[int, list[tuple[bytes, bytes]], bytes])
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start["status"] = message["status"]
                # Copied now: outer middleware adds its own headers (and cookies) to this message later.
                start["headers"] = [
                    (bytes(name), bytes(value))
                    for name, value in message.get("headers", [])
                    if bytes(name).lower() != b"set-cookie"
                ]
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body") and start.get("status") == HTTP_200_OK:
                    record = (start["status"], start["headers"], b"".join(chunks))
                    await store.set(key, msgspec.msgpack.encode(record), expires_in=self.seconds)
                    if isinstance(store, MemoryStore) and next(_writes) % 500 == 0:
                        await store.delete_expired()
            await send(message)

        await self.app(scope, receive, keep)


def _cache_key(request: Request[Any, Any, Any]) -> str:
    gzip = "gzip" in request.headers.get("accept-encoding", "")
    raw = f"{request_locale(request)}|{int(gzip)}|{request.url.path}?{request.url.query}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _cached(embeddable: bool = False) -> list[DefineMiddleware]:
    return [DefineMiddleware(AnonymousPageCache, seconds=PAGE_CACHE_SECONDS, embeddable=embeddable)]


# --- reading filters -----------------------------------------------------------------------------


def read_filters(request: Request[Any, Any, Any]) -> FilterInput:
    """The filters from the query string, each cut to a sensible length (a page keeps what was typed)."""
    params = request.query_params

    def text(name: str) -> str:
        return str(params.get(name) or "")[: _FIELD_LIMITS[name]]

    try:
        page = min(MAX_PAGE, max(1, int(str(params.get("page") or "1")[:4])))
    except ValueError:
        page = 1
    return FilterInput(
        q=text("q"),
        when=text("when"),
        date_from=text("from"),
        date_to=text("to"),
        district=text("district"),
        division=text("division"),
        postcode=text("postcode"),
        radius_miles=text("radius_miles"),
        category=text("category"),
        language=text("language"),
        accessibility=tuple(str(code)[:30] for code in params.getall("accessibility", [])[:20]),
        free=str(params.get("free") or "").lower() in {"true", "1", "on", "yes"},
        suits=text("suits"),
        online=text("online"),
        page=page,
    )


def _now(request: Request[Any, Any, Any]) -> datetime:
    now: datetime = request.app.state["clock"].now()
    return now


def _messages(request: Request[Any, Any, Any], errors: dict[str, FilterError]) -> dict[str, str]:
    return {name: translate(request, error.message, **error.params) for name, error in errors.items()}


def cost_text(request: Request[Any, Any, Any], pence: int) -> str:
    """ "Free" or "£3.50" in the visitor's language."""
    if pence <= 0:
        return translate(request, N_("Free"))
    return babel_numbers.format_currency(pence / 100, "GBP", locale=format_locale(request_locale(request)))


def _formatters(request: Request[Any, Any, Any]) -> dict[str, Callable[..., str]]:
    return {"cost": lambda pence: cost_text(request, int(pence))}


def _choices(vocabulary: Any) -> list[tuple[str, str]]:
    return [(choice.code, choice.label) for choice in vocabulary]


_AREA_CHOICES = "events.area_choices"
_FORM_CHOICES = "events.form_choices"


async def _area_choices(request: Request[Any, Any, Any], areas: AreasService) -> tuple[list[Any], list[Any]]:
    """Districts and divisions as (code, name): reference data, loaded by a release, so read once per process."""
    state = request.app.state
    cached = state.get(_AREA_CHOICES)
    if cached is None:
        districts = [(item.code, item.name) for item in await areas.list_districts()]
        divisions = [(item.code, item.name) for item in await areas.list_divisions()]
        cached = state[_AREA_CHOICES] = (districts, divisions)
    return cached


def _form_choices(request: Request[Any, Any, Any]) -> dict[str, list[tuple[str, str]]]:
    """The filter form's fixed option lists, translated: prepared once per language, then reused."""
    locale = request_locale(request)
    by_locale: dict[str, dict[str, list[tuple[str, str]]]] = request.app.state.setdefault(_FORM_CHOICES, {})
    cached = by_locale.get(locale)
    if cached is not None:
        return cached
    translations = request_translations(request)

    def labelled(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(code, translations.gettext(label)) for code, label in pairs]

    cached = by_locale[locale] = {
        "when": labelled([("", WhenAny), *zip(WHEN_CHOICES, WHEN_LABELS, strict=True)]),
        "radius": [
            (
                str(radius),
                translations.ngettext("Within %(num)s mile", "Within %(num)s miles", radius) % {"num": radius},
            )
            for radius in RADII
        ],
        "accessibility": labelled(_choices(ACCESSIBILITY)),
        "suits": labelled([("", SuitsAny), *_choices(SUITS)]),
        "language": labelled([("", LanguageAny), *_choices(LANGUAGES)]),
        "online": labelled([("", N_("Either")), ("false", N_("In person")), ("true", N_("Online"))]),
    }
    return cached


async def _form_context(
    request: Request[Any, Any, Any], service: DiscoveryService, areas: AreasService, filters: FilterInput
) -> dict[str, Any]:
    locale = request_locale(request)
    categories = await service.categories()
    districts, divisions = await _area_choices(request, areas)
    return {
        "filters": filters,
        "categories": [(item["slug"], item["names"].get(locale) or item["names"].get("en", "")) for item in categories],
        "districts": districts,
        "divisions": divisions,
        "choices": _form_choices(request),
        "label_of": label_of,
        "ACCESSIBILITY": ACCESSIBILITY,
        "SUITS": SUITS,
        "LANGUAGES": LANGUAGES,
        **_formatters(request),
        "_categories": categories,
    }


async def _search(
    request: Request[Any, Any, Any], service: DiscoveryService, filters: FilterInput, categories: Any = None
) -> tuple[SearchPage | None, dict[str, str], str]:
    criteria, errors = await service.resolve(filters, _now(request), categories)
    if criteria is None:
        return None, _messages(request, errors), ""
    return await service.search(criteria, request_locale(request), filters.page), {}, criteria.place


# --- pages ---------------------------------------------------------------------------------------


class EventPages(Controller):
    """The resident's search, event pages, calendars, feeds and the embeddable list."""

    include_in_schema = False
    opt = PUBLIC

    @get("/events", name="events_find", middleware=_cached())
    async def find(
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
        areas_service: NamedDependency[AreasService],
    ) -> Template:
        """Upcoming events, filtered by what is in the address (a GET form that works without JavaScript)."""
        filters = read_filters(request)
        context = await _form_context(request, discovery, areas_service, filters)
        results, errors, place = await _search(request, discovery, filters, context.pop("_categories"))
        context.update(results=results, errors=errors, place=place, query=filters.query_string())
        return Template(
            "events/public/find.html",
            context=context,
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
            headers={"Vary": "Accept-Language, Cookie"},
        )

    @get("/events/embed", name="events_embed", middleware=_cached(embeddable=True))
    async def embed(self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService]) -> Template:
        """A compact list for partners' and parishes' own sites (frameable; links open in the parent page)."""
        request.scope[EMBEDDABLE_SCOPE_KEY] = True  # type: ignore[literal-required]
        filters = read_filters(request)
        results, errors, _place = await _search(request, discovery, filters)
        if results is not None:
            results.items = results.items[:EMBED_LIMIT]
        context = {
            "results": results,
            "errors": errors,
            "query": filters.query_string(),
            **_formatters(request),
        }
        return Template("events/public/embed.html", context=context, headers={"Vary": "Accept-Language, Cookie"})

    @get("/events/feed.ics", name="events_feed_ics", media_type=ICS_MEDIA_TYPE, middleware=_cached())
    async def feed_ics(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService]
    ) -> Response[bytes]:
        """A calendar to subscribe to: the next matching dates, updated as partners change them."""
        criteria, errors = await discovery.resolve(read_filters(request), _now(request))
        if criteria is None:
            return _bad_feed(request, errors)
        entries = await discovery.feed_entries(criteria, request_locale(request))
        settings = request.app.state["settings"]
        body = calendar_ics(
            entries,
            host=host_of(settings.base_url),
            stamp=_now(request),
            name=f"{settings.site_name}: {translate(request, EventsFeedTitle)}",
        )
        return Response(body, media_type=ICS_MEDIA_TYPE, headers={"Vary": "Accept-Language, Cookie"})

    @get("/events/feed.atom", name="events_feed_atom", media_type=ATOM_MEDIA_TYPE, middleware=_cached())
    async def feed_atom(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService]
    ) -> Response[bytes]:
        """An Atom feed of the next matching dates, in the reader's language."""
        filters = read_filters(request)
        criteria, errors = await discovery.resolve(filters, _now(request))
        if criteria is None:
            return _bad_feed(request, errors)
        locale = request_locale(request)
        cards = await discovery.feed(criteria, locale)
        settings = request.app.state["settings"]
        base = settings.base_url.rstrip("/")
        query = filters.query_string()
        suffix = f"?{query}" if query else ""
        host = host_of(settings.base_url)
        items = [
            FeedItem(
                id=f"tag:{host},2026:occurrence-{card.occurrence_id}",
                title=card.title,
                url=f"{base}{card.url}",
                summary=card.summary,
                updated=card.starts_at,
                when=_when_text(card, locale, settings.time_zone),
                where=translate(request, N_("Online")) if card.is_online else card.venue_name,
                language=card.locale,
            )
            for card in cards
        ]
        body = atom_feed(
            feed_id=f"{base}/events/feed.atom{suffix}",
            title=f"{settings.site_name}: {translate(request, EventsFeedTitle)}",
            self_url=f"{base}/events/feed.atom{suffix}",
            page_url=f"{base}/events{suffix}",
            updated=_now(request),
            language=locale,
            items=items,
        )
        return Response(body, media_type=ATOM_MEDIA_TYPE, headers={"Vary": "Accept-Language, Cookie"})

    @get("/events/{event_ref:str}", name="events_event")
    async def event(
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
        event_ref: Annotated[str, PathParameter(max_length=20)],
    ) -> Response[Any]:
        """An event page (`/events/12`) or its calendar file with every date (`/events/12.ics`)."""
        event_id, is_ics = _reference(event_ref)
        if is_ics:
            return await _ics_response(request, discovery, event_id, None)
        return await _event_page(request, discovery, event_id, None)

    @get("/events/{event_ref:str}/{occurrence_ref:str}", name="events_occurrence")
    async def occurrence(
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
        event_ref: Annotated[str, PathParameter(max_length=20)],
        occurrence_ref: Annotated[str, PathParameter(max_length=20)],
    ) -> Response[Any]:
        """One date of an event (`/events/12/34`) or its calendar file (`/events/12/34.ics`)."""
        event_id, event_is_ics = _reference(event_ref)
        occurrence_id, is_ics = _reference(occurrence_ref)
        if event_is_ics:
            raise NotFoundException()
        if is_ics:
            return await _ics_response(request, discovery, event_id, occurrence_id)
        return await _event_page(request, discovery, event_id, occurrence_id)


def _reference(text: str) -> tuple[int, bool]:
    """`12` → (12, False); `12.ics` → (12, True); anything else is not found."""
    is_ics = text.endswith(".ics")
    number = text.removesuffix(".ics")
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= 2**31 - 1:
        raise NotFoundException()
    return int(number), is_ics


def _bad_feed(request: Request[Any, Any, Any], errors: dict[str, FilterError]) -> Response[bytes]:
    text = "\n".join(f"{name}: {message}" for name, message in _messages(request, errors).items())
    return Response(text.encode(), status_code=HTTP_400_BAD_REQUEST, media_type="text/plain; charset=utf-8")


def _when_text(card: EventCard, locale: str, zone: str) -> str:
    return format_when(card.starts_at, "full", ZoneInfo(zone), locale)


async def _ics_response(
    request: Request[Any, Any, Any], discovery: DiscoveryService, event_id: int, occurrence_id: int | None
) -> Response[bytes]:
    entries = await discovery.calendar_entries(event_id, occurrence_id)
    if not entries:
        raise NotFoundException()
    host = host_of(request.app.state["settings"].base_url)
    if occurrence_id is None:
        body = event_ics(entries, host=host, stamp=_now(request))
        filename = f"event-{event_id}.ics"
    else:
        body = occurrence_ics(entries[0], host=host, stamp=_now(request))
        filename = f"event-{event_id}-{occurrence_id}.ics"
    return Response(
        body,
        media_type=ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-cache"},
    )


async def _event_page(
    request: Request[Any, Any, Any], discovery: DiscoveryService, event_id: int, occurrence_id: int | None
) -> Template:
    detail = await discovery.event(event_id, request_locale(request), _now(request), occurrence_id)
    if detail is None:
        raise NotFoundException()
    map_links = None
    if detail.latitude is not None and detail.longitude is not None and not detail.is_online:
        map_links = {
            "geo": geo_uri(detail.latitude, detail.longitude),
            "osm": (
                f"https://www.openstreetmap.org/?mlat={detail.latitude:.6f}&mlon={detail.longitude:.6f}"
                f"#map=17/{detail.latitude:.6f}/{detail.longitude:.6f}"
            ),
        }
    context = {
        "event": detail,
        "map_links": map_links,
        "ACCESSIBILITY": ACCESSIBILITY,
        "SUITS": SUITS,
        "LANGUAGES": LANGUAGES,
        "label_of": label_of,
        **_formatters(request),
    }
    return Template("events/public/event.html", context=context, headers={"Cache-Control": "no-cache"})


# --- the read API ----------------------------------------------------------------------------------


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
    opt = PUBLIC
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
        criteria, errors = await discovery.resolve(filters, _now(request))
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
    )
    async def get_event(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService], event_id: EventId
    ) -> EventDetail:
        """A published event in the caller's language (Accept-Language) where the partner supplied it."""
        detail = await discovery.event(event_id, request_locale(request), _now(request))
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
    )
    async def get_event_ics(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService], event_id: EventId
    ) -> Response[bytes]:
        """Every date of the event; each has a stable UID, a SEQUENCE and a status."""
        return await _ics_response(request, discovery, event_id, None)


def _api_error(
    request: Request[Any, Any, Any], errors: dict[str, FilterError], status: int
) -> Response[SearchPage | ApiErrorOut]:
    messages = _messages(request, errors)
    body = ApiErrorOut(
        status_code=status,
        detail=next(iter(messages.values())),
        errors=[FieldErrorOut(key=name, source="query", message=message) for name, message in messages.items()],
    )
    return Response(body, status_code=status)


def provide_discovery(state: State) -> DiscoveryService:
    """The read side of events, bound to the app's engine."""
    settings = state["settings"]
    return DiscoveryService(state["engine"], time_zone=settings.time_zone, base_url=settings.base_url)


ROUTE_HANDLERS: list[Any] = [EventPages, EventsApi]
DEPENDENCIES: dict[str, Provide] = {"discovery": Provide(provide_discovery, sync_to_thread=False)}
