"""Routes of the events domain, gathered for `backend/app.py`, and the events service each request gets.

- `partner_controllers.py`: partners post, edit and manage their events and dates, and see who is coming;
- `officer_controllers.py`: officers review the queue, approve, reject or hide, and keep the categories;
- `api_controllers.py`: the partner JSON API (`/api/v1/partner/events`);
- `discovery_controllers.py`: the residents' side, gathered: `discovery_pages.py` (listing, event page,
  calendars, feeds, embed), `discovery_api.py` (the public API) and `page_cache.py` (anonymous page cache);
- `event_form.py`: the event form's fields, read into an `EventIn`; `web.py`: helpers the pages share.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from backend.events.api_controllers import PartnerEventsApi
from backend.events.officer_controllers import OfficerEventPages
from backend.events.partner_controllers import PartnerEventPages
from backend.events.services import EventsService


def provide_events(state: State) -> EventsService:
    """The events service, calling the bookings domain through the port `backend/wiring.py` built."""
    return EventsService(
        state["settings"],
        state["clock"],
        state["engine"],
        state["email_renderer"],
        bookings=state["wiring"].bookings_for_events,
    )


ROUTE_HANDLERS: list[Any] = [PartnerEventPages, OfficerEventPages, PartnerEventsApi]


DEPENDENCIES: dict[str, Provide] = {"events": Provide(provide_events, sync_to_thread=False)}
