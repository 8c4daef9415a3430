"""A private link to one's place on a waitlist: `waitlist_entry.place_token_hash` (nullable, unique).

Generated with PostgreSQL active. SQLite refuses `ALTER TABLE … ADD COLUMN … UNIQUE` ("Cannot add a UNIQUE
column"), so there the column is added plain and made unique by a unique index of the name PostgreSQL gives
the constraint (a UNIQUE constraint is a unique index on SQLite anyway). PostgreSQL gets the column exactly as
Piccolo declares it, which is also what later auto-migrations (generated on PostgreSQL) compare against.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.conf.apps import Finder

ID = "2026-11-25T14:30:28:493523"
VERSION = "1.38.0"
DESCRIPTION = "waitlist_place_token"

SQLITE_FORWARDS = (
    'ALTER TABLE "waitlist_entry" ADD COLUMN "place_token_hash" VARCHAR(64) DEFAULT null',
    'CREATE UNIQUE INDEX IF NOT EXISTS "waitlist_entry_place_token_hash_key" '
    'ON "waitlist_entry" ("place_token_hash")',
)
SQLITE_BACKWARDS = (
    'DROP INDEX IF EXISTS "waitlist_entry_place_token_hash_key"',
    'ALTER TABLE "waitlist_entry" DROP COLUMN "place_token_hash"',
)


def _sqlite_engine():
    engine = Finder().get_engine()
    return engine if engine is not None and engine.engine_type == "sqlite" else None


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="bookings", description=DESCRIPTION
    )

    sqlite = _sqlite_engine()
    if sqlite is not None:

        async def add() -> None:
            for statement in SQLITE_FORWARDS:
                await sqlite.run_ddl(statement)

        async def remove() -> None:
            for statement in SQLITE_BACKWARDS:
                await sqlite.run_ddl(statement)

        manager.add_raw(add)
        manager.add_raw_backwards(remove)
        return manager

    manager.add_column(
        table_class_name="WaitlistEntry",
        tablename="waitlist_entry",
        column_name="place_token_hash",
        db_column_name="place_token_hash",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
