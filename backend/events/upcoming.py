"""The dates about to happen: what reminders need to find (read side, no writes)."""

from __future__ import annotations

from datetime import datetime

from backend.events.tables import Occurrence


async def occurrences_starting(after: datetime, until: datetime) -> list[int]:
    """Ids of scheduled dates of published events that start after `after` and no later than `until`."""
    rows = await Occurrence.select(Occurrence.id).where(
        (Occurrence.starts_at > after)
        & (Occurrence.starts_at <= until)
        & (Occurrence.status == "scheduled")
        & (Occurrence.event.status == "published")
    )
    return [row["id"] for row in rows]
