"""Routes of the bookings domain, gathered for `backend/app.py`, and the bookings service each request gets.

- `booking_controllers.py`: booking a date, the manage link, the waiting list and its offers, one's account;
- `feedback_controllers.py`: partners read the feedback on their events, officers hide abuse;
- `api_controllers.py`: the booking JSON API (`/api/v1/bookings`);
- `web.py`: path parameters and helpers the pages share.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from backend.bookings.api_controllers import BookingsApi
from backend.bookings.booking_controllers import (
    AccountBookings,
    BookingPages,
    ManagePages,
    WaitlistPages,
    WaitlistPlacePages,
)
from backend.bookings.feedback_controllers import OfficerFeedback, PartnerFeedback
from backend.bookings.services import BookingsService


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
