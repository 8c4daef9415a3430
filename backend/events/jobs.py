"""Daily clean-up for events (imported by the worker at start): search rows of dates that have started."""

from __future__ import annotations

from datetime import datetime

from backend.core.outbox import register_cleanup
from backend.events.listing import purge_started


async def _purge_listing(now: datetime) -> None:
    await purge_started(now)


register_cleanup("events.listing", _purge_listing)
