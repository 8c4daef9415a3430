"""Running outbox jobs: a handler per job kind, and the worker loop that claims, runs and records them.

A domain's background work lives in `backend/<domain>/jobs.py`, which exports `JOB_HANDLERS` (job kind ->
`Handler`) and `CLEANUPS` (name -> `CleanupHook`, run by the daily purge); `backend/wiring.py` lists those
modules and hands their handlers to the `Worker` it builds. Nothing here is registered on import.
Scheduled jobs are ordinary outbox rows with a future `due_at` and an idempotency key (e.g.
`purge:2026-11-25`), so they run once even with two workers or after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.core import outbox
from backend.core.clock import Clock
from backend.core.outbox import ClaimedJob
from backend.notifications.email import (
    DeliveryError,
    EmailSender,
    PermanentDeliveryError,
    TransientDeliveryError,
    build_message,
)
from backend.settings import Settings

logger = logging.getLogger("hearby.worker")


class PermanentJobError(PermanentDeliveryError):
    """Raised by a handler when trying again cannot help."""


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker behaves; `python -m backend.worker --help` lists the matching flags."""

    batch: int = 20
    poll_seconds: float = 1.0
    lease_seconds: float = 300.0
    retry_base_seconds: float = outbox.RETRY_BASE_SECONDS
    retry_cap_seconds: float = outbox.RETRY_CAP_SECONDS
    retention_days: int = 30
    once: bool = False


@dataclass(frozen=True)
class JobContext:
    """What handlers may use."""

    settings: Settings
    email_sender: EmailSender
    clock: Clock
    options: WorkerOptions
    push_sender: Any = None  # a backend.notifications.sender.PushSender; None: made from settings when needed


# Runs one claimed job; raises DeliveryError (or any exception) to have it retried, PermanentJobError to give up.
Handler = Callable[[ClaimedJob, JobContext], Awaitable[None]]
# Run by the daily purge with the current time (e.g. "delete spent sign-in links").
CleanupHook = Callable[[datetime, JobContext], Awaitable[None]]


@dataclass(frozen=True)
class JobOutcome:
    """How one job of a batch went: `error` empty when done; `permanent` sends it to the dead jobs at once."""

    job_id: int
    error: str = ""
    permanent: bool = False


# Kinds whose jobs are run together (a batch of pushes is sent concurrently, then recorded in one statement).
BatchHandler = Callable[[list[ClaimedJob], JobContext], Awaitable[list[JobOutcome]]]


async def send_email(job: ClaimedJob, context: JobContext) -> None:
    """Send an email job's payload (rendered by backend.core.mail.EmailRenderer)."""
    message = build_message(
        job.payload,
        idempotency_key=job.idempotency_key,
        mail_from=context.settings.mail_from,
        now=context.clock.now(),
    )
    await context.email_sender.send(message)


def purge_handler(cleanups: Mapping[str, CleanupHook]) -> Handler:
    """The daily purge: delete finished jobs past retention, run each of these cleanups, book tomorrow's."""

    async def run_purge(_job: ClaimedJob, context: JobContext) -> None:
        now = context.clock.now()
        deleted = await outbox.purge_finished(now - timedelta(days=context.options.retention_days))
        for name, cleanup in cleanups.items():
            await cleanup(now, context)
            logger.info("cleanup", extra={"fields": {"hook": name}})
        await outbox.schedule_purge(now)
        logger.info("purge", extra={"fields": {"deleted_jobs": deleted}})

    return run_purge


def core_handlers(cleanups: Mapping[str, CleanupHook]) -> dict[str, Handler]:
    """The kinds every worker runs whatever the domains: emails, and the daily purge with these cleanups."""
    return {outbox.EMAIL: send_email, outbox.PURGE: purge_handler(cleanups)}


