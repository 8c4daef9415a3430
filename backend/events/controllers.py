"""Routes of the events domain: partners post and manage events, officers approve them; the partner API.

The residents' side (listing, event page, calendars, feeds, embed, public API) is in
`backend/events/discovery_controllers.py`; its handlers and dependencies are added to this module's
`ROUTE_HANDLERS` and `DEPENDENCIES` below when it exists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import Form, check_length, read_form
from backend.core.guards import requires_roles, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.roles import Role
from backend.events.schedule import local_date_input, local_input, parse_local, parse_local_date
from backend.events.schemas import (
    ACCESSIBILITY,
    LANGUAGES,
    RECURRENCES,
    STATUS_LABELS,
    SUITS,
    ApiErrorOut,
    ApiFieldError,
    AttendeeOut,
    AttendeesMessageIn,
    CancelIn,
    EventIn,
    MessagedOut,
    OccurrenceChangeIn,
    OccurrenceOut,
    PartnerEventOut,
    TranslationIn,
)
from backend.events.services import EventsService
from backend.events.validation import MAX_REASON
from backend.events.views import EventNotFoundError, EventView, NotAllowedError, OccurrenceView, Problems

NO_STORE = {"Cache-Control": "no-store"}
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
PARTNER = requires_roles(Role.PARTNER)
STAFF = requires_roles(Role.OFFICER, Role.ADMIN)
TEXT_FIELDS = (
    "organisation_id",
    "title",
    "description",
    "original_locale",
    "title_pl",
    "description_pl",
    "title_ur",
    "description_ur",
    "category",
    "attendance",
    "online_url",
    "venue_name",
    "address",
    "postcode",
    "starts_at",
    "ends_at",
    "recurrence",
    "recurrence_until",
    "capacity",
    "per_booking_limit",
    "cost",
    "cost_note",
)
LIST_FIELDS = ("languages", "suits", "accessibility")
FORM_TRANSLATIONS = ("pl", "ur")


# ---- Dependencies -------------------------------------------------------------------------------


def provide_events(state: State) -> EventsService:
    """The events service, calling the bookings domain through the port `backend/wiring.py` built."""
    return EventsService(
        state["settings"],
        state["clock"],
        state["engine"],
        state["email_renderer"],
        bookings=state["wiring"].bookings_for_events,
    )


def _zone(request: Request[Any, Any, Any]) -> ZoneInfo:
    return ZoneInfo(request.app.state["settings"].time_zone)


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guards let only signed-in people through
    return user


def _add_problems(request: Request[Any, Any, Any], form: Form, problems: Problems) -> None:
    for name, (message, params) in problems.items():
        form.add_error(request, name, message, **params)


def _page(name: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("form", Form())
    return Template(f"events/{name}.html", context=context, status_code=status_code, headers=NO_STORE)


# ---- The event form: fields <-> EventIn ---------------------------------------------------------------


def form_of(data: EventIn, zone: ZoneInfo) -> Form:
    """A form filled from an event (the edit page)."""
    translations = {t.locale: t for t in data.translations}
    values = {
        "organisation_id": str(data.organisation_id),
        "title": data.title,
        "description": data.description,
        "original_locale": data.original_locale,
        "category": data.category,
        "attendance": "online" if data.is_online else "in_person",
        "online_url": data.online_url,
        "venue_name": data.venue_name,
        "address": data.address,
        "postcode": data.postcode,
        "starts_at": local_input(data.starts_at, zone),
        "ends_at": local_input(data.ends_at, zone),
        "recurrence": data.recurrence,
        "recurrence_until": local_date_input(data.recurrence_until, zone) if data.recurrence != "none" else "",
        "capacity": "" if data.capacity is None else str(data.capacity),
        "per_booking_limit": str(data.per_booking_limit),
        "cost": "" if not data.cost_pence else f"{data.cost_pence // 100}.{data.cost_pence % 100:02d}",
        "cost_note": data.cost_note,
    }
    for locale in FORM_TRANSLATIONS:
        item = translations.get(locale)  # type: ignore[call-overload]
        values[f"title_{locale}"] = item.title if item else ""
        values[f"description_{locale}"] = item.description if item else ""
    return Form(
        values=values,
        lists={"languages": list(data.languages), "suits": list(data.suits), "accessibility": list(data.accessibility)},
    )


def _whole_number(request: Request[Any, Any, Any], form: Form, name: str, default: int | None) -> int | None:
    raw = form.values.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        form.add_error(request, name, N_("Enter a whole number, like 20"))
        return default


def _pence(request: Request[Any, Any, Any], form: Form) -> int:
    raw = form.values.get("cost", "").replace("£", "").replace(",", "").strip()
    if not raw:
        return 0
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        form.add_error(request, "cost", N_("Enter the cost in pounds, like 3.50, or leave it empty if it is free"))
        return 0
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        form.add_error(request, "cost", N_("Enter the cost in pounds, like 3.50, or leave it empty if it is free"))
        return 0
    return int(amount * 100)


async def read_event_form(request: Request[Any, Any, Any]) -> tuple[Form, EventIn]:
    """Read the event form; what cannot be understood is a field error, the rest is an EventIn to check."""
    form = await read_form(request, *TEXT_FIELDS, list_names=LIST_FIELDS)
    zone = _zone(request)
    for name in TEXT_FIELDS:
        check_length(request, form, name, 5000 if name.startswith("description") else 500)
    values = form.values
    starts = parse_local(values["starts_at"], zone) if values["starts_at"] else None
    ends = parse_local(values["ends_at"], zone) if values["ends_at"] else None
    if not values["starts_at"]:
        form.add_error(request, "starts_at", N_("Enter the date and time the event starts"))
    elif starts is None:
        form.add_error(request, "starts_at", N_("Enter a real date and time, like 2026-12-01 18:30"))
    if not values["ends_at"]:
        form.add_error(request, "ends_at", N_("Enter the date and time the event ends"))
    elif ends is None:
        form.add_error(request, "ends_at", N_("Enter a real date and time, like 2026-12-01 20:00"))
    until = None
    if values["recurrence_until"]:
        until = parse_local_date(values["recurrence_until"], zone)
        if until is None:
            form.add_error(request, "recurrence_until", N_("Enter a real date, like 2027-03-31"))
    recurrence = values["recurrence"] or "none"
    if recurrence not in {code for code, _ in RECURRENCES}:
        form.add_error(request, "recurrence", N_("Choose how often the event happens"))
        recurrence = "none"
    original = values["original_locale"] if values["original_locale"] in {"en", "pl", "ur"} else "en"
    organisation_id = _whole_number(request, form, "organisation_id", 0) or 0
    data = EventIn(
        organisation_id=organisation_id,
        title=values["title"],
        description=values["description"],
        category=values["category"],
        starts_at=starts or request.app.state["clock"].now(),
        ends_at=ends or (starts or request.app.state["clock"].now()),
        is_online=values["attendance"] == "online",
        online_url=values["online_url"],
        venue_name=values["venue_name"],
        address=values["address"],
        postcode=values["postcode"],
        recurrence=recurrence,  # type: ignore[arg-type]
        recurrence_until=until,
        capacity=_whole_number(request, form, "capacity", None),
        per_booking_limit=_whole_number(request, form, "per_booking_limit", 4) or 0,
        cost_pence=_pence(request, form),
        cost_note=values["cost_note"],
        languages=form.lists["languages"],
        suits=form.lists["suits"],
        accessibility=form.lists["accessibility"],
        translations=[
            TranslationIn(locale=locale, title=values[f"title_{locale}"], description=values[f"description_{locale}"])  # type: ignore[arg-type]
            for locale in FORM_TRANSLATIONS
            if values[f"title_{locale}"] or values[f"description_{locale}"]
        ],
        original_locale=original,  # type: ignore[arg-type]
    )
    return form, data


def _merge(request: Request[Any, Any, Any], form: Form, problems: Problems) -> None:
    """Add the service's problems, unless a field could not even be read (then its own error stands)."""
    unreadable = set(form.errors)
    if unreadable & {"starts_at", "ends_at"}:
        problems = {k: v for k, v in problems.items() if k not in {"starts_at", "ends_at", "recurrence_until"}}
    _add_problems(request, form, {k: v for k, v in problems.items() if k not in unreadable})


