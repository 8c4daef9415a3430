"""Search indexes and statistics on PostgreSQL (a no-op on SQLite; tables and columns are unchanged).

- A GiST index on `point(longitude, latitude)`: a radius search reads only the events in its bounding box
  (the search adds `point(...) <@ box(...)` on PostgreSQL).
- A trigram (pg_trgm) GIN index on `event.search_text` for the `LIKE '%term%'` free-text search; skipped,
  with a warning, when the extension cannot be created.
- Statistics on each bit of the bit sets (`(languages & 2)`, …): without them PostgreSQL guesses that
  `(languages & 2) = 2` matches 0.5% of events and plans as if a filter were rare.
"""

from __future__ import annotations

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

ID = "2026-11-25T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_indexes"

LOGGER = logging.getLogger(__name__)

# Bits per bit-set column when this migration was written (events/schemas.py).
BITS = {"languages": 22, "suits": 3, "accessibility": 10}

INDEXES = ("CREATE INDEX IF NOT EXISTS event_point ON event USING gist (point(longitude, latitude))",)
TRIGRAM_INDEX = "CREATE INDEX IF NOT EXISTS event_search_text_trgm ON event USING gin (search_text gin_trgm_ops)"
DROPS = (
    "DROP INDEX IF EXISTS event_point",
    "DROP INDEX IF EXISTS event_search_text_trgm",
)


def _statistics() -> list[tuple[str, str]]:
    """(name, column & bit) for each bit of each bit set."""
    return [(f"event_{column}_bit{bit}", f"({column} & {1 << bit})") for column, bits in BITS.items() for bit in range(bits)]


def _postgres_engine():  # type: ignore[no-untyped-def]
    engine = Finder().get_engine()
    return engine if engine is not None and engine.engine_type == "postgres" else None


async def _trigram_index(engine) -> None:  # type: ignore[no-untyped-def]
    """The extension and the index, or a warning: inside the migration's transaction, behind a savepoint."""
    in_transaction = engine.current_transaction.get() is not None
    if in_transaction:
        await engine.run_ddl("SAVEPOINT events_trigram")
    try:
        await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        await engine.run_ddl(TRIGRAM_INDEX)
    except Exception as error:  # noqa: BLE001 - any failure (no extension, no privilege) only skips the index
        if in_transaction:
            await engine.run_ddl("ROLLBACK TO SAVEPOINT events_trigram")
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        LOGGER.warning("pg_trgm is not available (%s): free-text search runs without its trigram index", reason)
        print(f"\n    pg_trgm is not available ({reason}): skipped the trigram index on event.search_text")
    else:
        if in_transaction:
            await engine.run_ddl("RELEASE SAVEPOINT events_trigram")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)

    async def add() -> None:
        engine = _postgres_engine()
        if engine is None:
            return
        for statement in INDEXES:
            await engine.run_ddl(statement)
        await _trigram_index(engine)
        for name, expression in _statistics():
            await engine.run_ddl(f"CREATE STATISTICS IF NOT EXISTS {name} ON {expression} FROM event")
        await engine.run_ddl("ANALYZE event")

    async def remove() -> None:
        engine = _postgres_engine()
        if engine is None:
            return
        for name, _ in _statistics():
            await engine.run_ddl(f"DROP STATISTICS IF EXISTS {name}")
        for statement in DROPS:
            await engine.run_ddl(statement)

    manager.add_raw(add)
    manager.add_raw_backwards(remove)
    return manager
