"""Indexes of the search's read model (`event_listing`), and its first filling from the source tables.

On both engines: a filter that names one value (district, division, category) shares an index with the start
time, so "this district, next 7 days" reads the matching dates in order and stops. On PostgreSQL also: a
GiST index on the point for radius searches, a trigram index for free text (skipped, with a warning, when
pg_trgm cannot be created) and statistics on each bit of the bit sets (see the search_indexes migration).
The search no longer reads `event` for its filters, so the search_indexes migration's indexes and statistics on
`event` are dropped (nothing else searches by point, free text or bit); going backwards puts them back.

The filling copies what `backend.events.listing` would write, as it stood when this migration was written.
"""

from __future__ import annotations

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from backend.events.piccolo_migrations import events_2026_11_25t13_30_00_000000 as search_indexes

ID = "2026-11-25T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "listing_indexes"

LOGGER = logging.getLogger(__name__)

BITS = {"languages": 22, "suits": 3, "accessibility": 10}

INDEXES = (
    "CREATE INDEX IF NOT EXISTS event_listing_district_starts ON event_listing (district_code, starts_at)",
    "CREATE INDEX IF NOT EXISTS event_listing_division_starts ON event_listing (division_code, starts_at)",
    "CREATE INDEX IF NOT EXISTS event_listing_category_starts ON event_listing (category, starts_at)",
)
# Nearest-first radius searches: the point with longitude scaled by cos(51.7°) (the county's middle latitude),
# so `<->` orders by distance; the columns the filters read ride along, so a search needs no table rows.
POSTGRES_INDEXES = (
    "CREATE INDEX IF NOT EXISTS event_listing_point ON event_listing USING gist (point(longitude * 0.62, latitude)) "
    "INCLUDE (id, occurrence_id, starts_at, latitude, longitude, cost_pence, languages, suits, accessibility, "
    "is_online, category)",
)
TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS event_listing_search_text_trgm ON event_listing USING gin (search_text gin_trgm_ops)"
)
DROPS = (
    "DROP INDEX IF EXISTS event_listing_district_starts",
    "DROP INDEX IF EXISTS event_listing_division_starts",
    "DROP INDEX IF EXISTS event_listing_category_starts",
)
POSTGRES_DROPS = ("DROP INDEX IF EXISTS event_listing_point", "DROP INDEX IF EXISTS event_listing_search_text_trgm")

FILL = """
INSERT INTO event_listing (occurrence_id, event_id, starts_at, district_code, division_code, category, is_online,
    cost_pence, languages, suits, accessibility, latitude, longitude, search_text)
SELECT o.id, e.id, o.starts_at, e.district_code, e.division_code, e.category, e.is_online,
    e.cost_pence, e.languages, e.suits, e.accessibility, e.latitude, e.longitude, e.search_text
FROM event_occurrence o
JOIN event e ON e.id = o.event
JOIN organisation g ON g.id = e.organisation_id
WHERE o.status = 'scheduled' AND e.status = 'published' AND g.status = 'verified'
"""


def _statistics() -> list[tuple[str, str]]:
    return [
        (f"event_listing_{column}_bit{bit}", f"({column} & {1 << bit})")
        for column, bits in BITS.items()
        for bit in range(bits)
    ]


async def _trigram_index(engine) -> None:  # type: ignore[no-untyped-def]
    """The index, or a warning: inside the migration's transaction, behind a savepoint."""
    in_transaction = engine.current_transaction.get() is not None
    if in_transaction:
        await engine.run_ddl("SAVEPOINT events_listing_trigram")
    try:
        await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        await engine.run_ddl(TRIGRAM_INDEX)
    except Exception as error:  # noqa: BLE001 - any failure (no extension, no privilege) only skips the index
        if in_transaction:
            await engine.run_ddl("ROLLBACK TO SAVEPOINT events_listing_trigram")
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        LOGGER.warning("pg_trgm is not available (%s): free-text search runs without its trigram index", reason)
    else:
        if in_transaction:
            await engine.run_ddl("RELEASE SAVEPOINT events_listing_trigram")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def add() -> None:
        engine = Finder().get_engine()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)
        await engine.run_ddl("DELETE FROM event_listing")
        await engine.run_ddl(FILL)
        if engine.engine_type != "postgres":
            return
        for statement in POSTGRES_INDEXES:
            await engine.run_ddl(statement)
        await _trigram_index(engine)
        for name, expression in _statistics():
            await engine.run_ddl(f"CREATE STATISTICS IF NOT EXISTS {name} ON {expression} FROM event_listing")
        await engine.run_ddl("ANALYZE event_listing")
        for step in (await search_indexes.forwards()).raw_backwards:  # drop what only the old search used
            await step()

    async def remove() -> None:
        engine = Finder().get_engine()
        assert engine is not None
        if engine.engine_type == "postgres":
            for name, _ in _statistics():
                await engine.run_ddl(f"DROP STATISTICS IF EXISTS {name}")
            for statement in POSTGRES_DROPS:
                await engine.run_ddl(statement)
        for statement in DROPS:
            await engine.run_ddl(statement)
        for step in (await search_indexes.forwards()).raw:
            await step()

    manager.add_raw(add)
    manager.add_raw_backwards(remove)
    return manager
