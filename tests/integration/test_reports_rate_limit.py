"""Abuse resistance without identifying anyone: the app's limit on anonymous writes applies to reports."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.reports.tables import Report
from backend.settings import Settings
from tests.support.reports import send_report


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three anonymous writes a minute, so the fourth is refused."""
    return settings.with_overrides(anonymous_posts_per_minute=3)


async def test_a_fourth_report_in_a_minute_is_refused(client: AsyncTestClient[Litestar]) -> None:
    answers = [(await send_report(client, description=f"Report number {n}")).status_code for n in range(4)]
    assert answers == [303, 303, 303, 429]
    assert await Report.count() == 3
