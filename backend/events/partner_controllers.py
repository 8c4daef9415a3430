"""Partners' pages: their events, the event form, dates cancelled or moved, copies, and who is coming."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.core.forms import Form, read_form
from backend.core.i18n import N_, translate
from backend.core.paging import page_count
from backend.events.event_form import form_of
from backend.events.reading import DASHBOARD_STATUSES
from backend.events.schedule import local_input, parse_local
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    STATUS_LABELS,
    SUITS,
    EventIn,
)
from backend.events.services import EventsService
from backend.events.validation import MAX_REASON
from backend.events.views import EventNotFoundError, EventView, NotAllowedError, OccurrenceView, Problems
from backend.events.web import (
    NO_STORE,
    PARTNER,
    Id,
    add_problems,
    form_context,
    merge_problems,
    read_event_form,
    render_page,
    signed_in_user,
    zone_of,
)


def label_maps(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Translated labels of statuses and choices, for the event pages."""
    return {
        "status_labels": {code: translate(request, label) for code, label in STATUS_LABELS.items()},
        "accessibility_labels": {c.code: translate(request, c.label) for c in ACCESSIBILITY},
        "language_labels": {c.code: translate(request, c.label) for c in LANGUAGES},
        "suits_labels": {c.code: translate(request, c.label) for c in SUITS},
    }


DASHBOARD_DATES = 10  # each event's first dates on the dashboard; its page has them all
DASHBOARD_EVENTS = 10  # events on a page of the dashboard


def _page_asked(request: Request[Any, Any, Any]) -> int:
    """The `page` in the address, as a number from 1 (anything else is the first page)."""
    text = str(request.query_params.get("page") or "1")[:4]
    return max(1, int(text)) if text.isdigit() else 1


