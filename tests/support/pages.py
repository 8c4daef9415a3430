"""Every resident-facing HTML page, discovered from the app's routes (so a new page is checked the day it lands).

A page route is a GET route left out of the OpenAPI schema that is not a file, the PWA plumbing, the health
check, the language switch or the schema itself. Routes with path parameters need an entry in EXAMPLES; the
meta-tests fail on a page route without one, so whoever adds a page also says how to open it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from backend.core.guards import is_public

# Paths that are not pages a resident reads.
NOT_PAGES_PREFIXES = ("/static/", "/icons/", "/language/", "/schema")
NOT_PAGES = frozenset(
    {"/service-worker.js", "/manifest.webmanifest", "/health", "/events/feed.ics", "/events/feed.atom"}
)

# Path template (as Litestar spells it) → an example path. `{locale}` is replaced by the locale under test,
# for pages whose language is part of the address.
# Token pages get a token that is not valid: their "this link cannot be used" page is what most visitors
# who reach them by an old or mangled link see, and it must pass the checks too.
EXAMPLES: dict[str, str] = {
    "/officer/events/{event_id:int}": "/officer/events/1",
    "/officer/organisations/{organisation_id:int}": "/officer/organisations/1",
    "/partner/events/{event_id:int}": "/partner/events/1",
    "/partner/events/{event_id:int}/attendees": "/partner/events/1/attendees",
    "/partner/events/{event_id:int}/edit": "/partner/events/1/edit",
    "/partner/events/{event_id:int}/occurrences/{occurrence_id:int}/attendees.csv": (
        "/partner/events/1/occurrences/1/attendees.csv"
    ),
    "/partner/events/{event_id:int}/occurrences/{occurrence_id:int}/change": "/partner/events/1/occurrences/1/change",
    "/partners/confirm/{token:str}": "/partners/confirm/not-a-real-token",
    "/offline/{code:str}": "/offline/{locale}",
    "/offline/{code:str}/saved": "/offline/{locale}/saved",
    "/admin/users/{user_id:int}": "/admin/users/1",
    "/dev/mail/{job_id:int}": "/dev/mail/1",
    "/invitation/{token:str}": "/invitation/not-a-real-token",
    "/password/reset/{token:str}": "/password/reset/not-a-real-token",
    "/sign-in/link/{token:str}": "/sign-in/link/not-a-real-token",
    "/events/{event_ref:str}": "/events/1",
    "/events/{event_ref:str}/{occurrence_ref:str}": "/events/1/1",
    "/events/{event_id:int}/{occurrence_id:int}/book": "/events/1/1/book",
    "/events/{event_id:int}/{occurrence_id:int}/waitlist/joined": "/events/1/1/waitlist/joined",
    "/events/{event_id:int}/{occurrence_id:int}/check-email": "/events/1/1/check-email",
    "/bookings/{token:str}": "/bookings/not-a-real-booking-token",
    "/bookings/{token:str}/calendar.ics": "/bookings/not-a-real-booking-token/calendar.ics",
    "/bookings/{token:str}/cancel": "/bookings/not-a-real-booking-token/cancel",
    "/bookings/{token:str}/feedback": "/bookings/not-a-real-booking-token/feedback",
    "/waitlist/{token:str}": "/waitlist/not-a-real-offer-token-xyz",
    "/waitlist/place/{token:str}": "/waitlist/place/not-a-real-place-token-xyz",
    "/partner/events/{event_id:int}/feedback": "/partner/events/1/feedback",
    "/have-your-say/{question_id:int}": "/have-your-say/1",
    "/have-your-say/{question_id:int}/thanks": "/have-your-say/1/thanks",
    "/have-your-say/{question_id:int}/answers": "/have-your-say/1/answers",
    "/you-said-we-did/confirm/{token:str}": "/you-said-we-did/confirm/not-a-real-confirm-token",
    "/you-said-we-did/unsubscribe/{token:str}": "/you-said-we-did/unsubscribe/not-a-real-unsubscribe-token",
    "/officer/engagement/questions/{question_id:int}": "/officer/engagement/questions/1",
    "/officer/engagement/answers/{answer_id:int}": "/officer/engagement/answers/1",
    "/reports/r/{token:str}": "/reports/r/not-a-real-report-token-xyz",
    "/desk/reports/{report_id:int}": "/desk/reports/1",
    "/desk/threads/{thread_id:int}": "/desk/threads/1",
    "/exchanges/topics/{slug:str}": "/exchanges/topics/no-such-topic",
    "/exchanges/topics/{slug:str}/request": "/exchanges/topics/no-such-topic/request",
    "/exchanges/requests/{token:str}": "/exchanges/requests/not-a-real-request-token-xyz",
    "/exchanges/requests/{token:str}/calendar.ics": "/exchanges/requests/not-a-real-request-token-xyz/calendar.ics",
    "/exchanges/requests/{token:str}/survey/{wave:str}": (
        "/exchanges/requests/not-a-real-request-token-xyz/survey/after"
    ),
    "/facilitator/exchanges/slots/{slot_id:int}": "/facilitator/exchanges/slots/1",
    "/officer/exchanges/slots/{slot_id:int}": "/officer/exchanges/slots/1",
    "/officer/exchanges/slots/{slot_id:int}/edit": "/officer/exchanges/slots/1/edit",
}


@dataclass(frozen=True)
class Page:
    """One HTML page to check."""

    template: str
    example: str | None
    guarded: bool

    @property
    def has_parameters(self) -> bool:
        """True when the address carries a parameter (an id or token the example may not match)."""
        return "{" in self.template

    def path(self, locale: str = "en") -> str:
        """The example address for this page in a locale."""
        if self.example is None:
            raise LookupError(f"no example path for {self.template}: add one to tests/support/pages.py EXAMPLES")
        return self.example.replace("{locale}", locale)


def _is_page_route(path: str, handler: HTTPRouteHandler) -> bool:
    if "GET" not in handler.http_methods or handler.resolve_include_in_schema():
        return False
    if path in NOT_PAGES or path.startswith(NOT_PAGES_PREFIXES):
        return False
    return not path.startswith("/api/")


def _is_guarded(handler: HTTPRouteHandler) -> bool:
    """Not marked public on any layer: for signed-in people only (a public page may still have a guard that,
    say, hides a developer tool in production)."""
    return not any(is_public(dict(layer.opt or {})) for layer in handler.ownership_layers)


def html_pages(app: Litestar) -> list[Page]:
    """Every HTML page route of the app, with its example path (None when EXAMPLES lacks one)."""
    pages: dict[str, Page] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if _is_page_route(route.path, handler):
                example = EXAMPLES.get(route.path) if route.path_parameters else route.path
                pages[route.path] = Page(template=route.path, example=example, guarded=_is_guarded(handler))
    return sorted(pages.values(), key=lambda page: page.template)


def missing_examples(pages: Iterable[Page]) -> list[str]:
    """Page routes with path parameters that EXAMPLES does not cover."""
    return [page.template for page in pages if page.example is None]


# A page whose example id or token matches nothing answers with its "not found"/"link not valid" page.
PARAMETER_PAGE_STATUSES = frozenset({200, 400, 404, 410})


def acceptable_status(page: Page, status: int) -> bool:
    """What an anonymous visitor may get from a public page's example address."""
    return status == 200 or (
        page.has_parameters and "{locale}" not in (page.example or "") and status in PARAMETER_PAGE_STATUSES
    )


def public_pages(app: Litestar) -> list[Page]:
    """The pages anyone can open anonymously (the ones HTML checks and axe run on)."""
    return [page for page in html_pages(app) if not page.guarded and page.example is not None]
