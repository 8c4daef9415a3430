"""Residents' pages: booking a date, the manage link, the waiting list, offers, and their own bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
)

from backend.bookings.schemas import (
    MAX_COMMENT,
    OUTCOME_MESSAGES,
    BookingResult,
    BookingView,
    Outcome,
)
from backend.bookings.services import BookingsService
from backend.bookings.web import (
    NO_STORE,
    SEEN_FORM,
    Flag,
    Id,
    Token,
    nonce_of,
    read_booking_details,
    render_page,
    replace_places,
    see_other,
)
from backend.core.auth import current_user
from backend.core.forms import Form, check_length, read_form
from backend.core.guards import PUBLIC, QUEUEABLE_FORM, requires_sign_in, resident_form_from_this_site
from backend.core.i18n import N_, request_locale, translate
from backend.events.capacity import OccurrenceForBooking


class BookingPages(Controller):
    """Booking a place on an occurrence, or joining its waitlist when it is full."""

    path = "/events/{event_id:int}/{occurrence_id:int}"
    include_in_schema = False

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
        form.values["nonce"] = nonce_of(form)
        base = f"/events/{occurrence.event_id}/{occurrence.occurrence_id}"
        return render_page(
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

    @get("/book", name="book", opt=PUBLIC)
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

    @post("/book", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
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
        details = read_booking_details(request, form, occurrence, current_user(request))
        if details is None:
            return self._render(bookings_service, occurrence, form, HTTP_400_BAD_REQUEST)
        result = await bookings_service.booking.book(event_id, occurrence_id, details)
        if result.token is not None:
            return see_other(f"/bookings/{result.token}?booked=1")
        return self._refused(request, bookings_service, occurrence, form, result)

    def _refused(
        self,
        request: Request[Any, Any, Any],
        bookings: BookingsService,
        occurrence: OccurrenceForBooking,
        form: Form,
        result: BookingResult,
    ) -> Response[Any]:
        outcome = result.outcome
        if outcome is Outcome.DUPLICATE:
            # Whether this address has booked is told to the address (by email), never on this page.
            return see_other(f"/events/{occurrence.event_id}/{occurrence.occurrence_id}/check-email")
        if outcome is Outcome.NOT_FOUND:
            raise NotFoundException()
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

    @post("/waitlist", name="join_waitlist", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
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
        details = read_booking_details(request, form, occurrence, current_user(request))
        if details is None:
            return self._render(bookings_service, occurrence, form, HTTP_400_BAD_REQUEST)
        result = await bookings_service.waitlist.join_waitlist(event_id, occurrence_id, details)
        if result.outcome is Outcome.WAITLISTED:
            return see_other(f"/events/{event_id}/{occurrence_id}/waitlist/joined")
        if result.outcome is Outcome.NOT_FULL:
            notice = translate(request, OUTCOME_MESSAGES[Outcome.NOT_FULL])
            return self._render(bookings_service, occurrence, form, HTTP_409_CONFLICT, notice=notice)
        return self._refused(request, bookings_service, occurrence, form, result)

    @get("/check-email", name="booking_check_email", opt=PUBLIC)
    async def check_email(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Template:
        """The answer to a repeat booking: the email to the address says what happened."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        return render_page("check_email", occurrence=occurrence)

    @get("/waitlist/joined", name="waitlist_joined", opt=PUBLIC)
    async def joined(
        self,
        request: Request[Any, Any, Any],
        bookings_service: NamedDependency[BookingsService],
        event_id: Id,
        occurrence_id: Id,
    ) -> Template:
        """You are on the waiting list."""
        occurrence = await self._occurrence(request, bookings_service, event_id, occurrence_id)
        return render_page("waitlist_joined", occurrence=occurrence)


def _cancellable(booking: BookingView, now: datetime) -> bool:
    """A booking can be cancelled until its date starts, once."""
    return not booking.is_cancelled and booking.starts_at > now


