"""Browser journeys run in their own pytest process: `.venv/bin/pytest tests/e2e`.

Fixtures are imported here rather than listed in `pytest_plugins`, which pytest only honours in the rootdir's
conftest (and the top-level conftest must not start browsers for the server-side suite).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.app import create_app
from backend.settings import Settings
from tests.support.browser import browser, new_context, page, playwright
from tests.support.live_server import live_server, live_server_data
from tests.support.pages import Page, public_pages

__all__ = ["browser", "live_server", "live_server_data", "new_context", "page", "playwright", "site_pages"]


@pytest.fixture(scope="session")
def site_pages(live_server_data: tuple[str, Path]) -> list[Page]:
    """Every public HTML page of the app, discovered from its routes (tests/support/pages.py)."""
    database_url, data_dir = live_server_data
    settings = Settings.from_env(
        {"DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    )
    return public_pages(create_app(settings))
