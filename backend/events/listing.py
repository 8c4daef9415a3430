"""Keeping the search's read model (`event_listing`, see `tables.Listing`) in step with the source tables.

`refresh(event_ids)` rewrites the rows of those events from `event` and `event_occurrence` with one DELETE
and one INSERT … SELECT, inside the caller's write transaction, so a change and what residents can find
never disagree. Every write of the events service that touches an event or its dates ends with it; an
organisation's verification or rejection refreshes all of its events through `refresh_organisation`, which
`backend/wiring.py` hands to the accounts domain as a hook.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from backend.accounts.organisations import verified_organisation_ids
from backend.events.tables import Event, Listing

_COLUMNS = (
    "occurrence_id, event_id, starts_at, district_code, division_code, category, is_online, "
    "cost_pence, languages, suits, accessibility, latitude, longitude, search_text"
)
_SOURCE = (
    "SELECT o.id, e.id, o.starts_at, e.district_code, e.division_code, e.category, e.is_online, "
    "e.cost_pence, e.languages, e.suits, e.accessibility, e.latitude, e.longitude, e.search_text "
    "FROM event_occurrence o JOIN event e ON e.id = o.event "
    "WHERE o.status = 'scheduled' AND e.status = 'published'"
)


def _id_list(ids: Iterable[int]) -> str:
    """Integers only, so inlining them is safe (asyncpg and SQLite have no portable list parameter)."""
    return ", ".join(str(int(value)) for value in ids) or "0"


async def _fill(events: str, organisations: Iterable[int] | None = None) -> None:
    """Insert the listing rows of the events this condition on `e` picks (those of verified organisations);
    `organisations`, when known, are the only ones those events can belong to."""
    verified = await verified_organisation_ids(among=organisations)
    if verified:
        await Listing.raw(
            f"INSERT INTO event_listing ({_COLUMNS}) {_SOURCE} "
            f"AND {events} AND e.organisation_id IN ({_id_list(verified)})"
        )


async def refresh(event_ids: Iterable[int]) -> None:
    """Rewrite the listing rows of these events (inside the caller's transaction)."""
    ids = sorted(set(event_ids))
    if ids:
        await Listing.delete().where(Listing.event_id.is_in(ids))
        owners = await Event.select(Event.organisation_id).where(Event.id.is_in(ids)).distinct()
        await _fill(f"e.id IN ({_id_list(ids)})", [row["organisation_id"] for row in owners])


async def refresh_organisation(organisation_id: int) -> None:
    """After an organisation is verified or rejected: its events appear in, or leave, the search."""
    rows = await Event.select(Event.id).where(Event.organisation_id == organisation_id)
    await refresh(row["id"] for row in rows)


async def rebuild() -> int:
    """Rewrite the whole listing from the source tables (for data loaded around the service); returns the rows."""
    await Listing.delete(force=True)
    await _fill("1 = 1")
    return int(await Listing.count())


async def purge_started(before: datetime) -> int:
    """Drop the rows of dates that started before this time (the search skips them anyway); returns how many."""
    rows = await Listing.delete().where(Listing.starts_at < before).returning(Listing.id)
    return len(rows)
