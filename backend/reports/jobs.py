"""Background work of the reports domain (listed in `backend/wiring.py`): the daily retention run, a cleanup of
the worker's purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.notifications.delivery import CleanupHook, Handler, JobContext
from backend.reports.retention import apply_retention
from backend.reports.tables import Report


async def _retention(now: datetime, context: JobContext) -> None:
    engine: Engine[Any] = Report._meta.db
    await apply_retention(
        engine,
        now,
        contact_days=context.settings.report_contact_retention_days,
        text_days=context.settings.report_text_retention_days,
    )


JOB_HANDLERS: dict[str, Handler] = {}
CLEANUPS: dict[str, CleanupHook] = {"reports.retention": _retention}
