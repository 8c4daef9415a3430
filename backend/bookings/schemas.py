"""Shapes of the bookings domain: what the service returns, and the JSON API's bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from backend.core.forms import EMAIL_PATTERN
from backend.core.i18n import N_

MAX_NAME = 120
MAX_EMAIL = 320
MAX_ACCESS_NEEDS = 1000
MAX_COMMENT = 2000
MAX_REASON = 500
MAX_PLACES = 50  # the ceiling of any event's per-booking limit


class Outcome(StrEnum):
    """What happened to a booking (or waitlist) request."""

    BOOKED = "booked"
    REPLAYED = "replayed"  # the same submission again: the booking it made the first time
    WAITLISTED = "waitlisted"
    FULL = "full"
    DUPLICATE = "duplicate"  # this email already holds a booking (or a waitlist place) for this occurrence
    CHECK_EMAIL = "check_email"  # how a duplicate is answered to whoever asked: the address itself is told
    PAST = "past"
    CANCELLED = "cancelled"
    DROP_IN = "drop_in"
    TOO_MANY = "too_many"  # more places than the event's per-booking limit
    NOT_FULL = "not_full"  # the waitlist is only for full occurrences
    NOT_FOUND = "not_found"
    KEY_REUSED = "key_reused"  # an idempotency key sent again with a different request


# What each refusal says to a resident (translated when shown).
OUTCOME_MESSAGES: dict[Outcome, str] = {
    Outcome.FULL: N_(
        "All places have been taken. You can join the waiting list and we will email you if a place frees up."
    ),
    Outcome.DUPLICATE: N_(
        "This email address already has a booking for this date. Check your email for the link to manage it."
    ),
    Outcome.CHECK_EMAIL: N_(
        "We have sent an email about this date to the address you gave. It says what happened and what you can do next."
    ),
    Outcome.PAST: N_("This event has already taken place, so it can no longer be booked."),
    Outcome.CANCELLED: N_("This event has been cancelled, so it cannot be booked."),
    Outcome.DROP_IN: N_("This is a drop-in event: there is no need to book. Just come along."),
    Outcome.TOO_MANY: N_("You can book up to %(limit)s places at a time"),
    Outcome.NOT_FULL: N_("There are places left, so you can book now instead of joining the waiting list."),
    Outcome.NOT_FOUND: N_("We could not find this event."),
    Outcome.KEY_REUSED: N_("This request was already used for a different booking. Reload the page and try again."),
}


# Field name -> (message marked with N_, its parameters); the caller translates.
Problems = dict[str, tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class BookingDetails:
    """Who is booking and how many places, checked by `check_booking_details` (the only check of them)."""

    name: str
    email: str
    places: int
    access_needs: str = ""


def check_booking_details(
    name: str, email: str, places: str | int, access_needs: str = "", *, limit: int = MAX_PLACES
) -> tuple[BookingDetails | None, Problems]:
    """The one check of a booking's or waiting-list request's details, for the form and the API alike.

    Trims the name and access needs, lower-cases the email; `places` may be typed text. `limit` is the date's
    per-booking limit when the caller knows it (the form does, so every error shows at once); the bookings
    service checks it again against the date it books (TOO_MANY), which is all the API relies on.
    """
    problems: Problems = {}
    name, email, access_needs = name.strip(), email.strip().lower(), access_needs.strip()
    if not name:
        problems["name"] = (N_("Enter your name"), {})
    elif len(name) > MAX_NAME:
        problems["name"] = (N_("Your name must be %(count)s characters or fewer"), {"count": MAX_NAME})
    if not email:
        problems["email"] = (N_("Enter your email address"), {})
    elif len(email) > MAX_EMAIL or not EMAIL_PATTERN.match(email):
        problems["email"] = (N_("Enter an email address in the correct format, like name@example.com"), {})
    if isinstance(places, str):
        text = places.strip() or "1"
        places = int(text) if text.isdigit() and len(text) < 4 else 0
    most = max(1, min(limit, MAX_PLACES))
    if not 1 <= places <= most:
        problems["places"] = (N_("Enter a number of places from 1 to %(limit)s"), {"limit": most})
    if len(access_needs) > MAX_ACCESS_NEEDS:
        problems["access_needs"] = (
            N_("Access needs must be %(count)s characters or fewer"),
            {"count": MAX_ACCESS_NEEDS},
        )
    if problems:
        return None, problems
    return BookingDetails(name=name, email=email, places=places, access_needs=access_needs), {}


@dataclass(frozen=True)
class BookingRequest:
    """A resident's request for places, from details that passed `check_booking_details`."""

    name: str
    email: str
    places: int
    access_needs: str = ""
    locale: str = "en"
    user_id: int | None = None
    request_key: str | None = None  # a form nonce or an Idempotency-Key header


@dataclass(frozen=True)
class BookingView:
    """One booking with its occurrence, as the manage page and the API show it."""

    id: int
    occurrence_id: int
    event_id: int
    name: str
    email: str
    places: int
    access_needs: str
    status: str
    created_at: datetime
    cancelled_at: datetime | None
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    is_online: bool
    occurrence_status: str

    @property
    def is_cancelled(self) -> bool:
        """True once cancelled by the resident or because the occurrence was cancelled."""
        return self.status == "cancelled"


