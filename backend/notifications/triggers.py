"""The pushes other domains trigger, one function per happening, each called inside the transaction that makes
the change (so the push job commits, or rolls back, with it). The domains call one line; what is said, to whom and
under which dedupe key is decided here.

Never put what a resident wrote (a report's text) into a push: pushes show on lock screens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.core.i18n import N_
from backend.notifications import topics
from backend.notifications.push import Audience, catalogues, queue_push
from backend.notifications.subscriptions import device_id
from backend.notifications.tables import ExchangeDevice, PushSubscription, ReportDevice
from backend.reports.overdue import overdue_reports

URGENT_LEVELS = frozenset({4, 5})
DESK_PATH = "/desk/reports"
UPDATES_PATH = "/you-said-we-did"
REPORTS_PATH = "/reports"
EXCHANGES_PATH = "/exchanges"
# What a reporter's device is told when their report moves on (never what was written, by them or an officer).
REPORT_CHANGES: dict[str, str] = {
    "triaged": N_("An officer has looked at your report."),
    "in_progress": N_("Your report is being worked on."),
    "referred": N_("Your report has been passed to people who can help."),
    "closed": N_("Your report has been closed."),
    "reopened": N_("Your report has been reopened."),
    "reply": N_("An officer has replied to your report. Open your private link to read it."),
}


async def report_triaged(report_id: int, level: int, area_code: str) -> bool:
    """A report was triaged: at level 4 or 5, officers who chose urgent reports hear of it (once per report and
    level). `area_code` is the report's division or district code (never its text)."""
    if level not in URGENT_LEVELS:
        return False
    return await queue_push(
        Audience(topic=topics.OFFICER_URGENT_REPORTS, role="officer"),
        "officer_urgent_report",
        {"level": level, "area": {"ltr": area_code or "—"}},
        url=f"{DESK_PATH}/{report_id}",
        dedupe_key=f"report-urgent:{report_id}:{level}",
    )


async def update_published(update_id: int, heard: dict[str, str]) -> bool:
    """A "You said, we did" entry was published: devices that chose it hear what was heard, in their language."""
    return await queue_push(
        Audience(topic=topics.YOU_SAID_WE_DID),
        "you_said_we_did",
        {"summary": {locale: _short(text) for locale, text in heard.items() if text}},
        url=UPDATES_PATH,
        dedupe_key=f"you-said-we-did:{update_id}",
    )


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def sweep_overdue_triage(now: datetime) -> int:
    """Officers who chose overdue triage hear of each open report past its due date, once per report and due
    date (a re-triage sets a new date, which may fall overdue again). Returns how many were queued."""
    queued = 0
    for report in await overdue_reports(now):
        queued += await queue_push(
            Audience(topic=topics.OFFICER_OVERDUE_TRIAGE, role="officer"),
            "officer_overdue_triage",
            {"count": 1},
            url=f"{DESK_PATH}/{report.report_id}",
            dedupe_key=f"report-overdue:{report.report_id}:{report.due_at.astimezone(UTC).isoformat()}",
        )
    return queued


async def report_made(report_id: int, device_token: str | None) -> None:
    """A report was made: remember the device it came from (its subscription's id, found from the device's
    settings cookie), if it has one. Nothing is kept for a device without push."""
    subscription_id = await device_id(device_token)
    if subscription_id is not None:
        await ReportDevice.insert(ReportDevice(report_id=report_id, subscription_id=subscription_id))


async def report_changed(report_id: int, change: str, change_key: str) -> bool:
    """A report moved on (`change`: a key of REPORT_CHANGES): the device it was made from hears of it, if it chose
    report updates. `change_key` tells one change from the next (a time, a message id): each is pushed once."""
    row = await ReportDevice.select(ReportDevice.subscription_id).where(ReportDevice.report_id == report_id).first()
    if row is None:
        return False
    summary = {locale: catalogue.gettext(REPORT_CHANGES[change]) for locale, catalogue in catalogues().items()}
    return await queue_push(
        Audience(topic=topics.REPORT_UPDATES, device_ids=(row["subscription_id"],)),
        "report_update",
        {"summary": summary},
        url=REPORTS_PATH,
        dedupe_key=f"report-update:{report_id}:{change}:{change_key}",
    )


async def forget_report_devices(report_ids: list[int]) -> None:
    """Reports deleted (retention): their devices are forgotten with them."""
    if report_ids:
        await ReportDevice.delete().where(ReportDevice.report_id.is_in(report_ids))


async def exchange_request_made(request_id: int, device_token: str | None) -> None:
    """A Listening Exchange request was made: remember the device it came from (its subscription's id), if any."""
    subscription_id = await device_id(device_token)
    if subscription_id is not None:
        await ExchangeDevice.insert(ExchangeDevice(request_id=request_id, subscription_id=subscription_id))


async def exchange_reminder(request_id: int, user_id: int | None, starts_at: datetime, hours: int) -> bool:
    """A reminder `hours` before a matched slot, by push to the resident's devices that chose reminders (linked
    to their account, or the device the request was made from). False: no such device, send it by email."""
    linked = await ExchangeDevice.select(ExchangeDevice.subscription_id).where(ExchangeDevice.request_id == request_id)
    mine: Any = PushSubscription.id.is_in([row["subscription_id"] for row in linked] or [0])
    if user_id is not None:
        mine |= PushSubscription.user_id == user_id
    rows = await PushSubscription.select(PushSubscription.id).where(
        mine & PushSubscription.topics.like(f"%,{topics.REMINDERS},%")
    )
    if not rows:
        return False
    await queue_push(
        Audience(topic=topics.REMINDERS, device_ids=tuple(sorted(row["id"] for row in rows))),
        "exchange_reminder",
        {"when": {"when": starts_at.isoformat()}},
        url=EXCHANGES_PATH,
        dedupe_key=f"exchange-reminder:{request_id}:{starts_at.astimezone(UTC).isoformat()}:{hours}",
    )
    return True


async def forget_exchange_devices(request_ids: list[int]) -> None:
    """Requests' identifying data purged (retention): their devices are forgotten with them."""
    if request_ids:
        await ExchangeDevice.delete().where(ExchangeDevice.request_id.is_in(request_ids))
