"""`python -m backend.areas.import_onspd <ONSPD.csv>`: exact postcode → division lookups for all of Oxfordshire.

Download the ONS Postcode Directory (the single-file CSV, "ONSPD_<month>_<year>_UK.csv") from the ONS
Open Geography Portal. The import keeps live Oxfordshire postcodes and is safe to run again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from backend.areas.schemas import OnspdImportSummary
from backend.areas.services import import_onspd
from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.settings import Settings


async def run(path: Path, settings: Settings) -> OnspdImportSummary:
    """Import the file into DATABASE_URL."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        return await import_onspd(path, engine)
    finally:
        await close_engine(engine)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and import one file."""
    parser = argparse.ArgumentParser(prog="python -m backend.areas.import_onspd", description=__doc__)
    parser.add_argument("path", type=Path, help="the ONS Postcode Directory CSV")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        parser.error(f"no such file: {args.path}")
    summary = asyncio.run(run(args.path, Settings.from_env()))
    sys.stdout.write(
        f"read {summary.rows_read} rows: {summary.imported} Oxfordshire postcodes imported, "
        f"{summary.skipped_outside} outside Oxfordshire, {summary.skipped_unusable} terminated or without a location\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
