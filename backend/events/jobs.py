"""Daily clean-up for events (listed in `backend/wiring.py`): search rows of dates that have started."""

from __future__ import annotations

from datetime import datetime

from backend.events.listing import purge_started
from backend.notifications.delivery import CleanupHook, Handler, JobContext


async def purge_listing(now: datetime, _context: JobContext) -> None:
    """Drop the search rows of dates that have started."""
    await purge_started(now)


JOB_HANDLERS: dict[str, Handler] = {}
CLEANUPS: dict[str, CleanupHook] = {"events.listing": purge_listing}
