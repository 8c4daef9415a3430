"""Retention with the clock moved on: contact details go 90 days after closure, free text after 12 months."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend import wiring
from backend.core.clock import SettableClock
from backend.reports.retention import apply_retention
from backend.reports.tables import Report, ReportContact, ReportMessage
from tests.support.reports import send_report, token_of


async def test_contacts_go_90_days_after_closure_and_text_after_a_year(
    client: AsyncTestClient[Litestar], app: Litestar, clock: SettableClock
) -> None:
    engine = app.state["engine"]
    token = token_of(await send_report(client, email="closed@example.org"))
    token_of(await send_report(client, email="open@example.org", description="Still being looked at."))
    closed_id, open_id = [row["id"] for row in await Report.select(Report.id).order_by(Report.id)]
    await client.post(f"/reports/r/{token}/add", data={})  # no CSRF: refused, adds nothing
    await ReportMessage.insert(ReportMessage(report_id=closed_id, author="reporter", body="More detail"))
    closed_at = clock.now()
    await Report.update({Report.status: "closed", Report.outcome: "resolved", Report.closed_at: closed_at}).where(
        Report.id == closed_id
    )

    day_89 = closed_at + timedelta(days=89)
    assert (await apply_retention(engine, day_89, contact_days=90, text_days=365)).contacts_deleted == 0
    day_91 = closed_at + timedelta(days=91)
    result = await apply_retention(engine, day_91, contact_days=90, text_days=365)
    assert (result.contacts_deleted, result.texts_removed) == (1, 0)
    assert [row["report_id"] for row in await ReportContact.select(ReportContact.report_id)] == [open_id]

    year_on = closed_at + timedelta(days=366)
    result = await apply_retention(engine, year_on, contact_days=90, text_days=365)
    assert (result.contacts_deleted, result.texts_removed) == (1, 2)
    rows = await Report.select(Report.description, Report.impact, Report.category, Report.division_code)
    assert {row["description"] for row in rows} == {""}
    assert {row["impact"] for row in rows} == {""}
    assert {row["category"] for row in rows} == {"rumour"}  # kept for statistics
    assert {row["division_code"] for row in rows} == {"E58002094"}
    assert {row["body"] for row in await ReportMessage.select(ReportMessage.body)} == {""}
    assert await ReportContact.count() == 0
    again = await apply_retention(engine, year_on + timedelta(days=1), contact_days=90, text_days=365)
    assert (again.contacts_deleted, again.texts_removed) == (0, 0)


async def test_the_daily_purge_runs_the_reports_retention(client: AsyncTestClient[Litestar]) -> None:
    assert "reports.retention" in wiring.cleanups()