class Worker:
    """Claims batches of due jobs and runs them one at a time, recording each outcome."""

    def __init__(
        self,
        worker_id: str,
        context: JobContext,
        handlers: Mapping[str, Handler],
        batch_handlers: Mapping[str, BatchHandler] | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.context = context
        self.handlers = dict(handlers)
        self.batch_handlers = dict(batch_handlers or {})
        self._last_sweep = float("-inf")

    @property
    def options(self) -> WorkerOptions:
        """The worker's options."""
        return self.context.options

    async def run_batch(self, stop: asyncio.Event | None = None) -> int:
        """Claim and run one batch; returns how many jobs were claimed. Stops early (releasing the rest)."""
        now = self.context.clock.now()
        if time.monotonic() - self._last_sweep > min(self.options.lease_seconds, 30.0):
            self._last_sweep = time.monotonic()
            await outbox.bury_abandoned(now)
        jobs = await outbox.claim_batch(self.worker_id, now, self.options.batch, self.options.lease_seconds)
        together: dict[str, list[ClaimedJob]] = {}
        alone = []
        for job in jobs:
            if job.kind in self.batch_handlers:
                together.setdefault(job.kind, []).append(job)
            else:
                alone.append(job)
        for kind, group in together.items():
            if stop is not None and stop.is_set():
                await outbox.release([job.id for job in group], self.worker_id)
                continue
            await self.run_together(kind, group)
        for index, job in enumerate(alone):
            if stop is not None and stop.is_set():
                await outbox.release([later.id for later in alone[index:]], self.worker_id)
                break
            await self.run_job(job)
        return len(jobs)

    async def run_together(self, kind: str, jobs: list[ClaimedJob]) -> dict[str, int]:
        """Run a batch of jobs of one kind with its batch handler; record successes in one statement and each
        failure with its backoff. Returns how many ended sent, retry, dead or lost."""
        started = time.perf_counter()
        try:
            outcomes = await self.batch_handlers[kind](jobs, self.context)
        except Exception as exc:  # noqa: BLE001 - a failing batch is retried, never fatal
            outcomes = [JobOutcome(job.id, f"{type(exc).__name__}: {exc}") for job in jobs]
        now = self.context.clock.now()
        done = [outcome.job_id for outcome in outcomes if not outcome.error]
        recorded = await outbox.mark_sent_many(done, self.worker_id, now=now)
        counts = {"sent": len(recorded), "lost": len(done) - len(recorded), "retry": 0, "dead": 0}
        for outcome in outcomes:
            if not outcome.error:
                continue
            status = await outbox.mark_failed(
                outcome.job_id,
                self.worker_id,
                outcome.error,
                outcome.permanent,
                now,
                retry_base=self.options.retry_base_seconds,
                retry_cap=self.options.retry_cap_seconds,
            )
            result = {outbox.PENDING: "retry", outbox.DEAD: "dead"}.get(status or "", "lost")
            counts[result] += 1
            logger.log(
                logging.WARNING if result == "dead" else logging.INFO,
                "job",
                extra={
                    "fields": {
                        "kind": kind,
                        "job_id": outcome.job_id,
                        "outcome": result,
                        "worker": self.worker_id,
                        "error": outbox.redact(outcome.error)[:300],
                    }
                },
            )
        fields: dict[str, object] = {
            "kind": kind,
            "jobs": len(jobs),
            **counts,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "worker": self.worker_id,
        }
        logger.info("batch", extra={"fields": fields})
        return counts

    async def run_job(self, job: ClaimedJob) -> str:
        """Run one claimed job and record the outcome: sent, retry, dead or lost (lease taken over)."""
        started = time.perf_counter()
        error = ""
        permanent = False
        handler = self.handlers.get(job.kind)
        try:
            await self._call(handler, job)
        except DeliveryError as exc:
            error = str(exc)
            permanent = isinstance(exc, PermanentDeliveryError)
        except Exception as exc:  # noqa: BLE001 - any other failure of a handler is retried, never fatal
            error = f"{type(exc).__name__}: {exc}"
            permanent = False
        if not error:
            recorded = await outbox.mark_sent(job.id, self.worker_id, now=self.context.clock.now())
            outcome = "sent" if recorded else "lost"
        else:
            status = await outbox.mark_failed(
                job.id,
                self.worker_id,
                error,
                permanent,
                self.context.clock.now(),
                retry_base=self.options.retry_base_seconds,
                retry_cap=self.options.retry_cap_seconds,
            )
            outcome = {outbox.PENDING: "retry", outbox.DEAD: "dead"}.get(status or "", "lost")
        fields: dict[str, object] = {
            "kind": job.kind,
            "job_id": job.id,
            "outcome": outcome,
            "attempt": job.attempt,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "worker": self.worker_id,
        }
        if error:
            fields["error"] = outbox.redact(error)[:300]
        logger.log(logging.WARNING if outcome == "dead" else logging.INFO, "job", extra={"fields": fields})
        return outcome

    async def _call(self, handler: Handler | None, job: ClaimedJob) -> None:
        if handler is None:
            # Retried rather than dead: during a deploy an older worker may meet a kind only newer code knows.
            raise TransientDeliveryError(f"no handler for job kind {job.kind!r}")
        await handler(job, self.context)

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Run batches until nothing is due (or asked to stop); returns how many jobs were claimed."""
        total = 0
        while stop is None or not stop.is_set():
            claimed = await self.run_batch(stop)
            total += claimed
            if claimed == 0:
                break
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll for due jobs until `stop` is set; sleep for the poll interval whenever the queue is idle."""
        while not stop.is_set():
            try:
                claimed = await self.run_batch(stop)
            except Exception:  # a database hiccup must not end the worker; it logs the trace and tries again
                logger.exception("batch failed; retrying after the poll interval")
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.options.poll_seconds)
