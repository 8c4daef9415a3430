"""The booking JSON API (`/api/v1/bookings`): book (idempotently), read and cancel by manage token."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from backend.bookings.schemas import (
    OUTCOME_MESSAGES,
    ApiError,
    BookingCreatedOut,
    BookingIn,
    BookingOut,
    BookingRequest,
    CheckEmailOut,
    FieldError,
    Outcome,
    booking_out,
    check_booking_details,
)
from backend.bookings.services import BookingsService
from backend.bookings.web import Id, Token
from backend.core.auth import current_user
from backend.core.guards import PUBLIC, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.idempotency import KEY_RULE, idempotency_key_header

IdempotencyKey = Annotated[
    str | None,
    idempotency_key_header(
        "Send the same key when retrying: the booking is made once, and the retry returns it (with its manage "
        f"token). Use a new random value for each booking ({KEY_RULE}); a shorter key is refused with 400. A key "
        "applies to this occurrence and email only: the same key with another occurrence or email is another "
        "booking."
    ),
]


_API_STATUS = {
    Outcome.NOT_FOUND: HTTP_404_NOT_FOUND,
    Outcome.FULL: HTTP_409_CONFLICT,
    Outcome.DROP_IN: HTTP_409_CONFLICT,
    Outcome.PAST: HTTP_410_GONE,
    Outcome.CANCELLED: HTTP_410_GONE,
    Outcome.TOO_MANY: HTTP_422_UNPROCESSABLE_ENTITY,
    Outcome.KEY_REUSED: HTTP_422_UNPROCESSABLE_ENTITY,
}


def _api_error(
    request: Request[Any, Any, Any], status: int, outcome: Outcome, *, limit: int = 0, waitlist_url: str | None = None
) -> Response[Any]:
    message = OUTCOME_MESSAGES.get(outcome, OUTCOME_MESSAGES[Outcome.NOT_FOUND])
    detail = translate(request, message, limit=limit) if outcome is Outcome.TOO_MANY else translate(request, message)
    errors = [FieldError(key="places", source="body", message=detail)] if outcome is Outcome.TOO_MANY else []
    body = ApiError(status_code=status, detail=detail, code=outcome.value, waitlist_url=waitlist_url, errors=errors)
    return Response(body, status_code=status)


class BookingsApi(Controller):
    """Book places and cancel a booking, anonymously; the manage token is the key to a booking."""

    path = "/api/v1"
    tags = ["bookings"]
    security = [{}]  # public: no authentication (a booking is reached by its manage token)

    @post(
        "/events/{event_id:int}/occurrences/{occurrence_id:int}/bookings",
        name="api_book",
        # A page on another site must not book from its visitors' browsers (a text/plain POST needs no CORS
        # preflight): writes come as JSON and not from another site. Other sites' reads are untouched.
        guards=[requires_same_origin],
        summary="Book places on an occurrence",
        description=(
            "Places are taken atomically: when the occurrence is full the answer is 409 with `code` = `full` and "
            "`waitlist_url`, a page where the person can join the waitlist. When the email already has a place on "
            "the occurrence nothing is booked: the answer is 202 with `status` = `check_email`, and the address is "
            "emailed (whether an address has booked is never told to the caller). Past or cancelled occurrences "
            "answer 410. The answer carries "
            "the manage token once (it is also emailed with an `.ics` file). Send an `Idempotency-Key` (16 to 200 "
            "characters) to retry safely: the same key, occurrence and email return the same booking."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=BookingCreatedOut, description="Booked"),
            HTTP_202_ACCEPTED: ResponseSpec(
                data_container=CheckEmailOut, description="Nothing booked here: the address given is emailed"
            ),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiError, description="The body is not valid"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such published occurrence"),
            HTTP_409_CONFLICT: ResponseSpec(data_container=ApiError, description="Full (join the waitlist) or drop-in"),
            HTTP_410_GONE: ResponseSpec(data_container=ApiError, description="Past or cancelled"),
            HTTP_422_UNPROCESSABLE_ENTITY: ResponseSpec(
                data_container=ApiError, description="Over the per-booking limit"
            ),
        },
        opt=PUBLIC,
    )
    async def book(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
        data: Annotated[BookingIn, Body(title="Booking")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingCreatedOut | CheckEmailOut | ApiError]:
        """Book places; 201 with the booking and its manage token."""
        checked, problems = check_booking_details(data.name, data.email, data.places, data.access_needs)
        if checked is None:
            body = ApiError(
                status_code=HTTP_400_BAD_REQUEST,
                detail=translate(request, N_("There is a problem with your request")),
                code="invalid",
                errors=[
                    FieldError(key=field, source="body", message=translate(request, message, **params))
                    for field, (message, params) in problems.items()
                ],
            )
            return Response(body, status_code=HTTP_400_BAD_REQUEST)
        user = current_user(request)
        details = BookingRequest(
            name=checked.name,
            email=checked.email,
            places=checked.places,
            access_needs=checked.access_needs,
            locale=request_locale(request),
            user_id=user.id if user else None,
            request_key=idempotency_key,
        )
        result = await bookings_service.booking.book(event_id, occurrence_id, details)
        if result.token is not None and result.booking is not None:
            base = request.app.state["settings"].base_url
            body_out = BookingCreatedOut(
                booking=booking_out(result.booking),
                manage_token=result.token,
                manage_url=f"{base}/bookings/{result.token}",
                calendar_url=f"{base}/bookings/{result.token}/calendar.ics",
            )
            headers = {"Idempotent-Replayed": "true"} if result.outcome is Outcome.REPLAYED else {}
            return Response(body_out, status_code=HTTP_201_CREATED, headers=headers)
        if result.outcome is Outcome.DUPLICATE:
            detail = translate(request, OUTCOME_MESSAGES[Outcome.CHECK_EMAIL])
            return Response(CheckEmailOut(Outcome.CHECK_EMAIL.value, detail), status_code=HTTP_202_ACCEPTED)
        status = _API_STATUS.get(result.outcome, HTTP_409_CONFLICT)
        waitlist = None
        if result.outcome is Outcome.FULL:
            waitlist = f"{request.app.state['settings'].base_url}/events/{event_id}/{occurrence_id}/book"
        return _api_error(request, status, result.outcome, limit=result.limit, waitlist_url=waitlist)

    @delete(
        "/bookings/{token:str}",
        name="api_cancel_booking",
        guards=[requires_same_origin],
        summary="Cancel a booking",
        description=(
            "Cancels the booking the manage token belongs to; its places go to the first people on the waiting list. "
            "Cancelling again answers the cancelled booking. A booking for an occurrence that has started "
            "answers 410."
        ),
        status_code=HTTP_200_OK,
        responses={
            HTTP_200_OK: ResponseSpec(data_container=BookingOut, description="Cancelled"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No booking has this token"),
            HTTP_410_GONE: ResponseSpec(data_container=ApiError, description="The occurrence has already started"),
        },
        opt=PUBLIC,
    )
    async def cancel(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[BookingOut | ApiError]:
        """Cancel by manage token."""
        result = await bookings_service.booking.cancel(token, request_locale(request))
        if not result.found or result.booking is None:
            return _api_error(request, HTTP_404_NOT_FOUND, Outcome.NOT_FOUND)
        if result.past:
            return _api_error(request, HTTP_410_GONE, Outcome.PAST)
        return Response(booking_out(result.booking), status_code=HTTP_200_OK)