class ManagePages(Controller):
    """A booking's private link: details, calendar file, cancel; feedback afterwards."""

    path = "/bookings/{token:str}"
    include_in_schema = False

    @get("/", name="manage_booking", opt=PUBLIC)
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
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        now = request.app.state["clock"].now()
        return render_page(
            "manage",
            booking=booking,
            token=token,
            booked=bool(booked),
            just_cancelled=bool(cancelled),
            can_cancel=_cancellable(booking, now),
            feedback_open=not booking.is_cancelled and booking.ends_at <= now,
        )

    @get("/calendar.ics", name="booking_calendar", opt=PUBLIC)
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

    @get("/cancel", name="confirm_cancel_booking", opt=PUBLIC)
    async def confirm_cancel(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Are you sure? (A booking that can no longer be cancelled goes back to its page.)"""
        booking = await bookings_service.booking.by_token(token, request_locale(request))
        if booking is None:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        if not _cancellable(booking, request.app.state["clock"].now()):
            return see_other(f"/bookings/{token}")
        return render_page("cancel", booking=booking, token=token)

    @post("/cancel", name="cancel_booking", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def cancel(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Cancel: the places are released and offered to the first people waiting."""
        result = await bookings_service.booking.cancel(token, request_locale(request))
        if not result.found:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        return see_other(f"/bookings/{token}?cancelled=1")

    @get("/feedback", name="booking_feedback", opt=PUBLIC)
    async def feedback_form(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Template:
        """Rate the event and comment, after it has taken place."""
        booking, allowed, given = await bookings_service.feedback.feedback_state(token)
        if booking is None:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        return render_page("feedback", booking=booking, token=token, allowed=allowed, given=given)

    @post("/feedback", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def give_feedback(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Save the rating and comment."""
        booking, allowed, given = await bookings_service.feedback.feedback_state(token)
        if booking is None:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        form = await read_form(request, "rating", "comment")
        rating = form.values.get("rating", "")
        if rating not in {"1", "2", "3", "4", "5"}:
            form.add_error(request, "rating", N_("Choose a rating from 1 to 5"))
        check_length(request, form, "comment", MAX_COMMENT, N_("Your comment must be %(count)s characters or fewer"))
        if not form.ok or not allowed or given:
            status = HTTP_400_BAD_REQUEST if form.errors else HTTP_409_CONFLICT
            return render_page(
                "feedback", status, booking=booking, token=token, allowed=allowed, given=given, form=form
            )
        await bookings_service.feedback.give_feedback(token, int(rating), form.values.get("comment", ""))
        return see_other(f"/bookings/{token}/feedback")


class WaitlistPages(Controller):
    """A waitlist offer's private link: accept (books the held places) or decline (passes them on)."""

    path = "/waitlist/{token:str}"
    include_in_schema = False

    @get("/", name="waitlist_offer", opt=PUBLIC)
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
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        return render_page("offer", offer=offer, token=token, declined=bool(declined))

    @post("/accept", name="accept_offer", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def accept(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Book the offered places."""
        locale = request_locale(request)
        result = await bookings_service.waitlist.accept_offer(token, locale)
        if result.token is not None:
            return see_other(f"/bookings/{result.token}?booked=1")
        offer = await bookings_service.waitlist.offer(token, locale)
        if offer is None:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        message = OUTCOME_MESSAGES.get(result.outcome) if result.outcome is Outcome.DUPLICATE else None
        return render_page("offer", HTTP_410_GONE, offer=offer, token=token, declined=False, message=message)

    @post("/decline", name="decline_offer", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def decline(self, bookings_service: NamedDependency[BookingsService], token: Token) -> Response[Any]:
        """No thanks: the places go to the next person waiting."""
        await bookings_service.waitlist.decline_offer(token)
        return see_other(f"/waitlist/{token}?declined=1")


class WaitlistPlacePages(Controller):
    """The private link to one's place on a waitlist (emailed on joining): where one stands, and leaving.

    Under `/waitlist/place/`, a static segment the offer links (`/waitlist/{token}`) never match: their tokens
    are at least 20 characters.
    """

    path = "/waitlist/place/{token:str}"
    include_in_schema = False

    @get("/", name="waitlist_place", opt=PUBLIC)
    async def place(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Template:
        """The event, the places asked for, the position in the queue, and a button to leave (reads only)."""
        place = await bookings_service.waitlist.waitlist_place(token, request_locale(request))
        if place is None:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        return render_page("waitlist_place", place=place, token=token)

    @post("/leave", name="leave_waitlist", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def leave(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], token: Token
    ) -> Response[Any]:
        """Leave the waitlist (an open offer's places go to the next person), then show the page again."""
        result = await bookings_service.waitlist.leave_waitlist(token)
        if not result.found:
            return render_page("link_not_valid", HTTP_404_NOT_FOUND)
        return see_other(f"/waitlist/place/{token}")


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
        return see_other("/account")

    @post("/account/waitlist/{entry_id:int}/leave", name="account_leave_waitlist")
    async def leave_waitlist(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], entry_id: Id
    ) -> Redirect:
        """Leave one of one's own waitlist places and go back to the account page."""
        user = current_user(request)
        assert user is not None  # the guard guarantees it
        await bookings_service.waitlist.leave_waitlist_for_user(entry_id, user.id, user.email)
        return see_other("/account")
