"""When a session's scheduled work falls due, and whether a job that fires still fits the session as it stands.

The cut-off's matching run, the reminders (24 and 2 hours before) and the after and follow-up invitations are
outbox jobs due at times taken from the session. When an officer moves a session, jobs are queued for the new
times (their keys carry the time, so each is queued once however often the move is saved), and the jobs queued
for the old times do nothing when they fire: each handler checks the session as it is now (`cut_off_due`,
`reminder_due`, `survey_due`). A reminder's email key carries the start it announces, so a job for a session
moved earlier that fires late repeats nothing already sent; a survey invitation's email key is once per person
and wave, whatever the time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.core.outbox import enqueue
from backend.exchanges.common import (
    AFTER,
    CUT_OFF,
    FOLLOW_UP,
    FOLLOW_UP_AFTER,
    REMINDER,
    REMINDERS_BEFORE,
    SURVEY_INVITE,
)


def moment_key(moment: datetime) -> str:
    """A time as it appears in an idempotency key (UTC, ISO 8601)."""
    return moment.astimezone(UTC).isoformat()


async def schedule_cut_off(slot_id: int, cut_off_at: datetime) -> None:
    """The matching run at a session's cut-off (inside the caller's transaction)."""
    await enqueue(
        CUT_OFF, f"exchange-cut-off:{slot_id}:{moment_key(cut_off_at)}", {"slot_id": slot_id}, due_at=cut_off_at
    )


async def schedule_reminders(pair_id: int, request_id: int, starts_at: datetime, now: datetime) -> None:
    """The reminders still ahead of a start (inside the caller's transaction)."""
    for before in REMINDERS_BEFORE:
        due = starts_at - before
        if due > now:
            hours = int(before.total_seconds() // 3600)
            await enqueue(
                REMINDER,
                f"exchange-reminder:{pair_id}:{request_id}:{hours}:{moment_key(starts_at)}",
                {"pair_id": pair_id, "request_id": request_id, "hours": hours},
                due_at=due,
            )


async def schedule_surveys(request_id: int, slot_id: int, ends_at: datetime, pair_id: int = 0) -> None:
    """The after and follow-up invitations, at the end and four weeks later (inside the caller's transaction)."""
    for wave, due in ((AFTER, ends_at), (FOLLOW_UP, ends_at + FOLLOW_UP_AFTER)):
        await enqueue(
            SURVEY_INVITE,
            f"exchange-survey:{request_id}:{wave}:{pair_id}:{moment_key(ends_at)}",
            {"request_id": request_id, "wave": wave, "pair_id": pair_id, "slot_id": slot_id},
            due_at=due,
        )


def cut_off_due(cut_off_at: datetime, matched_at: datetime | None, now: datetime) -> bool:
    """The cut-off has come, and its run has not already been made (a cut-off moved later fires early)."""
    return now >= cut_off_at and (matched_at is None or matched_at < cut_off_at)


def reminder_due(starts_at: datetime, hours: int, now: datetime) -> bool:
    """Within `hours` of the start and not yet started (a session moved later fires its old reminders early)."""
    return starts_at - timedelta(hours=hours) <= now < starts_at


def survey_due(ends_at: datetime, wave: str, now: datetime) -> bool:
    """The session has ended (after), or four weeks have passed (follow-up)."""
    return now >= (ends_at if wave == AFTER else ends_at + FOLLOW_UP_AFTER)
