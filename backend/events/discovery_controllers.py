"""Residents find events: wiring of the pages (`discovery_pages.py`) and the JSON API (`discovery_api.py`).

The anonymous page cache is `page_cache.py`; the search itself is `discovery.DiscoveryService`.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from backend.events.categories import ActiveCategories
from backend.events.discovery import DiscoveryService
from backend.events.discovery_api import EventsApi
from backend.events.discovery_pages import EventPages

_ACTIVE_CATEGORIES = "events.active_categories"


def provide_discovery(state: State) -> DiscoveryService:
    """The read side of events, bound to the app's engine."""
    settings = state["settings"]
    categories = state.get(_ACTIVE_CATEGORIES)
    if categories is None:
        categories = state[_ACTIVE_CATEGORIES] = ActiveCategories()
    return DiscoveryService(
        state["engine"], time_zone=settings.time_zone, base_url=settings.base_url, active_categories=categories
    )


ROUTE_HANDLERS: list[Any] = [EventPages, EventsApi]
DEPENDENCIES: dict[str, Provide] = {"discovery": Provide(provide_discovery, sync_to_thread=False)}
