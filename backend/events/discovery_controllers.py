"""Residents find events: wiring of the pages (`discovery_pages.py`) and the JSON API (`discovery_api.py`).

The anonymous page cache is `page_cache.py`; the search itself is `discovery.DiscoveryService`.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from backend.events.discovery import DiscoveryService
from backend.events.discovery_api import EventsApi
from backend.events.discovery_pages import EventPages


def provide_discovery(state: State) -> DiscoveryService:
    """The read side of events, bound to the app's engine."""
    settings = state["settings"]
    return DiscoveryService(state["engine"], time_zone=settings.time_zone, base_url=settings.base_url)


ROUTE_HANDLERS: list[Any] = [EventPages, EventsApi]
DEPENDENCIES: dict[str, Provide] = {"discovery": Provide(provide_discovery, sync_to_thread=False)}
