"""Indexes for the officers' dashboard and the desk queue (measured with 100,000 reports: bench/reports_bench.py).

- `tension_report_insight (week_start, division_code, category, district_code)`: every insight count filters on
  the week and groups by some of the other three, so it is answered from the index alone (an index-only scan)
  instead of visiting a table row per report (with 100,000 reports, ~3,400 table pages for 12 weeks).
- `tension_report_queue (status, category)`: the queue's counts (how many match, how many in each state).
- `tension_report_urgency (tension_level DESC, created_at)`: the queue's order (most urgent, then oldest), so a
  page of 50 reads 50 rows in order instead of sorting every match.

Plain composite indexes, the same on SQLite and PostgreSQL (Piccolo's tables declare single-column indexes only).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

ID = "2026-12-05T06:28:03:668570"
VERSION = "1.38.0"
DESCRIPTION = "query_indexes"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS tension_report_insight "
    "ON tension_report (week_start, division_code, category, district_code)",
    "CREATE INDEX IF NOT EXISTS tension_report_queue ON tension_report (status, category)",
    "CREATE INDEX IF NOT EXISTS tension_report_urgency ON tension_report (tension_level DESC, created_at)",
)
DROPS = (
    "DROP INDEX IF EXISTS tension_report_insight",
    "DROP INDEX IF EXISTS tension_report_queue",
    "DROP INDEX IF EXISTS tension_report_urgency",
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="reports", description=DESCRIPTION
    )

    async def add() -> None:
        engine = Finder().get_engine()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    async def remove() -> None:
        engine = Finder().get_engine()
        assert engine is not None
        for statement in DROPS:
            await engine.run_ddl(statement)

    manager.add_raw(add)
    manager.add_raw_backwards(remove)
    return manager
