"""The events domain's services, one per intent, built together from one set of collaborators.

Find the rule you are looking for by its intent:

- `categories.py`  — the categories partners file events under (officers keep the list);
- `posting.py`     — partners post and edit events; a series' dates follow its schedule (`validation.py`
  holds every rule an event must meet, `schedule.py` the dates of a series);
- `dates.py`       — the life of a date: cancelled or moved on its own, the series cancelled, an event copied;
- `moderation.py`  — the officers' queue, approving, rejecting and hiding;
- `attendees.py`   — partners read and write to the people booked on a date;
- `reading.py`     — events as partners and officers see them; `views.py` what every service returns;
- `ports.py`       — what events needs from accounts and bookings (bookings implements `BookingsPort`);
- `discovery.py`, `listing.py`, `calendar.py`, `capacity.py` — the residents' side, the search's read
  model, calendar files and places on a date (`search_types.py`: the search's filters and results;
  `geo.py`: the radius search's SQL).

Controllers take one `EventsService` and call the intent they need: `events.moderation.approve(...)`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.events.attendees import AttendeesService
from backend.events.categories import CategoriesService
from backend.events.dates import DatesService
from backend.events.moderation import ModerationService
from backend.events.ports import BookingsPort
from backend.events.posting import PostingService
from backend.events.reading import EventReader
from backend.events.validation import EventRules
from backend.settings import Settings


class EventsService:
    """The events domain's services (categories, posting, dates, moderation, attendees), sharing collaborators."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        bookings: BookingsPort,
    ) -> None:
        zone = ZoneInfo(settings.time_zone)
        self.reader = EventReader(bookings)
        self.rules = EventRules(clock, engine, zone, bookings)
        self.categories = CategoriesService(engine)
        self.posting = PostingService(clock, engine, zone, bookings, reader=self.reader, rules=self.rules)
        self.dates = DatesService(clock, engine, bookings, self.reader)
        self.moderation = ModerationService(
            settings, clock, engine, renderer, reader=self.reader, rules=self.rules, posting=self.posting
        )
        self.attendees = AttendeesService(engine, bookings, self.reader)
