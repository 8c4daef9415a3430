"""The application under test, built by create_app with settings for the database being tested."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.core.clock import SettableClock
from backend.core.db import close_engine, open_engine
from backend.settings import Settings
from tests.support.databases import all_table_classes
from tests.support.events import assert_listing_in_step

# Reference data loaded by migrations/setup, kept between tests.
KEEP_TABLES = frozenset({"district", "division", "postcode_district", "postcode_point", "migration"})


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings as the embedded default would have them, pointed at the test database."""
    data_dir: Path = tmp_path_factory.mktemp("app-data")
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "HEARBY_DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "HEARBY_ENV": "test",
            "DATABASE_POOL_SIZE": "10",
            "STRICT_TEMPLATES": "true",
        }
    )


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock, which tests move forward to test expiry and timeouts."""
    return SettableClock()


@pytest.fixture
def app(settings: Settings, clock: SettableClock) -> Litestar:
    """A fresh application for each test."""
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """An HTTP client talking to the app in-process, with its lifespan running.

    The client serves requests (and runs the lifespan, which opens the app's PostgreSQL pool) on a portal
    loop of its own; the test's own queries run on the test's loop, which gets its own pool here (the engine
    keeps one per loop). A new connection per query costs about 12 ms, most of the suite's time otherwise.
    """
    engine = app.state["engine"]
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as test_client:
        await open_engine(engine, pool_size=10)
        try:
            yield test_client
            await assert_listing_in_step()
        finally:
            for table in reversed(all_table_classes()):
                if table._meta.tablename not in KEEP_TABLES:
                    await table.delete(force=True)
            await close_engine(engine)
