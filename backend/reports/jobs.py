"""Background work of the reports domain: the daily retention run (a cleanup hook of the worker's purge)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.reports.retention import apply_retention
from backend.reports.tables import Report
from backend.settings import Settings


async def _retention(now: datetime) -> None:
    settings = Settings.from_env()
    engine: Engine[Any] = Report._meta.db
    await apply_retention(
        engine,
        now,
        contact_days=settings.report_contact_retention_days,
        text_days=settings.report_text_retention_days,
    )


JOB_HANDLERS: dict[str, Any] = {}
CLEANUPS: dict[str, Callable[[datetime], Awaitable[None]]] = {"reports.retention": _retention}
