"""The officers' one feedback view: feedback on Hearby, on events and after Listening Exchanges, filtered by GET
parameters (works without JavaScript; a filter link can be kept or shared) and paged."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from backend.core.forms import Form
from backend.core.guards import requires_roles
from backend.core.i18n import N_, request_locale
from backend.core.roles import Role
from backend.engagement.officer_controllers import parse_day
from backend.engagement.pages import page
from backend.engagement.schemas import (
    FEEDBACK_LABELS,
    FEEDBACK_SOURCES,
    MAX_FEEDBACK_PAGE,
    FeedbackKind,
    FeedbackQuery,
)
from backend.engagement.site_feedback import SiteFeedbackService
from backend.settings import SUPPORTED_LOCALES

Filter = Annotated[str | None, QueryParameter(max_length=60)]
# The form sends every field, empty ones too: ids arrive as text and "" means any.
IdFilter = Annotated[str | None, QueryParameter(max_length=10)]
Day = Annotated[str | None, QueryParameter(max_length=40)]
MAX_SEARCH = 200


def parse_id(raw: str | None) -> int | None:
    """An id chosen in a filter, or None for "any" (empty, or not an id)."""
    value = (raw or "").strip()
    return int(value) if value.isdigit() and 1 <= int(value) <= 2**31 - 1 else None


def read_filters(
    request: Request[Any, Any, Any],
    *,
    source: str,
    kind: str,
    lang: str,
    address: str,
    event: int | None,
    partner: int | None,
    topic: int | None,
    date_from: str,
    date_to: str,
    text: str,
) -> tuple[FeedbackQuery, Form]:
    """The filters as a query (unknown values dropped) and as a form to show again, with an error per bad date."""
    form = Form(
        values={
            "source": source if source in FEEDBACK_SOURCES else "",
            "kind": kind if kind in {value.value for value in FeedbackKind} else "",
            "lang": lang if lang in SUPPORTED_LOCALES else "",
            "page": address.strip(),
            "event": str(event or ""),
            "partner": str(partner or ""),
            "topic": str(topic or ""),
            "from": date_from.strip(),
            "to": date_to.strip(),
            "q": text.strip()[:MAX_SEARCH],
        }
    )
    zone = ZoneInfo(request.app.state["settings"].time_zone)
    start = parse_day(form.values["from"])
    end = parse_day(form.values["to"])
    if form.values["from"] and start is None:
        form.add_error(request, "from", N_("Enter a real date, like 2027-01-31"))
    if form.values["to"] and end is None:
        form.add_error(request, "to", N_("Enter a real date, like 2027-01-31"))
    if start and end and end < start:
        form.add_error(request, "to", N_("The end of the period must be on or after its start"))
        end = None
    query = FeedbackQuery(
        source=form.values["source"],
        kind=form.values["kind"],
        locale=form.values["lang"],
        page=form.values["page"],
        event_id=event,
        organisation_id=partner,
        topic_id=topic,
        since=datetime.combine(start, time(), zone) if start else None,
        # To the end of the last day.
        until=datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
        text=form.values["q"],
    )
    return query, form


class FeedbackOffice(Controller):
    """Feedback residents leave, from every source, for officers."""

    path = "/officer/engagement/feedback"
    include_in_schema = False
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="engagement_feedback")
    async def feedback(  # noqa: PLR0917 - one argument per filter, as the query string has them
        self,
        request: Request[Any, Any, Any],
        site_feedback_service: NamedDependency[SiteFeedbackService],
        source: Filter = None,
        kind: Filter = None,
        lang: Filter = None,
        address: Annotated[str | None, QueryParameter(name="page", max_length=300)] = None,
        event: IdFilter = None,
        partner: IdFilter = None,
        topic: IdFilter = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=40)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=40)] = None,
        q: Annotated[str | None, QueryParameter(max_length=MAX_SEARCH)] = None,
        p: Annotated[int | None, QueryParameter(ge=1, le=MAX_FEEDBACK_PAGE)] = None,
    ) -> Template:
        """Feedback on Hearby, on events and after Listening Exchanges in one list, newest first, filtered."""
        locale = request_locale(request)
        query, form = read_filters(
            request,
            source=source or "",
            kind=kind or "",
            lang=lang or "",
            address=address or "",
            event=parse_id(event),
            partner=parse_id(partner),
            topic=parse_id(topic),
            date_from=date_from or "",
            date_to=date_to or "",
            text=q or "",
        )
        if not form.ok:  # a bad date is left out of the search (and said next to its field)
            query = replace(
                query,
                since=None if "from" in form.errors else query.since,
                until=None if "to" in form.errors else query.until,
            )
        results = await site_feedback_service.feedback(query, locale, p or 1)
        kept = {name: value for name, value in form.values.items() if value}

        def page_link(number: int) -> str:
            return "/officer/engagement/feedback?" + urlencode({**kept, "p": number})

        return page(
            "office_feedback",
            HTTP_400_BAD_REQUEST if form.errors else HTTP_200_OK,
            form=form,
            results=results,
            filtered=bool(kept),
            previous_link=page_link(results.page - 1) if results.page > 1 else "",
            next_link=page_link(results.page + 1) if results.page < results.pages else "",
            choices=await site_feedback_service.choices(locale),
            kinds=[(value.value, FEEDBACK_LABELS[value]) for value in FeedbackKind],
            locales=SUPPORTED_LOCALES,
        )


ROUTE_HANDLERS: list[Any] = [FeedbackOffice]
