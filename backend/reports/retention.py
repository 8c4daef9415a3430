"""Retention: contact details deleted some days after a report is closed; free text removed after a year.

Category, area and dates stay, for statistics. Run daily by the worker's purge (jobs.CLEANUPS); the
periods come from settings (REPORT_CONTACT_RETENTION_DAYS, REPORT_TEXT_RETENTION_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.db import write_transaction
from backend.notifications import triggers as push_triggers
from backend.reports.tables import Referral, Report, ReportContact, ReportMessage

REMOVED = ""


@dataclass(frozen=True)
class RetentionResult:
    """What one run removed."""

    contacts_deleted: int
    texts_removed: int


async def apply_retention(engine: Engine[Any], now: datetime, *, contact_days: int, text_days: int) -> RetentionResult:
    """Delete contact details of reports closed over `contact_days` ago; remove free text over `text_days` old."""
    closed_before = now - timedelta(days=contact_days)
    made_before = now - timedelta(days=text_days)
    async with write_transaction(engine):
        closed = await Report.select(Report.id).where((Report.status == "closed") & (Report.closed_at < closed_before))
        closed_ids = [row["id"] for row in closed]
        deleted = (
            await ReportContact.delete().where(ReportContact.report_id.is_in(closed_ids)).returning(ReportContact.id)
            if closed_ids
            else []
        )
        old = await Report.select(Report.id).where((Report.created_at < made_before) & Report.text_removed_at.is_null())
        old_ids = [row["id"] for row in old]
        if old_ids:
            await Report.update(
                {
                    Report.description: REMOVED,
                    Report.impact: REMOVED,
                    Report.place_description: REMOVED,
                    Report.redacted_description: None,
                    Report.redacted_impact: None,
                    Report.text_removed_at: now,
                }
            ).where(Report.id.is_in(old_ids))
            await ReportMessage.update({ReportMessage.body: REMOVED}).where(ReportMessage.report_id.is_in(old_ids))
            await Referral.update({Referral.shared: REMOVED}).where(Referral.report_id.is_in(old_ids))
            # Old reports keep no contact either, whatever their state.
            deleted += (
                await ReportContact.delete().where(ReportContact.report_id.is_in(old_ids)).returning(ReportContact.id)
            )
        await push_triggers.forget_report_devices(closed_ids + old_ids)
        if deleted or old_ids:
            await audit.record(
                "reports.retention",
                actor=None,
                actor_label="retention",
                actor_role="system",
                details={"contacts_deleted": len(deleted), "texts_removed": len(old_ids)},
            )
    return RetentionResult(contacts_deleted=len(deleted), texts_removed=len(old_ids))
