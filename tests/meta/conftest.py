"""Meta-tests look at the whole app; they run on one migrated and seeded SQLite file (engine parity is the
integration tests' job, and the migration-parity test's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings
from tests.support.databases import new_sqlite_database, run_cli


@pytest.fixture(scope="session")
def sqlite_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for an app on a fresh SQLite file, migrated and seeded by the CLI as `setup` does."""
    data_dir: Path = tmp_path_factory.mktemp("meta-data")
    url = new_sqlite_database(data_dir)
    run_cli(url, "setup", data_dir=data_dir)
    return Settings.from_env(
        {
            "DATABASE_URL": url,
            "HEARBY_DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "HEARBY_ENV": "test",
            "STRICT_TEMPLATES": "true",
        }
    )
