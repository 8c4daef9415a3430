"""Routes of the bookings domain: booking pages, manage and waitlist links, feedback, and the booking API."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType
from litestar.params import Body, HeaderParameter, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from backend.bookings.schemas import (
    MAX_ACCESS_NEEDS,
    MAX_COMMENT,
    MAX_NAME,
    MAX_REASON,
    OUTCOME_MESSAGES,
    ApiError,
    BookingCreatedOut,
    BookingIn,
    BookingOut,
    BookingRequest,
    BookingResult,
    FieldError,
    Outcome,
    booking_out,
)
from backend.bookings.services import BookingsService
from backend.core.auth import CurrentUser, current_user
from backend.core.forms import EMAIL_PATTERN, Form, check_email, check_length, check_required, read_form
from backend.core.guards import (
    PUBLIC,
    QUEUEABLE_FORM,
    requires_roles,
    requires_same_origin,
    requires_sign_in,
    resident_form_from_this_site,
)
from backend.core.i18n import N_, request_locale, translate
from backend.core.roles import Role
from backend.events.capacity import OccurrenceForBooking

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]
NO_STORE = {"Cache-Control": "no-store"}
# The empty booking form of a visitor who is not signed in holds nothing personal: the phone may keep it
# (the service worker does) so that it opens offline, but asks again each time it is online.
SEEN_FORM = {"Cache-Control": "private, no-cache"}
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
IDEMPOTENCY_KEY_MIN = 16  # a client's key must be hard to guess: a replay answers the booking's manage token
IDEMPOTENCY_KEY_MAX = 200
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=IDEMPOTENCY_KEY_MIN,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        # A header is a string or absent (never JSON null): say so, or fuzzers send "null" as a valid key.
        schema_extra={"type": OpenAPIType.STRING, "one_of": None},
        description=(
            "Send the same key when retrying: the booking is made once, and the retry returns it (with its manage "
            f"token). Use a new random value for each booking, {IDEMPOTENCY_KEY_MIN} to {IDEMPOTENCY_KEY_MAX} "
            "characters from `A-Z a-z 0-9 _ . : -` (a UUID will do); a shorter key is refused with 400. A key "
            "applies to this occurrence and email only: the same key with another occurrence or email is another "
            "booking."
        ),
    ),
]


def _page(name: str, status_code: int = 200, *, headers: dict[str, str] | None = None, **context: Any) -> Template:
    """A page that is not cached unless `headers` say so (it is personal, or carries what was typed)."""
    context.setdefault("form", Form())
    return Template(f"bookings/{name}.html", context=context, status_code=status_code, headers=headers or NO_STORE)


def _see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def _nonce(form: Form) -> str:
    """The form's nonce (kept across re-renders, so a double submit is one booking), or a new one."""
    value = form.values.get("nonce", "")
    return value if NONCE.match(value) else secrets.token_urlsafe(24)


def _check_details(
    request: Request[Any, Any, Any], form: Form, occurrence: OccurrenceForBooking, user: CurrentUser | None
) -> BookingRequest | None:
    """Validate the booking form; field errors keep what was typed. None when there are errors."""
    if user is not None:  # signed in: name and email are optional, the account's are used
        form.values["name"] = form.values.get("name") or user.display_name or user.email.partition("@")[0]
        form.values["email"] = form.values.get("email") or user.email
    name = check_required(request, form, "name", N_("Enter your name"))
    check_length(request, form, "name", MAX_NAME, N_("Your name must be %(count)s characters or fewer"))
    email = check_email(request, form)
    check_length(
        request, form, "access_needs", MAX_ACCESS_NEEDS, N_("Access needs must be %(count)s characters or fewer")
    )
    raw = form.values.get("places", "") or "1"
    limit = max(1, occurrence.per_booking_limit)
    places = int(raw) if raw.isdigit() and len(raw) < 4 else 0
    if places < 1 or places > limit:
        form.add_error(request, "places", N_("Enter a number of places from 1 to %(limit)s"), limit=limit)
    if not form.ok:
        return None
    return BookingRequest(
        name=name,
        email=email,
        places=places,
        access_needs=form.values.get("access_needs", ""),
        locale=request_locale(request),
        user_id=user.id if user else None,
        request_key=_nonce(form),
    )


