"""Information a reporter adds is stored once: `tension_report_message.request_key` (nullable, unique).

Generated with PostgreSQL active. SQLite refuses `ALTER TABLE … ADD COLUMN … UNIQUE` ("Cannot add a UNIQUE
column"), so there the column is added plain and made unique by a unique index of the name PostgreSQL gives
the constraint (a UNIQUE constraint is a unique index on SQLite anyway). PostgreSQL gets the column exactly as
Piccolo declares it, which is also what later auto-migrations (generated on PostgreSQL) compare against.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.conf.apps import Finder

ID = "2026-12-05T05:54:05:796627"
VERSION = "1.38.0"
DESCRIPTION = "information_key"

SQLITE_FORWARDS = (
    'ALTER TABLE "tension_report_message" ADD COLUMN "request_key" VARCHAR(64) DEFAULT null',
    'CREATE UNIQUE INDEX IF NOT EXISTS "tension_report_message_request_key_key" '
    'ON "tension_report_message" ("request_key")',
)
SQLITE_BACKWARDS = (
    'DROP INDEX IF EXISTS "tension_report_message_request_key_key"',
    'ALTER TABLE "tension_report_message" DROP COLUMN "request_key"',
)


def _sqlite_engine():
    engine = Finder().get_engine()
    return engine if engine is not None and engine.engine_type == "sqlite" else None


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="reports", description=DESCRIPTION
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
        table_class_name="ReportMessage",
        tablename="tension_report_message",
        column_name="request_key",
        db_column_name="request_key",
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
