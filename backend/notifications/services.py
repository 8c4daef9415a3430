"""Notifications: what developers and admins see of the outbox, and an admin's retry of a dead job."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit, outbox
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.outbox import DeadJob, EmailRecord


class NotificationsService:
    """Reads the outbox for the developer mail page and the admins' dead-job list; retries dead jobs."""

    def __init__(self, engine: Engine[Any], clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    async def recent_emails(self, limit: int = 50) -> list[EmailRecord]:
        """The latest emails, newest first, whatever their status."""
        return await outbox.recent_emails(limit)

    async def email(self, job_id: int) -> EmailRecord | None:
        """One email, or None."""
        return await outbox.get_email(job_id)

    async def dead_jobs(self) -> list[DeadJob]:
        """Jobs that failed for good, most recent first."""
        return await outbox.list_dead()

    async def retry_dead_job(self, job_id: int, admin: CurrentUser | None) -> bool:
        """Queue a dead job again (attempts reset) and audit who did it, in one transaction."""
        async with write_transaction(self.engine):
            retried = await outbox.retry_dead(job_id, now=self.clock.now())
            if retried:
                await audit.record("outbox.retry", actor=admin, subject_type="outbox_job", subject_id=job_id)
        return retried