@dataclass(frozen=True)
class BookingResult:
    """The outcome of a booking attempt; `token` (the manage link's secret) only when booked or replayed."""

    outcome: Outcome
    booking: BookingView | None = None
    token: str | None = None
    limit: int = 0


@dataclass(frozen=True)
class CancelResult:
    """The outcome of cancelling through a manage link."""

    found: bool
    cancelled_now: bool = False
    past: bool = False
    booking: BookingView | None = None


@dataclass(frozen=True)
class Offer:
    """A waitlist offer as its link shows it."""

    status: str  # offered, accepted, expired, cancelled, left, waiting
    expired: bool
    places: int
    expires_at: datetime | None
    title: str
    starts_at: datetime | None
    event_id: int
    occurrence_id: int


@dataclass(frozen=True)
class WaitlistPlace:
    """One person's place on a waitlist, as its private link shows it.

    `state` is what the page says: waiting (with `position` in the queue), offered (places held until
    `offer_expires_at`), accepted, expired, left, declined (an offer said no to, or booked another way),
    event_cancelled, or past (the occurrence has started while they were waiting).
    """

    state: str
    places: int
    position: int | None
    offer_expires_at: datetime | None
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    is_online: bool
    event_id: int
    occurrence_id: int

    @property
    def can_leave(self) -> bool:
        """True while there is a place to give up: waiting, or an offer still open."""
        return self.state in {"waiting", "offered"}


@dataclass(frozen=True)
class LeaveResult:
    """The outcome of leaving a waitlist: `left_now` is False when the entry had already ended."""

    found: bool
    left_now: bool = False


@dataclass(frozen=True)
class UserWaitlistPlace:
    """One of a signed-in resident's open waitlist places (waiting or offered), for their account page."""

    entry_id: int
    event_id: int
    occurrence_id: int
    title: str
    starts_at: datetime
    places: int
    status: str  # waiting, offered
    position: int | None  # in the queue, while waiting
    offer_expires_at: datetime | None


@dataclass(frozen=True)
class Attendee:
    """One confirmed booking, as the partner's attendee list shows it."""

    booking_id: int
    name: str
    email: str
    places: int
    access_needs: str
    booked_at: datetime
    status: str = "confirmed"  # attendees() lists confirmed bookings only


@dataclass(frozen=True)
class UserBooking:
    """One of a signed-in resident's bookings, for their account page."""

    booking_id: int
    event_id: int
    occurrence_id: int
    title: str
    starts_at: datetime
    places: int
    status: str
    is_past: bool


@dataclass(frozen=True)
class FeedbackView:
    """One piece of feedback, for partners and officers."""

    id: int
    event_id: int
    event_title: str
    rating: int
    comment: str
    hidden: bool
    hidden_reason: str
    created_at: datetime


@dataclass(frozen=True)
class FeedbackFilter:
    """Which feedback officers read: on some events (None: any), in a period (from `since`, before `until`), with
    some words in the comment."""

    event_ids: tuple[int, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


# ---- The JSON API ----------------------------------------------------------------------------------------

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME, pattern=r"\S")]
# The same rule as the HTML forms' (backend.core.forms.EMAIL_PATTERN), so the schema tells clients exactly.
Email = Annotated[str, msgspec.Meta(min_length=6, max_length=MAX_EMAIL, pattern=EMAIL_PATTERN.pattern)]
Places = Annotated[int, msgspec.Meta(ge=1, le=MAX_PLACES)]
AccessNeeds = Annotated[str, msgspec.Meta(max_length=MAX_ACCESS_NEEDS)]


class BookingIn(msgspec.Struct):
    """A booking request: who, how many places (up to the event's per-booking limit), any access needs."""

    name: Name
    email: Email
    places: Places = 1
    access_needs: AccessNeeds = ""


class BookingOut(msgspec.Struct):
    """A booking."""

    id: int
    event_id: int
    occurrence_id: int
    name: str
    email: str
    places: int
    access_needs: str
    status: str
    title: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    cancelled_at: datetime | None


class BookingCreatedOut(msgspec.Struct):
    """A new booking and its manage token: keep the token, it is shown only now (and sent by email)."""

    booking: BookingOut
    manage_token: str
    manage_url: str
    calendar_url: str


class CheckEmailOut(msgspec.Struct):
    """The answer when the email given already has a place on this date: the address is told by email."""

    status: str
    detail: str


class FieldError(msgspec.Struct):
    """Which field failed and why."""

    key: str | None
    source: str | None
    message: str


class ApiError(msgspec.Struct):
    """An error answer (the same shape as the app's error handler); `waitlist_url` when full."""

    status_code: int
    detail: str
    code: str = ""
    waitlist_url: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)


def booking_out(view: BookingView) -> BookingOut:
    """The API shape of a booking."""
    return BookingOut(
        id=view.id,
        event_id=view.event_id,
        occurrence_id=view.occurrence_id,
        name=view.name,
        email=view.email,
        places=view.places,
        access_needs=view.access_needs,
        status=view.status,
        title=view.title,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        created_at=view.created_at,
        cancelled_at=view.cancelled_at,
    )
