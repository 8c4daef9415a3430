"""The pushes other domains trigger, one function per happening, each called inside the transaction that makes
the change (so the push job commits, or rolls back, with it). The domains call one line; what is said, to whom and
under which dedupe key is decided here.

Never put what a resident wrote (a report's text) into a push: pushes show on lock screens.
"""

from __future__ import annotations

from datetime import UTC, datetime

from backend.notifications import topics
from backend.notifications.push import Audience, queue_push
from backend.reports.overdue import overdue_reports

URGENT_LEVELS = frozenset({4, 5})
DESK_PATH = "/desk/reports"
UPDATES_PATH = "/you-said-we-did"


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