class BookingPages(Controller):
    """Booking a place on an occurrence, or joining its waitlist when it is full."""

    path = "/events/{event_id:int}/{occurrence_id:int}"
    include_in_schema = False
    opt = PUBLIC

    async def _occurrence(
        self, request: Request[Any, Any, Any], bookings: BookingsService, event_id: int, occurrence_id: int
    ) -> OccurrenceForBooking:
        occurrence = await bookings.booking.occurrence(event_id, occurrence_id, request_locale(request))
        if occurrence is None:
            raise NotFoundException()
        return occurrence

    def _render(
        self,
        bookings: BookingsService,
        occurrence: OccurrenceForBooking,
        form: Form,
        status_code: int = 200,
        *,
        notice: str = "",
        headers: dict[str, str] | None = None,
    ) -> Template:
        state = bookings.booking.availability(occurrence)
        form.values.setdefault("places", "1")
        form.values["nonce"] = _nonce(form)
        base = f"/events/{occurrence.event_id}/{occurrence.occurrence_id}"
        return _page(
            "book",
            status_code,
            form=form,
            occurrence=occurrence,
            state=state.value if state else "open",
            state_message=OUTCOME_MESSAGES.get(state) if state else None,
            action=f"{base}/waitlist" if state is Outcome.FULL else f"{base}/book",
            notice=notice,
            headers=headers,
        )

    @get("/book", name="book")
    async def form(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Template:
        """The booking form; when full, the same form joins the waitlist; past, cancelled, drop-in say so."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        form = Form()
        user = current_user(request)
        if user is not None:  # the form shows the account's name and email: not kept
            form.values.update({"name": user.display_name, "email": user.email})
            return self._render(bookings_service, occurrence, form)
        return self._render(bookings_service, occurrence, form, headers=SEEN_FORM)

    @post("/book", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def book(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Response[Any]:
        """Book (committed before the answer), then show the booking through its private link."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        form = await read_form(request, "name", "email", "places", "access_needs", "nonce")
        details = _check_details(request, form, occurrence, current_user(request))
        if details is None:
            return self._render(bookings_service, occurrence, form, HTTP_400_BAD_REQUEST)
        result = await bookings_service.booking.book(event_id, occurrence_id, details)
        if result.token is not None:
            return _see_other(f"/bookings/{result.token}?booked=1")
        return self._refused(request, bookings_service, occurrence, form, result)

    def _refused(
        self,
        request: Request[Any, Any, Any],
        bookings: BookingsService,
        occurrence: OccurrenceForBooking,
        form: Form,
        result: BookingResult,
    ) -> Template:
        outcome = result.outcome
        if outcome is Outcome.NOT_FOUND:
            raise NotFoundException()
        if outcome is Outcome.DUPLICATE:
            form.add_error(request, "email", OUTCOME_MESSAGES[outcome])
            return self._render(bookings, occurrence, form, HTTP_409_CONFLICT)
        if outcome is Outcome.TOO_MANY:
            form.add_error(request, "places", N_("Enter a number of places from 1 to %(limit)s"), limit=result.limit)
            return self._render(bookings, occurrence, form, HTTP_400_BAD_REQUEST)
        if outcome is Outcome.KEY_REUSED:
            form.values.pop("nonce", None)
        if outcome is Outcome.FULL:
            # Someone took the last places first: the same form, with what was typed, now joins the waitlist.
            refreshed = replace_places(occurrence, 0)
            notice = translate(request, N_("All places have just been taken. You can join the waiting list instead."))
            return self._render(bookings, refreshed, form, HTTP_409_CONFLICT, notice=notice)
        notice = translate(request, OUTCOME_MESSAGES.get(outcome, OUTCOME_MESSAGES[Outcome.NOT_FOUND]))
        status = HTTP_410_GONE if outcome in {Outcome.PAST, Outcome.CANCELLED} else HTTP_409_CONFLICT
        return self._render(bookings, occurrence, form, status, notice=notice)

    @post("/waitlist", name="join_waitlist", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def join_waitlist(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Response[Any]:
        """Join the waitlist of a full occurrence."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        form = await read_form(request, "name", "email", "places", "access_needs", "nonce")
        details = _check_details(request, form, occurrence, current_user(request))
        if details is None:
            return self._render(bookings_service, occurrence, form, HTTP_400_BAD_REQUEST)
        result = await bookings_service.waitlist.join_waitlist(event_id, occurrence_id, details)
        if result.outcome is Outcome.WAITLISTED:
            return _see_other(f"/events/{event_id}/{occurrence_id}/waitlist/joined")
        if result.outcome is Outcome.NOT_FULL:
            notice = translate(request, OUTCOME_MESSAGES[Outcome.NOT_FULL])
            return self._render(bookings_service, occurrence, form, HTTP_409_CONFLICT, notice=notice)
        return self._refused(request, bookings_service, occurrence, form, result)

    @get("/waitlist/joined", name="waitlist_joined")
    async def joined(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Template:
        """You are on the waiting list."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        return _page("waitlist_joined", occurrence=occurrence)


def replace_places(occurrence: OccurrenceForBooking, places_left: int) -> OccurrenceForBooking:
    """The same occurrence with another count of places left (what the page shows after a refusal)."""
    return replace(occurrence, places_left=places_left)


class ManagePages(Controller):
    """A booking's private link: details, calendar file, cancel; feedback afterwards."""

    path = "/bookings/{token:str}"
    include_in_schema = False
    opt = PUBLIC

    @get("/", name="manage_booking")
    async def manage(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        token: Token,
        booked: Flag = None,
        cancelled: Flag = None,
    ) -> Template:
        """The booking, how to add it to a calendar, and a button to cancel it."""
        booking = await bookings_service.booking.by_token(token, request_locale(request))
        if booking is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        now = request.app.state["clock"].now()
        return _page(
            "manage",
            booking=booking,
            token=token,
            booked=bool(booked),
            just_cancelled=bool(cancelled),
            can_cancel=not booking.is_cancelled and booking.starts_at > now,
            feedback_open=not booking.is_cancelled and booking.ends_at <= now,
        )

    @get("/calendar.ics", name="booking_calendar")
    async def calendar(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """The occurrence as an `.ics` file."""
        locale = request_locale(request)
        booking = await bookings_service.booking.by_token(token, locale)
        occurrence = await bookings_service.booking.occurrence_of(booking, locale) if booking else None
        if occurrence is None:
            raise NotFoundException()
        return Response(
            content=bookings_service.booking.ics(occurrence),
            media_type="text/calendar; charset=utf-8",
            headers={**NO_STORE, "Content-Disposition": 'attachment; filename="event.ics"'},
        )

    @post("/cancel", name="cancel_booking", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def cancel(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Cancel: the places are released and offered to the first people waiting."""
        result = await bookings_service.booking.cancel(token, request_locale(request))
        if not result.found:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        return _see_other(f"/bookings/{token}?cancelled=1")

    @get("/feedback", name="booking_feedback")
    async def feedback_form(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Template:
        """Rate the event and comment, after it has taken place."""
        booking, allowed, given = await bookings_service.feedback.feedback_state(token)
        if booking is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        return _page("feedback", booking=booking, token=token, allowed=allowed, given=given)

    @post("/feedback", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def give_feedback(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Save the rating and comment."""
        booking, allowed, given = await bookings_service.feedback.feedback_state(token)
        if booking is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        form = await read_form(request, "rating", "comment")
        rating = form.values.get("rating", "")
        if rating not in {"1", "2", "3", "4", "5"}:
            form.add_error(request, "rating", N_("Choose a rating from 1 to 5"))
        check_length(request, form, "comment", MAX_COMMENT, N_("Your comment must be %(count)s characters or fewer"))
        if not form.ok or not allowed or given:
            status = HTTP_400_BAD_REQUEST if form.errors else HTTP_409_CONFLICT
            return _page("feedback", status, booking=booking, token=token, allowed=allowed, given=given, form=form)
        await bookings_service.feedback.give_feedback(token, int(rating), form.values.get("comment", ""))
        return _see_other(f"/bookings/{token}/feedback")


class WaitlistPages(Controller):
    """A waitlist offer's private link: accept (books the held places) or decline (passes them on)."""

    path = "/waitlist/{token:str}"
    include_in_schema = False
    opt = PUBLIC

    @get("/", name="waitlist_offer")
    async def offer(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        token: Token,
        declined: Flag = None,
    ) -> Template:
        """What is offered and until when."""
        offer = await bookings_service.waitlist.offer(token, request_locale(request))
        if offer is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        return _page("offer", offer=offer, token=token, declined=bool(declined))

    @post("/accept", name="accept_offer", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def accept(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Book the offered places."""
        locale = request_locale(request)
        result = await bookings_service.waitlist.accept_offer(token, locale)
        if result.token is not None:
            return _see_other(f"/bookings/{result.token}?booked=1")
        offer = await bookings_service.waitlist.offer(token, locale)
        if offer is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        message = OUTCOME_MESSAGES.get(result.outcome) if result.outcome is Outcome.DUPLICATE else None
        return _page("offer", HTTP_410_GONE, offer=offer, token=token, declined=False, message=message)

    @post("/decline", name="decline_offer", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def decline(self, bookings_service: NamedDependency[BookingsService], token: Token) -> Response[Any]:
        """No thanks: the places go to the next person waiting."""
        await bookings_service.waitlist.decline_offer(token)
        return _see_other(f"/waitlist/{token}?declined=1")


class WaitlistPlacePages(Controller):
    """The private link to one's place on a waitlist (emailed on joining): where one stands, and leaving.

    Under `/waitlist/place/`, a static segment the offer links (`/waitlist/{token}`) never match: their tokens
    are at least 20 characters.
    """

    path = "/waitlist/place/{token:str}"
    include_in_schema = False
    opt = PUBLIC

    @get("/", name="waitlist_place")
    async def place(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Template:
        """The event, the places asked for, the position in the queue, and a button to leave (reads only)."""
        place = await bookings_service.waitlist.waitlist_place(token, request_locale(request))
        if place is None:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        return _page("waitlist_place", place=place, token=token)

    @post("/leave", name="leave_waitlist", guards=[resident_form_from_this_site], opt=QUEUEABLE_FORM)
    async def leave(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Leave the waitlist (an open offer's places go to the next person), then show the page again."""
        result = await bookings_service.waitlist.leave_waitlist(token)
        if not result.found:
            return _page("link_not_valid", HTTP_404_NOT_FOUND)
        return _see_other(f"/waitlist/place/{token}")


class AccountBookings(Controller):
    """A signed-in resident cancels one of their bookings, or leaves a waitlist, from their account page."""

    include_in_schema = False
    guards = [requires_sign_in]

    @post("/account/bookings/{booking_id:int}/cancel", name="account_cancel_booking")
    async def cancel(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], booking_id: Id
    ) -> Redirect:
        """Cancel and go back to the account page."""
        user = current_user(request)
        assert user is not None  # the guard guarantees it
        await bookings_service.booking.cancel_for_user(booking_id, user.id, user.email)
        return _see_other("/account")

    @post("/account/waitlist/{entry_id:int}/leave", name="account_leave_waitlist")
    async def leave_waitlist(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], entry_id: Id
    ) -> Redirect:
        """Leave one of one's own waitlist places and go back to the account page."""
        user = current_user(request)
        assert user is not None  # the guard guarantees it
        await bookings_service.waitlist.leave_waitlist_for_user(entry_id, user.id, user.email)
        return _see_other("/account")


class PartnerFeedback(Controller):
    """Partners read the feedback on their own organisation's events."""

    include_in_schema = False
    guards = [requires_roles(Role.PARTNER)]

    @get("/partner/events/{event_id:int}/feedback", name="partner_event_feedback")
    async def feedback(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], event_id: Id
    ) -> Template:
        """Ratings and comments (hidden comments show only that an officer hid them)."""
        user = current_user(request)
        organisation = await bookings_service.feedback.organisation_of_event(event_id)
        if user is None or organisation is None or organisation not in user.organisation_ids:
            raise NotFoundException()
        items = await bookings_service.feedback.event_feedback(event_id)
        ratings = [item.rating for item in items]
        return _page(
            "partner_feedback",
            title=await bookings_service.feedback.event_title(event_id, request_locale(request)),
            event_id=event_id,
            items=items,
            average=round(sum(ratings) / len(ratings), 1) if ratings else None,
        )


class OfficerFeedback(Controller):
    """Officers hide abusive comments, with a reason (audited)."""

    path = "/officer/feedback"
    include_in_schema = False
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="officer_feedback")
    async def index(self, bookings_service: NamedDependency[BookingsService], hidden: Flag = None) -> Template:
        """The latest comments, each with a form to hide it."""
        items = await bookings_service.feedback.recent_feedback()
        return _page("officer_feedback", items=items, hidden_now=bool(hidden), failed_id=None)

    @post("/{feedback_id:int}/hide", name="hide_feedback")
    async def hide(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], feedback_id: Id
    ) -> Response[Any]:
        """Hide one comment; the reason is required."""
        form = await read_form(request, "reason")
        field = f"reason-{feedback_id}"
        form.values[field] = form.values.pop("reason", "")
        check_required(request, form, field, N_("Enter why you are hiding this comment"))
        check_length(request, form, field, MAX_REASON)
        user = current_user(request)
        if not form.ok or user is None:
            items = await bookings_service.feedback.recent_feedback()
            return _page(
                "officer_feedback",
                HTTP_400_BAD_REQUEST,
                items=items,
                hidden_now=False,
                form=form,
                failed_id=feedback_id,
            )
        if not await bookings_service.feedback.hide_feedback(feedback_id, form.values[field], user):
            raise NotFoundException()
        return _see_other("/officer/feedback?hidden=1")


# --- the JSON API --------------------------------------------------------------------------------------------

_API_STATUS = {
    Outcome.NOT_FOUND: HTTP_404_NOT_FOUND,
    Outcome.FULL: HTTP_409_CONFLICT,
    Outcome.DUPLICATE: HTTP_409_CONFLICT,
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
    opt = PUBLIC
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
            "`waitlist_url`, a page where the person can join the waitlist. The same email cannot book the same "
            "occurrence twice (409, `duplicate`). Past or cancelled occurrences answer 410. The answer carries "
            "the manage token once (it is also emailed with an `.ics` file). Send an `Idempotency-Key` (16 to 200 "
            "characters) to retry safely: the same key, occurrence and email return the same booking."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=BookingCreatedOut, description="Booked"),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiError, description="The body is not valid"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such published occurrence"),
            HTTP_409_CONFLICT: ResponseSpec(
                data_container=ApiError, description="Full (join the waitlist), already booked, or drop-in"
            ),
            HTTP_410_GONE: ResponseSpec(data_container=ApiError, description="Past or cancelled"),
            HTTP_422_UNPROCESSABLE_ENTITY: ResponseSpec(
                data_container=ApiError, description="Over the per-booking limit"
            ),
        },
    )
    async def book(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
        data: Annotated[BookingIn, Body(title="Booking")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingCreatedOut | ApiError]:
        """Book places; 201 with the booking and its manage token."""
        email = data.email.strip().lower()
        name = data.name.strip()
        if not name or not EMAIL_PATTERN.match(email):
            key = "name" if not name else "email"
            message = translate(
                request,
                N_("Enter your name")
                if not name
                else N_("Enter an email address in the correct format, like name@example.com"),
            )
            body = ApiError(
                status_code=HTTP_400_BAD_REQUEST,
                detail=translate(request, N_("There is a problem with your request")),
                code="invalid",
                errors=[FieldError(key=key, source="body", message=message)],
            )
            return Response(body, status_code=HTTP_400_BAD_REQUEST)
        user = current_user(request)
        details = BookingRequest(
            name=name,
            email=email,
            places=data.places,
            access_needs=data.access_needs.strip(),
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


def provide_bookings_service(state: State) -> BookingsService:
    """The bookings service, bound to the app's settings, clock, engine and email renderer."""
    return BookingsService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


ROUTE_HANDLERS: list[Any] = [
    BookingPages,
    ManagePages,
    WaitlistPages,
    WaitlistPlacePages,
    AccountBookings,
    PartnerFeedback,
    OfficerFeedback,
    BookingsApi,
]
DEPENDENCIES: dict[str, Provide] = {"bookings_service": Provide(provide_bookings_service, sync_to_thread=False)}
