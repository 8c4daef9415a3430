"""The partner JSON API (`/api/v1/partner/events`): the same intents as the partner pages, as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body

from backend.core.guards import requires_same_origin
from backend.core.i18n import N_, translate
from backend.events.partner_controllers import exported_attendees, message_problems, partner_occurrence
from backend.events.schemas import (
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
)
from backend.events.services import EventsService
from backend.events.views import EventNotFoundError, EventView, NotAllowedError, Problems
from backend.events.web import NO_STORE, PARTNER, Id, signed_in_user


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
        return [_out(event) for event in await events.reader.partner_events(signed_in_user(request))]

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
        user = signed_in_user(request)
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
        user = signed_in_user(request)
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
        user = signed_in_user(request)
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
        user = signed_in_user(request)
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
        user = signed_in_user(request)
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
        user = signed_in_user(request)
        await partner_occurrence(request, events, event_id, occurrence_id)
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
        people = await exported_attendees(request, events, event_id, occurrence_id)
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
        await partner_occurrence(request, events, event_id, occurrence_id)
        values = {"subject": data.subject.strip(), "message": data.message.strip()}
        problems = message_problems(values)
        if problems:
            return _problems_response(request, problems)
        try:
            sent = await events.attendees.message_attendees(
                signed_in_user(request), event_id, occurrence_id, values["subject"], values["message"]
            )
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return Response(MessagedOut(messaged=sent), status_code=200)
