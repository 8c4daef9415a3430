"""The bookings domain's services, one per intent, built together from one set of collaborators.

Find the rule you are looking for by its intent:

- `booking.py`     — booking places on a date, the confirmation, the private manage link, cancelling;
- `waitlist.py`    — joining a full date's waiting list, accepting or declining an offer, leaving;
- `offers.py`      — freed places offered to the first people waiting (the hardest concurrency: each entry
  is claimed by one conditional UPDATE, so it is offered at most once);
- `occurrences.py` — the bookings of one date for the events domain (`BookingsPort`): who is coming, a
  partner's message to them, the date cancelled or moved;
- `feedback.py`    — the invitation to rate a date afterwards, partners reading it, officers hiding abuse;
- `people.py`      — a person's bookings on their account page, and what deleting the account removes;
- `tokens.py`      — states, job kinds, timings, private links and idempotency keys.

Only published events of verified organisations can be booked (or have places offered from their waitlist).
Controllers take one `BookingsService` and call the intent they need: `bookings_service.waitlist.join_waitlist(...)`.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.booking import BookingService
from backend.bookings.feedback import FeedbackService
from backend.bookings.occurrences import OccurrenceBookings
from backend.bookings.offers import Offers
from backend.bookings.waitlist import WaitlistService
from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.events.capacity import CapacityService
from backend.settings import Settings


class BookingsService:
    """The bookings domain's services (booking, waitlist, occurrences, feedback), sharing collaborators."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.engine = engine
        self.capacity = capacity = CapacityService(clock)  # places on a date, through the events domain
        shared = (settings, clock, engine, renderer)
        self.offers = Offers(*shared, capacity=capacity)
        self.booking = BookingService(*shared, capacity=capacity, offers=self.offers)
        self.waitlist = WaitlistService(*shared, capacity=capacity, booking=self.booking, offers=self.offers)
        self.occurrences = OccurrenceBookings(*shared, capacity=capacity, booking=self.booking, offers=self.offers)
        self.feedback = FeedbackService(*shared, capacity=capacity, booking=self.booking)