async def _form_context(request: Request[Any, Any, Any], events: EventsService) -> dict[str, Any]:
    """Choices for the event form, translated for this request."""
    user = _user(request)
    locale = request_locale(request)
    return {
        "organisations": [o for o in await events.reader.partner_organisations(user) if o.verified],
        "categories": [(c.slug, c.name(locale)) for c in await events.categories.all()],
        "recurrences": [(code, translate(request, label)) for code, label in RECURRENCES],
        "language_options": [(c.code, translate(request, c.label)) for c in LANGUAGES],
        "suits_options": [(c.code, translate(request, c.label)) for c in SUITS],
        "accessibility_options": [(c.code, translate(request, c.label)) for c in ACCESSIBILITY],
    }


# ---- Partner pages --------------------------------------------------------------------------------


def _label_maps(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {
        "status_labels": {code: translate(request, label) for code, label in STATUS_LABELS.items()},
        "accessibility_labels": {c.code: translate(request, c.label) for c in ACCESSIBILITY},
        "language_labels": {c.code: translate(request, c.label) for c in LANGUAGES},
        "suits_labels": {c.code: translate(request, c.label) for c in SUITS},
    }


class PartnerEventPages(Controller):
    """A partner's events: the dashboard, the event form, dates, attendees."""

    path = "/partner/events"
    include_in_schema = False
    guards = [PARTNER]

    @get("", name="partner_events")
    async def dashboard(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """The partner's events by status, with each date's bookings."""
        user = _user(request)
        mine = await events.reader.partner_events(user)
        by_status: dict[str, list[EventView]] = {}
        for event in mine:
            by_status.setdefault(event.status, []).append(event)
        order = ["rejected", "draft", "pending", "published", "hidden", "cancelled"]
        return _page(
            "partner/dashboard",
            groups=[(status, by_status[status]) for status in order if status in by_status],
            counts={status: len(items) for status, items in by_status.items()},
            organisations=await events.reader.partner_organisations(user),
            now=request.app.state["clock"].now(),
            **_label_maps(request),
        )

    @get("/new", name="partner_event_new")
    async def new_form(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """An empty event form."""
        context = await _form_context(request, events)
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
        return _page("partner/event_form", form=form, event=None, **context)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Response[Any]:
        """Post a new event; on error show the form again with what was typed."""
        user = _user(request)
        form, data = await read_event_form(request)
        if form.ok:
            result = await events.posting.create_event(user, data)
            if result.ok and result.event_id is not None:
                request.session["flash"] = "published" if result.status == "published" else "pending"
                return Redirect(path=f"/partner/events/{result.event_id}")
            _merge(request, form, result.problems)
        else:
            _merge(request, form, await events.posting.check(user, data, None))
        context = await _form_context(request, events)
        return _page("partner/event_form", status_code=400, form=form, event=None, **context)

    @get("/{event_id:int}", name="partner_event")
    async def manage(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """One event: its status, its dates (change or cancel one), cancel all, duplicate."""
        event = await _partner_event(request, events, event_id, with_counts=True)
        flash = request.session.pop("flash", None) if request.session else None
        return _page(
            "partner/event",
            event=event,
            flash=flash,
            now=request.app.state["clock"].now(),
            **_label_maps(request),
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
        context = await _form_context(request, events)
        return _page("partner/event_form", form=form_of(data, _zone(request)), event=event, **context)

    @post("/{event_id:int}/edit")
    async def update(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Save changes; a material change to a published event may wait for an officer."""
        user = _user(request)
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
            _merge(request, form, result.problems)
        else:
            _merge(request, form, await events.posting.check(user, data, event))
        context = await _form_context(request, events)
        return _page("partner/event_form", status_code=400, form=form, event=event, **context)

    @post("/{event_id:int}/occurrences/{occurrence_id:int}/cancel", name="partner_occurrence_cancel")
    async def cancel_occurrence(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Cancel one date; everyone booked is told."""
        form = await read_form(request, "reason")
        try:
            await events.dates.cancel_occurrence(
                _user(request), event_id, occurrence_id, form.values["reason"][:MAX_REASON]
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
        event, occurrence = await _partner_occurrence(request, events, event_id, occurrence_id)
        zone = _zone(request)
        form = Form(
            values={
                "starts_at": local_input(occurrence.starts_at, zone),
                "ends_at": local_input(occurrence.ends_at, zone),
            }
        )
        return _page("partner/occurrence_change", form=form, event=event, occurrence=occurrence)

    @post("/{event_id:int}/occurrences/{occurrence_id:int}/change")
    async def change(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Save the new time of one date."""
        event, occurrence = await _partner_occurrence(request, events, event_id, occurrence_id)
        form = await read_form(request, "starts_at", "ends_at")
        zone = _zone(request)
        starts = parse_local(form.values["starts_at"], zone)
        ends = parse_local(form.values["ends_at"], zone)
        if starts is None:
            form.add_error(request, "starts_at", N_("Enter a real date and time, like 2026-12-01 18:30"))
        if ends is None:
            form.add_error(request, "ends_at", N_("Enter a real date and time, like 2026-12-01 20:00"))
        if starts is not None and ends is not None:
            try:
                problems = await events.dates.change_occurrence(_user(request), event_id, occurrence_id, starts, ends)
            except NotAllowedError as exc:
                raise ClientException(status_code=409, detail=translate(request, exc.message)) from exc
            if not problems:
                request.session["flash"] = "occurrence_changed"
                return Redirect(path=f"/partner/events/{event_id}")
            _add_problems(request, form, problems)
        return _page("partner/occurrence_change", status_code=400, form=form, event=event, occurrence=occurrence)

    @post("/{event_id:int}/cancel", name="partner_event_cancel")
    async def cancel_series(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Cancel the whole event; everyone booked on a date still to come is told."""
        form = await read_form(request, "reason")
        try:
            await events.dates.cancel_series(_user(request), event_id, form.values["reason"][:MAX_REASON])
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
            new_id = await events.dates.duplicate(_user(request), event_id)
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
        people = await events.attendees.attendees(_user(request), event_id, chosen.id) if chosen else []
        flash = request.session.pop("flash", None) if request.session else None
        return _page(
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
        people = await _exported_attendees(request, events, event_id, occurrence_id)
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
        event, occurrence = await _partner_occurrence(request, events, event_id, occurrence_id, with_counts=True)
        form = await read_form(request, "subject", "message")
        _add_problems(request, form, _message_problems(form.values))
        if form.ok:
            await events.attendees.message_attendees(
                _user(request), event_id, occurrence_id, form.values["subject"], form.values["message"]
            )
            request.session["flash"] = "messaged"
            return Redirect(path=f"/partner/events/{event_id}/attendees?occurrence={occurrence_id}")
        people = await events.attendees.attendees(_user(request), event_id, occurrence_id)
        return _page(
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
        return await events.reader.event_for_partner(_user(request), event_id, with_counts=with_counts)
    except EventNotFoundError as exc:
        raise NotFoundException from exc


async def _partner_occurrence(
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


async def _exported_attendees(
    request: Request[Any, Any, Any], events: EventsService, event_id: int, occurrence_id: int
) -> Sequence[Any]:
    """The people booked on one date, for a download or the API: personal data, so the audit log notes it."""
    user = _user(request)
    try:
        people = await events.attendees.attendees(user, event_id, occurrence_id)
    except EventNotFoundError as exc:
        raise NotFoundException from exc
    await events.attendees.record_export(user, event_id, occurrence_id)
    return people


# A message to everyone booked on a date: (field, error when empty, longest), the same for the page and API.
MESSAGE_FIELDS = (("subject", N_("Enter a subject"), 150), ("message", N_("Enter your message"), 5000))


def _message_problems(values: dict[str, str]) -> Problems:
    """What is wrong with a message to attendees (its trimmed subject and text): both required, neither too long."""
    problems: Problems = {}
    for name, empty, longest in MESSAGE_FIELDS:
        value = values.get(name, "")
        if not value:
            problems[name] = (empty, {})
        elif len(value) > longest:
            problems[name] = (N_("Must be %(count)s characters or fewer"), {"count": longest})
    return problems


# ---- Officer pages ----------------------------------------------------------------------------------


class OfficerEventPages(Controller):
    """The approval queue, each event's review page and decisions, and the categories."""

    path = "/officer"
    include_in_schema = False
    guards = [STAFF]

    @get("/events/queue", name="officer_event_queue")
    async def queue(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """New events and changes waiting for a decision, oldest first."""
        flash = request.session.pop("flash", None) if request.session else None
        return _page("officer/queue", items=await events.moderation.queue(), flash=flash)

    @get("/events/{event_id:int}", name="officer_event")
    async def review(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """Everything about an event: details, translations, the waiting change, decisions."""
        return await _review_page(request, events, event_id, Form())

    @post("/events/{event_id:int}/approve", name="officer_event_approve")
    async def approve(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Publish the event or apply its waiting change."""
        form = await read_form(request, "note")
        check_length(request, form, "note", MAX_REASON)
        if not form.ok:
            return await _review_page(request, events, event_id, form, status_code=400)
        try:
            await events.moderation.approve(_user(request), event_id, form.values["note"])
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        except NotAllowedError as exc:
            form.add_error(request, "note", exc.message)
            return await _review_page(request, events, event_id, form, status_code=409)
        request.session["flash"] = "approved"
        return Redirect(path="/officer/events/queue")

    @post("/events/{event_id:int}/reject", name="officer_event_reject")
    async def reject(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Refuse the event or its waiting change, with a reason the partner sees."""
        return await _decide_with_reason(
            request,
            events,
            event_id,
            field="reason",
            decide=events.moderation.reject,
            then="/officer/events/queue",
            flash="rejected",
        )

    @post("/events/{event_id:int}/hide", name="officer_event_hide")
    async def hide(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Take a published event off the public site, with a reason."""
        return await _decide_with_reason(
            request,
            events,
            event_id,
            field="hide_reason",
            decide=events.moderation.hide,
            then=f"/officer/events/{event_id}",
        )

    @get("/categories", name="officer_categories")
    async def categories(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """Every category, with forms to add, rename and deactivate."""
        return _page("officer/categories", categories=await events.categories.all(include_inactive=True))

    @post("/categories")
    async def add_category(
        self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Add a category."""
        form = await read_form(request, "slug", "name_en", "name_pl", "name_ur")
        names = {locale: form.values[f"name_{locale}"] for locale in ("en", "pl", "ur")}
        problems = await events.categories.add_category(_user(request), form.values["slug"].lower(), names)
        if problems:
            _add_problems(request, form, problems)
            return _page(
                "officer/categories",
                status_code=400,
                form=form,
                categories=await events.categories.all(include_inactive=True),
            )
        return Redirect(path="/officer/categories")

    @post("/categories/{category_id:int}/rename", name="officer_category_rename")
    async def rename_category(
        self, request: Request[Any, Any, Any], category_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Change a category's names."""
        form = await read_form(request, "name_en", "name_pl", "name_ur")
        names = {locale: form.values[f"name_{locale}"] for locale in ("en", "pl", "ur")}
        try:
            problems = await events.categories.rename_category(_user(request), category_id, names)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        if problems:
            raise ClientException(
                detail=" ".join(translate(request, message, **params) for message, params in problems.values())
            )
        return Redirect(path="/officer/categories")

    @post("/categories/{category_id:int}/active", name="officer_category_active")
    async def set_active(
        self, request: Request[Any, Any, Any], category_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Deactivate a category or bring it back."""
        form = await read_form(request, "active")
        try:
            await events.categories.set_category_active(
                _user(request), category_id, active=form.values["active"] == "yes"
            )
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return Redirect(path="/officer/categories")


async def _review_page(
    request: Request[Any, Any, Any], events: EventsService, event_id: int, form: Form, status_code: int = 200
) -> Template:
    event = await events.reader.event(event_id, with_counts=True)
    if event is None:
        raise NotFoundException
    return _page(
        "officer/event",
        status_code=status_code,
        form=form,
        event=event,
        decisions=await events.moderation.decisions(event_id),
        field_labels={name: translate(request, label) for name, label in DIFF_LABELS.items()},
        **_label_maps(request),
    )


DIFF_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "category": N_("Category"),
    "place": N_("Where"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "recurrence": N_("Repeats"),
    "capacity": N_("Places"),
    "cost": N_("Cost"),
    "translations.en": N_("English translation"),
    "translations.pl": N_("Polish translation"),
    "translations.ur": N_("Urdu translation"),
}


# ---- The partner API -------------------------------------------------------------------------------


def _out(event: EventView) -> PartnerEventOut:
    return PartnerEventOut(
        id=event.id,
        organisation_id=event.organisation_id,
        status=event.status,
        title=event.title,
        description=event.description,
        category=event.category_slug,
        is_online=event.is_online,
        online_url=event.online_url,
        venue_name=event.venue_name,
        address=event.address,
        postcode=event.postcode,
        capacity=event.capacity,
        per_booking_limit=event.per_booking_limit,
        cost_pence=event.cost_pence,
        cost_note=event.cost_note,
        languages=event.languages,
        suits=event.suits,
        accessibility=event.accessibility,
        recurrence=event.recurrence,
        recurrence_until=event.recurrence_until,
        sequence=event.sequence,
        has_pending_changes=event.has_pending_changes,
        decision_reason=event.decision_reason,
        occurrences=[
            OccurrenceOut(
                id=o.id,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                status=o.status,
                capacity=o.capacity,
                places_left=o.places_left,
                changed_alone=o.changed_alone,
                sequence=o.sequence,
            )
            for o in event.occurrences
        ],
    )


def _problems_response(request: Request[Any, Any, Any], problems: Problems) -> Response[ApiErrorOut]:
    errors = [
        ApiFieldError(key=name, source="body", message=translate(request, message, **params))
        for name, (message, params) in problems.items()
    ]
    detail = translate(request, N_("Some details need changing"))
    return Response(ApiErrorOut(status_code=400, detail=detail, errors=errors), status_code=400)


def _responses(
    success: int, description: str, *errors: int, data_container: Any = PartnerEventOut
) -> dict[int, ResponseSpec]:
    described = {
        400: N_("The body is not valid, or a field needs changing (see `errors`)"),
        401: N_("Not signed in"),
        403: N_("Not a partner, or a write from another site"),
        404: N_("No such event among your organisations' events"),
        409: N_("The event can no longer be changed"),
        415: N_("Writes need Content-Type: application/json"),
    }
    specs: dict[int, ResponseSpec] = {success: ResponseSpec(data_container=data_container, description=description)}
    for status in (401, 403, *errors):
        specs[status] = ResponseSpec(data_container=ApiErrorOut, description=described[status])
    return specs


def _attendee_out(person: Any) -> AttendeeOut:
    return AttendeeOut(
        booking_id=person.booking_id,
        name=person.name,
        email=person.email,
        places=person.places,
        access_needs=person.access_needs,
        booked_at=person.booked_at,
    )


JSON_WRITES = "Writes need `Content-Type: application/json` and must not come from another site."


class PartnerEventsApi(Controller):
    """The partner operations as JSON, session-authenticated: list, create, update, cancel a date or the whole
    event, duplicate, move a date, and a date's attendees (list, message).

    Each calls the service method its page calls; errors have the shape of `ApiErrorOut`.
    """

    path = "/api/v1/partner/events"
    tags = ["partner events"]
    security = [{"session": []}]
    guards = [PARTNER, requires_same_origin]

    @get(
        "",
        name="api_partner_events",
        summary="The signed-in partner's events",
        responses={
            200: ResponseSpec(data_container=list[PartnerEventOut], description="Events, newest first"),
            401: ResponseSpec(data_container=ApiErrorOut, description="Not signed in"),
            403: ResponseSpec(data_container=ApiErrorOut, description="Not a partner"),
        },
    )
    async def list_events(
        self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]
    ) -> list[PartnerEventOut]:
        """Every event of the partner's organisations, newest first."""
        return [_out(event) for event in await events.reader.partner_events(_user(request))]

    @post(
        "",
        name="api_partner_event_create",
        summary="Post an event",
        description="Published at once for a trusted organisation, otherwise waits for approval. "
        "Writes need `Content-Type: application/json` and must not come from another site.",
        responses=_responses(201, "Created", 400, 415),
    )
    async def create(
        self, request: Request[Any, Any, Any], data: Annotated[EventIn, Body()], events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Create an event; field errors come back as `{"errors": {field: message}}` with status 400."""
        user = _user(request)
        result = await events.posting.create_event(user, data)
        if not result.ok or result.event_id is None:
            return _problems_response(request, result.problems)
        return Response(_out(await events.reader.event_for_partner(user, result.event_id)), status_code=201)

    @put(
        "/{event_id:int}",
        name="api_partner_event_update",
        summary="Change an event",
        responses=_responses(200, "Saved (see `has_pending_changes`)", 400, 404, 409, 415),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        data: Annotated[EventIn, Body()],
        events: NamedDependency[EventsService],
    ) -> Response[Any]:
        """Replace an event's details; a material change to a published event may wait for approval."""
        user = _user(request)
        try:
            result = await events.posting.update_event(user, event_id, data)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        except NotAllowedError as exc:
            raise ClientException(status_code=409, detail=translate(request, exc.message)) from exc
        if not result.ok:
            return _problems_response(request, result.problems)
        return Response(_out(await events.reader.event_for_partner(user, event_id)), status_code=200)

    @post(
        "/{event_id:int}/occurrences/{occurrence_id:int}/cancel",
        name="api_partner_occurrence_cancel",
        summary="Cancel one date of an event",
        status_code=200,
        responses=_responses(200, "Cancelled", 400, 404, 415),
    )
    async def cancel_occurrence(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        occurrence_id: Id,
        data: Annotated[CancelIn, Body()],
        events: NamedDependency[EventsService],
    ) -> PartnerEventOut:
        """Cancel one date; everyone booked is told."""
        user = _user(request)
        try:
            await events.dates.cancel_occurrence(user, event_id, occurrence_id, data.reason)
            return _out(await events.reader.event_for_partner(user, event_id))
        except EventNotFoundError as exc:
            raise NotFoundException from exc

    @post(
        "/{event_id:int}/cancel",
        name="api_partner_event_cancel",
        summary="Cancel the whole event",
        description="Every date still to come is cancelled and everyone booked on one is told, with the reason. "
        + JSON_WRITES,
        status_code=200,
        responses=_responses(200, "Cancelled", 400, 404, 415),
    )
    async def cancel_series(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        data: Annotated[CancelIn, Body()],
        events: NamedDependency[EventsService],
    ) -> PartnerEventOut:
        """Cancel the event and its dates still to come; everyone booked is told."""
        user = _user(request)
        try:
            await events.dates.cancel_series(user, event_id, data.reason)
            return _out(await events.reader.event_for_partner(user, event_id))
        except EventNotFoundError as exc:
            raise NotFoundException from exc

    @post(
        "/{event_id:int}/duplicate",
        name="api_partner_event_duplicate",
        summary="Copy an event as a new draft",
        description="The copy (with the first date, translations and details) is a draft to change and submit "
        "with `PUT /api/v1/partner/events/{id}`. It takes no body, but like every write it needs "
        "`Content-Type: application/json` and must not come from another site.",
        status_code=201,
        responses=_responses(201, "The new draft", 404, 415),
    )
    async def duplicate(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> PartnerEventOut:
        """Copy the event as a draft; the answer is the copy."""
        user = _user(request)
        try:
            new_id = await events.dates.duplicate(user, event_id)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return _out(await events.reader.event_for_partner(user, new_id))

    @post(
        "/{event_id:int}/occurrences/{occurrence_id:int}/change",
        name="api_partner_occurrence_change",
        summary="Move one date of an event",
        description="Only this date moves; the rest of the series is unchanged. "
        "A start in the past or an end not after the start is a field error. Times carry their offset "
        "(London is +00:00 in winter, +01:00 in summer); a time without one is read as UTC. " + JSON_WRITES,
        status_code=200,
        responses=_responses(200, "Moved", 400, 404, 409, 415),
    )
    async def change_occurrence(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        occurrence_id: Id,
        data: Annotated[OccurrenceChangeIn, Body()],
        events: NamedDependency[EventsService],
    ) -> Response[Any]:
        """Give one date a new start and end."""
        user = _user(request)
        await _partner_occurrence(request, events, event_id, occurrence_id)
        try:
            problems = await events.dates.change_occurrence(user, event_id, occurrence_id, data.starts_at, data.ends_at)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        except NotAllowedError as exc:
            raise ClientException(status_code=409, detail=translate(request, exc.message)) from exc
        if problems:
            return _problems_response(request, problems)
        return Response(_out(await events.reader.event_for_partner(user, event_id)), status_code=200)

    @get(
        "/{event_id:int}/occurrences/{occurrence_id:int}/attendees",
        name="api_partner_attendees",
        summary="Who is booked on one date",
        description="Confirmed bookings in the order they were made, with access needs. Personal data: each "
        "request is noted in the audit log, like the CSV download.",
        responses=_responses(200, "The attendees", 404, data_container=list[AttendeeOut]),
    )
    async def attendees(
        self, request: Request[Any, Any, Any], event_id: Id, occurrence_id: Id, events: NamedDependency[EventsService]
    ) -> Response[list[AttendeeOut]]:
        """The people booked on one date (the request is audited)."""
        people = await _exported_attendees(request, events, event_id, occurrence_id)
        return Response([_attendee_out(person) for person in people], headers=NO_STORE)

    @post(
        "/{event_id:int}/occurrences/{occurrence_id:int}/message",
        name="api_partner_attendees_message",
        summary="Email everyone booked on one date",
        description="One email to each confirmed booking, sent through the outbox. The subject (up to 150 "
        "characters) and message (up to 5000) are trimmed and required; a problem is a field error. " + JSON_WRITES,
        status_code=200,
        responses=_responses(200, "How many were sent the message", 400, 404, 415, data_container=MessagedOut),
    )
    async def message(
        self,
        request: Request[Any, Any, Any],
        event_id: Id,
        occurrence_id: Id,
        data: Annotated[AttendeesMessageIn, Body()],
        events: NamedDependency[EventsService],
    ) -> Response[Any]:
        """Email everyone booked on one date; the answer says how many."""
        await _partner_occurrence(request, events, event_id, occurrence_id)
        values = {"subject": data.subject.strip(), "message": data.message.strip()}
        problems = _message_problems(values)
        if problems:
            return _problems_response(request, problems)
        try:
            sent = await events.attendees.message_attendees(
                _user(request), event_id, occurrence_id, values["subject"], values["message"]
            )
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return Response(MessagedOut(messaged=sent), status_code=200)


ROUTE_HANDLERS: list[Any] = [PartnerEventPages, OfficerEventPages, PartnerEventsApi]
DEPENDENCIES: dict[str, Provide] = {"events": Provide(provide_events, sync_to_thread=False)}


async def _decide_with_reason(
    request: Request[Any, Any, Any],
    events: EventsService,
    event_id: int,
    *,
    field: str,
    decide: Callable[[CurrentUser, int, str], Awaitable[Any]],
    then: str,
    flash: str | None = None,
) -> Response[Any]:
    """An officer's decision that needs a reason (reject, hide): field errors re-show the review page."""
    form = await read_form(request, field)
    try:
        problems = await decide(_user(request), event_id, form.values[field])
    except EventNotFoundError as exc:
        raise NotFoundException from exc
    except NotAllowedError as exc:
        form.add_error(request, field, exc.message)
        return await _review_page(request, events, event_id, form, status_code=409)
    if problems:
        _add_problems(request, form, problems)
        return await _review_page(request, events, event_id, form, status_code=400)
    if flash:
        request.session["flash"] = flash
    return Redirect(path=then)
