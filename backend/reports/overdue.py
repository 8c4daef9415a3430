"""Open reports whose triage due date has passed (read by the notifications domain's overdue-triage sweep)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.reports.schemas import Status
from backend.reports.tables import Report


@dataclass(frozen=True)
class OverdueReport:
    """An open report past its due date: only its id, level, due date and area code (never its text)."""

    report_id: int
    tension_level: int | None
    due_at: datetime
    area_code: str


async def overdue_reports(now: datetime, limit: int = 500) -> list[OverdueReport]:
    """Open reports whose due date is before `now`, the longest overdue first."""
    rows = await (
        Report.select(Report.id, Report.tension_level, Report.due_at, Report.division_code, Report.district_code)
        .where(Report.due_at.is_not_null() & (Report.due_at < now) & (Report.status != Status.CLOSED))
        .order_by(Report.due_at)
        .limit(limit)
    )
    return [
        OverdueReport(row["id"], row["tension_level"], row["due_at"], row["division_code"] or row["district_code"])
        for row in rows
    ]
