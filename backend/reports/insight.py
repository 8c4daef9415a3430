"""Insight: reports counted by category, area and week, for officers (with early warnings) and members.

Nothing here returns report text. Members see the county and their own division only, with counts under 5 (and
any count that would let one be worked out by subtraction) hidden by `core.disclosure`, in `insight_controllers`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Count

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.reports.services import week_start
from backend.reports.tables import MemberDivision, Report
from backend.reports.warning import BASELINE_WEEKS, DivisionWarning, early_warnings
from backend.settings import Settings

TREND_WEEKS = 12


@dataclass
class Dashboard:
    """The aggregates over the last TREND_WEEKS weeks."""

    weeks: list[date]
    total: int
    by_category: dict[str, int]
    by_district: dict[str, int]
    by_division: dict[str, int]
    by_week: dict[date, int]
    by_week_category: dict[str, dict[date, int]]
    warnings: list[DivisionWarning] = field(default_factory=list)


class InsightService:
    """Aggregates read from the reports' statistics columns (category, area, week)."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    def this_week(self) -> date:
        """The Monday of the current week."""
        return week_start(self.clock.now(), self.settings.time_zone)

    async def _counts(self, columns: list[Any], since: date, division: str | None) -> list[dict[str, Any]]:
        """Reports counted by some columns from `since` on: one grouped query, answered from the index on the week,
        division, category and district alone (`COUNT(*)`: counting a column the index lacks would read the table)."""
        query = Report.select(*columns, Count(alias="n")).where(Report.week_start >= since).group_by(*columns)
        if division is not None:
            query = query.where(Report.division_code == division)
        return await query

    async def dashboard(self, division: str | None = None, *, with_warnings: bool = True) -> Dashboard:
        """Counts by category, district, division and week (optionally one division), and the early warnings.

        A few small grouped queries rather than one wide one: each answers at most a few hundred rows.
        """
        this_week = self.this_week()
        weeks = [this_week - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
        first = weeks[0]
        by_week_category: dict[str, dict[date, int]] = {}
        by_week: dict[date, int] = dict.fromkeys(weeks, 0)
        by_category: dict[str, int] = defaultdict(int)
        for row in await self._counts([Report.week_start, Report.category], first, division):
            week = _as_date(row["week_start"])
            series = by_week_category.setdefault(row["category"], dict.fromkeys(weeks, 0))
            series[week] += row["n"]
            by_week[week] = by_week.get(week, 0) + row["n"]
            by_category[row["category"]] += row["n"]
        by_area = await self._counts([Report.district_code, Report.division_code], first, division)
        by_district: dict[str, int] = defaultdict(int)
        by_division: dict[str, int] = defaultdict(int)
        for row in by_area:
            by_district[row["district_code"]] += row["n"]
            if row["division_code"]:
                by_division[row["division_code"]] += row["n"]
        warnings: list[DivisionWarning] = []
        if with_warnings:
            baseline_start = this_week - timedelta(weeks=BASELINE_WEEKS)
            past = await self._counts([Report.division_code, Report.week_start], baseline_start, division)
            current = await self._counts([Report.division_code, Report.category], this_week, division)
            rows = [(row["division_code"], _as_date(row["week_start"]), "", row["n"]) for row in past]
            rows = [row for row in rows if row[1] < this_week]
            rows += [(row["division_code"], this_week, row["category"], row["n"]) for row in current]
            warnings = early_warnings(rows, this_week)
        return Dashboard(
            weeks=weeks,
            total=sum(by_week.values()),
            by_category=dict(by_category),
            by_district=dict(by_district),
            by_division=dict(by_division),
            by_week=by_week,
            by_week_category=by_week_category,
            warnings=warnings,
        )

    async def member_division(self, user_id: int) -> str | None:
        """The division a member represents (set by an admin), if any."""
        row = await MemberDivision.select(MemberDivision.division_code).where(MemberDivision.user_id == user_id).first()
        return str(row["division_code"]) if row else None

    async def assign_member_division(self, admin: CurrentUser, user_id: int, division_code: str) -> None:
        """Record the division a member represents (an admin's decision, audited)."""
        async with write_transaction(self.engine):
            await MemberDivision.insert(MemberDivision(user_id=user_id, division_code=division_code)).on_conflict(
                target=MemberDivision.user_id,
                action="DO UPDATE",
                values=[MemberDivision.division_code],
            )
            await audit.record(
                "reports.member_division",
                actor=admin,
                subject_type="user",
                subject_id=user_id,
                details={"division": division_code},
            )


def _as_date(value: Any) -> date:
    """SQLite hands dates back as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
