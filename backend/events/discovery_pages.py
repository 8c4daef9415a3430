"""Residents find events: the /events search, event pages, calendars, feeds and the embeddable list.

Thin handlers: read the filters, call `DiscoveryService`, render. The search, the embeddable list and the
feeds are cached for anonymous visitors for a short time (see `page_cache.AnonymousPageCache`). The JSON
API is `discovery_api.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel import numbers as babel_numbers
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from backend.areas.services import (
    AreasService,
    geo_uri,
)
from backend.core.guards import PUBLIC
from backend.core.i18n import N_, format_locale, format_when, request_locale, request_translations, translate
from backend.core.security import EMBEDDABLE_SCOPE_KEY
from backend.events.calendar import ICS_MEDIA_TYPE, calendar_ics, event_ics, host_of, occurrence_ics
from backend.events.discovery import DiscoveryService
from backend.events.feeds import ATOM_MEDIA_TYPE, FeedItem, atom_feed
from backend.events.page_cache import anonymous_cache
from backend.events.schemas import ACCESSIBILITY, LANGUAGES, SUITS, label_of
from backend.events.search_types import (
    MAX_PAGE,
    MAX_QUERY,
    RADII,
    WHEN_CHOICES,
    EventCard,
    FilterError,
    FilterInput,
    SearchPage,
)

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


def request_now(request: Request[Any, Any, Any]) -> datetime:
    """Now, from the app's injected clock."""
    now: datetime = request.app.state["clock"].now()
    return now


def error_messages(request: Request[Any, Any, Any], errors: dict[str, FilterError]) -> dict[str, str]:
    """The filters' errors translated, by field name."""
    return {name: translate(request, error.message, **error.params) for name, error in errors.items()}


def cost_text(request: Request[Any, Any, Any], pence: int) -> str:
    """ "Free" or "£3.50" in the visitor's language."""
    if pence <= 0:
        return translate(request, N_("Free"))
    return _pounds(pence, request_locale(request))


@functools.lru_cache(maxsize=4096)
def _pounds(pence: int, locale: str) -> str:
    # Babel takes about 12 µs to format a price; prices repeat, so each is formatted once per language.
    return babel_numbers.format_currency(pence / 100, "GBP", locale=format_locale(locale))


def _formatters(request: Request[Any, Any, Any]) -> dict[str, Callable[..., str]]:
    return {"cost": lambda pence: cost_text(request, int(pence))}


def _choices(vocabulary: Any) -> list[tuple[str, str]]:
    return [(choice.code, choice.label) for choice in vocabulary]


_FORM_CHOICES = "events.form_choices"


async def _area_choices(areas: AreasService) -> tuple[list[Any], list[Any]]:
    """Districts and divisions as (code, name) (AreasService remembers the reference data per database)."""
    districts = [(item.code, item.name) for item in await areas.list_districts()]
    divisions = [(item.code, item.name) for item in await areas.list_divisions()]
    return districts, divisions


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
    request: Request[Any, Any, Any], service: DiscoveryService, filters: FilterInput
) -> dict[str, Any]:
    locale = request_locale(request)
    categories = await service.categories()
    districts, divisions = await _area_choices(service.areas)
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
    criteria, errors = await service.resolve(filters, request_now(request), categories)
    if criteria is None:
        return None, error_messages(request, errors), ""
    return await service.search(criteria, request_locale(request), filters.page), {}, criteria.place


# --- pages ---------------------------------------------------------------------------------------