class PartnerEventPages(Controller):
    """A partner's events: the dashboard, the event form, dates, attendees."""

    path = "/partner/events"
    include_in_schema = False
    guards = [PARTNER]

    @get("", name="partner_events")
    async def dashboard(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """The partner's events by status, a page at a time, with each one's first dates and their bookings."""
        user = signed_in_user(request)
        asked = _page_asked(request)
        mine, counts = await events.reader.partner_dashboard(
            user, page=asked, per_page=DASHBOARD_EVENTS, first_dates=DASHBOARD_DATES
        )
        pages = page_count(sum(counts.values()), DASHBOARD_EVENTS)
        page = min(asked, pages)
        if page != asked:  # past the last page (an old link after events were removed): show the last
            mine, counts = await events.reader.partner_dashboard(
                user, page=page, per_page=DASHBOARD_EVENTS, first_dates=DASHBOARD_DATES
            )
        by_status: dict[str, list[EventView]] = {}
        for event in mine:
            by_status.setdefault(event.status, []).append(event)
        # Where each status's events begin, so the summary links to the right page.
        first_page: dict[str, int] = {}
        seen = 0
        for status in DASHBOARD_STATUSES:
            if counts.get(status):
                first_page[status] = seen // DASHBOARD_EVENTS + 1
                seen += counts[status]
        return render_page(
            "partner/dashboard",
            shown_dates=DASHBOARD_DATES,
            groups=[(status, by_status[status]) for status in DASHBOARD_STATUSES if status in by_status],
            counts=counts,
            summary=[(status, counts[status], first_page[status]) for status in DASHBOARD_STATUSES if status in counts],
            page=page,
            pages=pages,
            organisations=await events.reader.partner_organisations(user),
            now=request.app.state["clock"].now(),
            **label_maps(request),
        )

    @get("/new", name="partner_event_new")
    async def new_form(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """An empty event form."""
        context = await form_context(request, events)
        organisations = context["organisations"]
        form = Form(
            values={
                "organisation_id": str(organisations[0].id) if organisations else "",
                "attendance": "in_person",
                "recurrence": "none",
                "per_booking_limit": "4",
                "original_locale": "en",
            },
            lists={"languages": ["en"]},
        )
        return render_page("partner/event_form", form=form, event=None, **context)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Response[Any]:
        """Post a new event; on error show the form again with what was typed."""
        user = signed_in_user(request)
        form, data = await read_event_form(request)
        if form.ok:
            result = await events.posting.create_event(user, data)
            if result.ok and result.event_id is not None:
                request.session["flash"] = "published" if result.status == "published" else "pending"
                return Redirect(path=f"/partner/events/{result.event_id}")
            merge_problems(request, form, result.problems)
        else:
            merge_problems(request, form, await events.posting.check(user, data, None))
        context = await form_context(request, events)
        return render_page("partner/event_form", status_code=400, form=form, event=None, **context)

    @get("/{event_id:int}", name="partner_event")
    async def manage(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """One event: its status, its dates (change or cancel one), cancel all, duplicate."""
        event = await _partner_event(request, events, event_id, with_counts=True)
        flash = request.session.pop("flash", None) if request.session else None
        return render_page(
            "partner/event",
            event=event,
            flash=flash,
            now=request.app.state["clock"].now(),
            **label_maps(request),
        )

    @get("/{event_id:int}/edit", name="partner_event_edit")
    async def edit_form(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """The event form, filled in (with the waiting change, if there is one)."""
        event = await _partner_event(request, events, event_id)
        data = event.as_input()
        if event.has_pending_changes:
            data = msgspec.convert(event.pending_changes["data"], EventIn)
        context = await form_context(request, events)
        return render_page("partner/event_form", form=form_of(data, zone_of(request)), event=event, **context)

    @post("/{event_id:int}/edit")
    async def update(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Save changes; a material change to a published event may wait for an officer."""
        user = signed_in_user(request)
        event = await _partner_event(request, events, event_id)
        form, data = await read_event_form(request)
        if form.ok:
            try:
                result = await events.posting.update_event(user, event_id, data)
            except NotAllowedError as exc:
                raise ClientException(status_code=409, detail=translate(request, exc.message)) from exc
            if result.ok:
                request.session["flash"] = "awaiting" if result.awaiting_approval else "saved"
                return Redirect(path=f"/partner/events/{event_id}")
            merge_problems(request, form, result.problems)
        else:
            merge_problems(request, form, await events.posting.check(user, data, event))
        context = await form_context(request, events)
        return render_page("partner/event_form", status_code=400, form=form, event=event, **context)

    @post("/{event_id:int}/occurrences/{occurrence_id:int}/cancel", name="partner_occurrence_cancel")
    async def cancel_occurrence(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Cancel one date; everyone booked is told."""
        form = await read_form(request, "reason")
        try:
            await events.dates.cancel_occurrence(
                signed_in_user(request), event_id, occurrence_id, form.values["reason"][:MAX_REASON]
            )
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        request.session["flash"] = "occurrence_cancelled"
        return Redirect(path=f"/partner/events/{event_id}")

    @get("/{event_id:int}/occurrences/{occurrence_id:int}/change", name="partner_occurrence_change")
    async def change_form(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """Move one date on its own."""
        event, occurrence = await partner_occurrence(request, events, event_id, occurrence_id)
        zone = zone_of(request)
        form = Form(
            values={
                "starts_at": local_input(occurrence.starts_at, zone),
                "ends_at": local_input(occurrence.ends_at, zone),
            }
        )
        return render_page("partner/occurrence_change", form=form, event=event, occurrence=occurrence)

    @post("/{event_id:int}/occurrences/{occurrence_id:int}/change")
    async def change(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Save the new time of one date."""
        event, occurrence = await partner_occurrence(request, events, event_id, occurrence_id)
        form = await read_form(request, "starts_at", "ends_at")
        zone = zone_of(request)
        starts = parse_local(form.values["starts_at"], zone)
        ends = parse_local(form.values["ends_at"], zone)
        if starts is None:
            form.add_error(request, "starts_at", N_("Enter a real date and time, like 2026-12-01 18:30"))
        if ends is None:
            form.add_error(request, "ends_at", N_("Enter a real date and time, like 2026-12-01 20:00"))
        if starts is not None and ends is not None:
            try:
                problems = await events.dates.change_occurrence(
                    signed_in_user(request), event_id, occurrence_id, starts, ends
                )
            except NotAllowedError as exc:
                raise ClientException(status_code=409, detail=translate(request, exc.message)) from exc
            if not problems:
                request.session["flash"] = "occurrence_changed"
                return Redirect(path=f"/partner/events/{event_id}")
            add_problems(request, form, problems)
        return render_page("partner/occurrence_change", status_code=400, form=form, event=event, occurrence=occurrence)

    @post("/{event_id:int}/cancel", name="partner_event_cancel")
    async def cancel_series(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Cancel the whole event; everyone booked on a date still to come is told."""
        form = await read_form(request, "reason")
        try:
            await events.dates.cancel_series(signed_in_user(request), event_id, form.values["reason"][:MAX_REASON])
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        request.session["flash"] = "cancelled"
        return Redirect(path=f"/partner/events/{event_id}")

    @post("/{event_id:int}/duplicate", name="partner_event_duplicate")
    async def duplicate(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Copy the event as a draft and open it for editing."""
        try:
            new_id = await events.dates.duplicate(signed_in_user(request), event_id)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return Redirect(path=f"/partner/events/{new_id}/edit")

    @get("/{event_id:int}/attendees", name="partner_event_attendees")
    async def attendees(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        events: NamedDependency[EventsService],
        occurrence: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> Template:
        """Who is coming to one date (the next one unless chosen), with their access needs."""
        event = await _partner_event(request, events, event_id, with_counts=True)
        now = request.app.state["clock"].now()
        chosen = next((o for o in event.occurrences if o.id == occurrence), None)
        if chosen is None:
            chosen = next((o for o in event.occurrences if o.ends_at >= now and o.status != "cancelled"), None)
        chosen = chosen or (event.occurrences[-1] if event.occurrences else None)
        people = await events.attendees.attendees(signed_in_user(request), event_id, chosen.id) if chosen else []
        flash = request.session.pop("flash", None) if request.session else None
        return render_page(
            "partner/attendees",
            event=event,
            occurrence=chosen,
            attendees=people,
            flash=flash,
        )

    @get("/{event_id:int}/occurrences/{occurrence_id:int}/attendees.csv", name="partner_attendees_csv")
    async def attendees_csv(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[str]:
        """The attendee list of one date as CSV (confirmed bookings only; the download is in the audit log)."""
        people = await exported_attendees(request, events, event_id, occurrence_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                translate(request, N_("Name")),
                translate(request, N_("Email address")),
                translate(request, N_("Places")),
                translate(request, N_("Access needs")),
            ]
        )
        for person in people:
            writer.writerow(
                [
                    _csv_safe(str(getattr(person, "name", ""))),
                    _csv_safe(str(getattr(person, "email", ""))),
                    str(getattr(person, "places", "")),
                    _csv_safe(str(getattr(person, "access_needs", ""))),
                ]
            )
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="attendees-{event_id}-{occurrence_id}.csv"',
            },
        )

    @post("/{event_id:int}/occurrences/{occurrence_id:int}/message", name="partner_attendees_message")
    async def message(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Email everyone booked on one date (through the outbox)."""
        event, occurrence = await partner_occurrence(request, events, event_id, occurrence_id, with_counts=True)
        form = await read_form(request, "subject", "message")
        add_problems(request, form, message_problems(form.values))
        if form.ok:
            await events.attendees.message_attendees(
                signed_in_user(request), event_id, occurrence_id, form.values["subject"], form.values["message"]
            )
            request.session["flash"] = "messaged"
            return Redirect(path=f"/partner/events/{event_id}/attendees?occurrence={occurrence_id}")
        people = await events.attendees.attendees(signed_in_user(request), event_id, occurrence_id)
        return render_page(
            "partner/attendees",
            status_code=400,
            form=form,
            event=event,
            occurrence=occurrence,
            attendees=people,
            flash=None,
        )


def _csv_safe(value: str) -> str:
    """Stop a spreadsheet from running what someone typed as a formula."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


async def _partner_event(
    request: Request[Any, Any, Any], events: EventsService, event_id: int, *, with_counts: bool = False
) -> EventView:
    try:
        return await events.reader.event_for_partner(signed_in_user(request), event_id, with_counts=with_counts)
    except EventNotFoundError as exc:
        raise NotFoundException from exc


async def partner_occurrence(
    request: Request[Any, Any, Any],
    events: EventsService,
    event_id: int,
    occurrence_id: int,
    *,
    with_counts: bool = False,
) -> tuple[EventView, OccurrenceView]:
    """One date of one of the partner's events (404 otherwise), with its event (pages and API)."""
    event = await _partner_event(request, events, event_id, with_counts=with_counts)
    occurrence = next((o for o in event.occurrences if o.id == occurrence_id), None)
    if occurrence is None:
        raise NotFoundException
    return event, occurrence


async def exported_attendees(
    request: Request[Any, Any, Any], events: EventsService, event_id: int, occurrence_id: int
) -> Sequence[Any]:
    """The people booked on one date, for a download or the API: personal data, so the audit log notes it."""
    user = signed_in_user(request)
    try:
        people = await events.attendees.attendees(user, event_id, occurrence_id)
    except EventNotFoundError as exc:
        raise NotFoundException from exc
    await events.attendees.record_export(user, event_id, occurrence_id)
    return people


# A message to everyone booked on a date: (field, error when empty, longest), the same for the page and API.
MESSAGE_FIELDS = (("subject", N_("Enter a subject"), 150), ("message", N_("Enter your message"), 5000))


def message_problems(values: dict[str, str]) -> Problems:
    """What is wrong with a message to attendees (its trimmed subject and text): both required, neither too long."""
    problems: Problems = {}
    for name, empty, longest in MESSAGE_FIELDS:
        value = values.get(name, "")
        if not value:
            problems[name] = (empty, {})
        elif len(value) > longest:
            problems[name] = (N_("Must be %(count)s characters or fewer"), {"count": longest})
    return problems
