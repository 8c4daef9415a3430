"""Outbox job handlers of the notifications domain (listed in `backend/wiring.py`).

- `push_fanout` (from `push.queue_push`): one `push` job per device that chose the audience's topic.
- `push` (run in batches, concurrently): hand one notification to one device's push service.
- `push_reminders` (every few minutes, key `push_reminders:<slot>`): queue the reminders that are due.
- `new_event` (from `new_events.event_published`, after its hold): the push of a new event to its followers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.core.db import write_transaction
from backend.core.outbox import ClaimedJob
from backend.notifications import new_events, push, reminders, sender, triggers
from backend.notifications.delivery import BatchHandler, CleanupHook, Handler, JobContext, JobOutcome
from backend.notifications.tables import PushSubscription


def _engine() -> Engine[Any]:
    engine: Engine[Any] = PushSubscription._meta.db
    return engine


async def run_fanout(job: ClaimedJob, context: JobContext) -> None:
    """One `push` job per matching device, rendered in its language (idempotent)."""
    async with write_transaction(_engine()):
        await push.fan_out(job.payload, context.settings, context.clock.now())


async def send_pushes(jobs: list[ClaimedJob], context: JobContext) -> list[JobOutcome]:
    """Send a batch of push jobs with the worker's sender (or, if it has none, one made for this batch)."""
    own = context.push_sender is None
    push_sender = context.push_sender or sender.make_push_sender(context.settings)
    if push_sender is None:
        return [JobOutcome(job.id, "web push is off: no VAPID keys are set") for job in jobs]
    try:
        return await sender.deliver_batch(jobs, push_sender, context.clock.now())
    finally:
        if own:
            await push_sender.close()


async def run_reminders(_job: ClaimedJob, context: JobContext) -> None:
    """Queue the reminders and overdue-triage alerts now due, then book the next sweep."""
    await reminders.sweep(context.settings, context.clock.now())
    async with write_transaction(_engine()):
        await triggers.sweep_overdue_triage(context.clock.now())


JOB_HANDLERS: dict[str, Handler] = {
    push.FANOUT: run_fanout,
    reminders.SWEEP: run_reminders,
    new_events.ANNOUNCE: new_events.announce,
}
BATCH_JOB_HANDLERS: dict[str, BatchHandler] = {push.PUSH: send_pushes}


async def purge_deliveries(now: datetime, _context: JobContext) -> None:
    """The daily cleanup of delivery records."""
    await reminders.purge_deliveries(now)


CLEANUPS: dict[str, CleanupHook] = {"push_deliveries": purge_deliveries}