class EventPages(Controller):
    """The resident's search, event pages, calendars, feeds and the embeddable list."""

    include_in_schema = False

    @get("/events", name="events_find", middleware=anonymous_cache(), opt=PUBLIC)
    async def find(
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
    ) -> Template:
        """Upcoming events, filtered by what is in the address (a GET form that works without JavaScript)."""
        filters = read_filters(request)
        context = await _form_context(request, discovery, filters)
        results, errors, place = await _search(request, discovery, filters, context.pop("_categories"))
        context.update(results=results, errors=errors, place=place, query=filters.query_string())
        return Template(
            "events/public/find.html",
            context=context,
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
            headers={"Vary": "Accept-Language, Cookie"},
        )

    @get("/events/embed", name="events_embed", middleware=anonymous_cache(embeddable=True), opt=PUBLIC)
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

    @get(
        "/events/feed.ics", name="events_feed_ics", media_type=ICS_MEDIA_TYPE, middleware=anonymous_cache(), opt=PUBLIC
    )
    async def feed_ics(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService]
    ) -> Response[bytes]:
        """A calendar to subscribe to: the next matching dates, updated as partners change them."""
        criteria, errors = await discovery.resolve(read_filters(request), request_now(request))
        if criteria is None:
            return _bad_feed(request, errors)
        entries = await discovery.feed_entries(criteria, request_locale(request))
        settings = request.app.state["settings"]
        body = calendar_ics(
            entries,
            host=host_of(settings.base_url),
            stamp=request_now(request),
            name=f"{settings.site_name}: {translate(request, EventsFeedTitle)}",
        )
        return Response(body, media_type=ICS_MEDIA_TYPE, headers={"Vary": "Accept-Language, Cookie"})

    @get(
        "/events/feed.atom",
        name="events_feed_atom",
        media_type=ATOM_MEDIA_TYPE,
        middleware=anonymous_cache(),
        opt=PUBLIC,
    )
    async def feed_atom(
        self, request: Request[Any, Any, Any], discovery: NamedDependency[DiscoveryService]
    ) -> Response[bytes]:
        """An Atom feed of the next matching dates, in the reader's language."""
        filters = read_filters(request)
        criteria, errors = await discovery.resolve(filters, request_now(request))
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
            updated=request_now(request),
            language=locale,
            items=items,
        )
        return Response(body, media_type=ATOM_MEDIA_TYPE, headers={"Vary": "Accept-Language, Cookie"})

    @get("/events/{event_ref:str}", name="events_event", opt=PUBLIC)
    async def event(
        self,
        request: Request[Any, Any, Any],
        discovery: NamedDependency[DiscoveryService],
        event_ref: Annotated[str, PathParameter(max_length=20)],
    ) -> Response[Any]:
        """An event page (`/events/12`) or its calendar file with every date (`/events/12.ics`)."""
        event_id, is_ics = _reference(event_ref)
        if is_ics:
            return await ics_response(request, discovery, event_id, None)
        return await _event_page(request, discovery, event_id, None)

    @get("/events/{event_ref:str}/{occurrence_ref:str}", name="events_occurrence", opt=PUBLIC)
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
            return await ics_response(request, discovery, event_id, occurrence_id)
        return await _event_page(request, discovery, event_id, occurrence_id)


def _reference(text: str) -> tuple[int, bool]:
    """`12` → (12, False); `12.ics` → (12, True); anything else is not found."""
    is_ics = text.endswith(".ics")
    number = text.removesuffix(".ics")
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= 2**31 - 1:
        raise NotFoundException()
    return int(number), is_ics


def _bad_feed(request: Request[Any, Any, Any], errors: dict[str, FilterError]) -> Response[bytes]:
    text = "\n".join(f"{name}: {message}" for name, message in error_messages(request, errors).items())
    return Response(text.encode(), status_code=HTTP_400_BAD_REQUEST, media_type="text/plain; charset=utf-8")


def _when_text(card: EventCard, locale: str, zone: str) -> str:
    return format_when(card.starts_at, "full", ZoneInfo(zone), locale)


async def ics_response(
    request: Request[Any, Any, Any], discovery: DiscoveryService, event_id: int, occurrence_id: int | None
) -> Response[bytes]:
    """An event's calendar file (every date, or the one asked for); not found when the event is not public."""
    entries = await discovery.calendar_entries(event_id, occurrence_id)
    if not entries:
        raise NotFoundException()
    host = host_of(request.app.state["settings"].base_url)
    if occurrence_id is None:
        body = event_ics(entries, host=host, stamp=request_now(request))
        filename = f"event-{event_id}.ics"
    else:
        body = occurrence_ics(entries[0], host=host, stamp=request_now(request))
        filename = f"event-{event_id}-{occurrence_id}.ics"
    return Response(
        body,
        media_type=ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-cache"},
    )


async def _event_page(
    request: Request[Any, Any, Any], discovery: DiscoveryService, event_id: int, occurrence_id: int | None
) -> Template:
    detail = await discovery.event(event_id, request_locale(request), request_now(request), occurrence_id)
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
