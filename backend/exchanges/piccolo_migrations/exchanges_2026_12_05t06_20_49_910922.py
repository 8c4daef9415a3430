from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T06:20:49:910922"
VERSION = "1.38.0"
DESCRIPTION = "slot_sequence"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="exchanges", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ExchangeSlot",
        tablename="exchange_slot",
        column_name="sequence",
        db_column_name="sequence",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
