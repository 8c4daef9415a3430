"""The outbox: every message the product sends is a row written in the same transaction as its cause.

`enqueue` is what domains call. The worker (backend/worker.py, with handlers in backend/notifications)
claims due jobs, runs them, and records the outcome with the functions below.

Life of a job: `pending` (waiting for its `due_at`) → `sending` (claimed by one worker under a lease;
`attempts` counts claims) → `sent`, or back to `pending` with a backed-off `due_at` after a transient
failure, or `dead` after a permanent failure or `max_attempts` (admins can retry dead jobs). A worker that
dies mid-job leaves its claim `sending`; once the lease expires another worker claims it again. Delivery
is therefore at least once; handlers make repeats harmless (emails carry a Message-ID derived from the
idempotency key, so the recipient's mail system recognises a re-send as the same message).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from backend.core.db import insert_rows, json_object, write_transaction
from backend.core.tables import OutboxJob

EMAIL = "email"
PUSH = "push"
PURGE = "purge"

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"

RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0
_EMAIL_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


async def enqueue(
    kind: str, idempotency_key: str, payload: dict[str, Any], *, due_at: datetime | None = None, max_attempts: int = 8
) -> bool:
    """Add a job unless one with the same key exists (same recipient, same reason). True if added.

    Call inside the transaction that makes the change, so the message exists exactly when the change does.
    """
    values: dict[Any, Any] = {
        OutboxJob.kind: kind,
        OutboxJob.idempotency_key: idempotency_key[:200],
        OutboxJob.payload: payload,
        OutboxJob.max_attempts: max_attempts,
    }
    if due_at is not None:
        values[OutboxJob.due_at] = due_at
    inserted = (
        await OutboxJob.insert(OutboxJob(_data=values))
        .on_conflict(target=OutboxJob.idempotency_key, action="DO NOTHING")
        .returning(OutboxJob.id)
    )
    return bool(inserted)


# --- The worker's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker holds under a lease; `attempt` counts this claim (1 on the first try)."""

    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


def _engine() -> Engine[Any]:
    engine: Engine[Any] = OutboxJob._meta.db
    return engine


def _utc(moment: datetime) -> datetime:
    """Timestamps compared in the database are UTC (SQLite compares them as text)."""
    if moment.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return moment.astimezone(UTC)


def redact(text: str) -> str:
    """Remove email addresses (SMTP errors often quote the recipient) before logging or storing an error."""
    return _EMAIL_ADDRESS.sub("<address>", text)


async def claim_batch(worker_id: str, now: datetime, limit: int, lease_seconds: float) -> list[ClaimedJob]:
    """Claim up to `limit` due jobs for this worker, atomically; no two workers ever hold the same job.

    Due means `pending` with `due_at <= now`, or `sending` whose lease has expired (its worker died).
    PostgreSQL locks the chosen rows with `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over each
    other's rows instead of waiting; SQLite runs the select and update in one IMMEDIATE transaction, which
    holds the database's write lock, so claims are serialised.
    """
    now = _utc(now)
    engine = _engine()
    due = ((OutboxJob.status == PENDING) & (OutboxJob.due_at <= now)) | (
        (OutboxJob.status == SENDING) & (OutboxJob.lease_until < now)
    )
    async with write_transaction(engine):
        query = OutboxJob.select(OutboxJob.id).where(due).order_by(OutboxJob.due_at).order_by(OutboxJob.id)
        query = query.limit(limit)
        if isinstance(engine, PostgresEngine):
            query = query.lock_rows("UPDATE", skip_locked=True)
        ids = [row["id"] for row in await query]
        if not ids:
            return []
        rows = await (
            OutboxJob.update(
                {
                    OutboxJob.status: SENDING,
                    OutboxJob.claimed_by: worker_id[:80],
                    OutboxJob.lease_until: now + timedelta(seconds=lease_seconds),
                    OutboxJob.attempts: OutboxJob.attempts + 1,
                }
            )
            .where(OutboxJob.id.is_in(ids))
            .returning(
                OutboxJob.id,
                OutboxJob.kind,
                OutboxJob.idempotency_key,
                OutboxJob.payload,
                OutboxJob.attempts,
                OutboxJob.max_attempts,
            )
        )
    jobs = [
        ClaimedJob(
            id=row["id"],
            kind=row["kind"],
            idempotency_key=row["idempotency_key"],
            payload=json_object(row["payload"]),
            attempt=row["attempts"],
            max_attempts=row["max_attempts"],
        )
        for row in rows
    ]
    return sorted(jobs, key=lambda job: ids.index(job.id))


async def mark_sent(job_id: int, worker_id: str, *, now: datetime | None = None) -> bool:
    """Record success. False when this worker no longer holds the job (its lease expired and another took it)."""
    finished = _utc(now) if now is not None else datetime.now(UTC)
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: SENT,
                OutboxJob.finished_at: finished,
                OutboxJob.lease_until: None,
                OutboxJob.last_error: "",
            }
        )
        .where((OutboxJob.id == job_id) & (OutboxJob.claimed_by == worker_id[:80]) & (OutboxJob.status == SENDING))
        .returning(OutboxJob.id)
    )
    return bool(rows)


def backoff_seconds(
    attempt: int,
    *,
    base: float = RETRY_BASE_SECONDS,
    cap: float = RETRY_CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with full jitter: a uniform wait in [0, min(cap, base × 2^(attempt-1))].

    The jitter spreads retries out so a recovering mail server is not hit by every failed job at once.
    """
    ceiling = min(cap, base * 2.0 ** max(attempt - 1, 0))
    return float(rand()) * ceiling


async def mark_failed(
    job_id: int,
    worker_id: str,
    error: str,
    permanent: bool,
    now: datetime,
    *,
    retry_base: float = RETRY_BASE_SECONDS,
    retry_cap: float = RETRY_CAP_SECONDS,
) -> str | None:
    """Record a failure: `dead` if permanent or out of attempts, else `pending` again after a backoff.

    Returns the new status, or None when this worker no longer holds the job.
    """
    now = _utc(now)
    async with write_transaction(_engine()):
        held = (OutboxJob.id == job_id) & (OutboxJob.claimed_by == worker_id[:80]) & (OutboxJob.status == SENDING)
        row = await OutboxJob.select(OutboxJob.attempts, OutboxJob.max_attempts).where(held).first()
        if row is None:
            return None
        values: dict[Any, Any] = {OutboxJob.last_error: redact(error)[:2000], OutboxJob.lease_until: None}
        if permanent or row["attempts"] >= row["max_attempts"]:
            values |= {OutboxJob.status: DEAD, OutboxJob.finished_at: now}
        else:
            delay = backoff_seconds(row["attempts"], base=retry_base, cap=retry_cap)
            values |= {OutboxJob.status: PENDING, OutboxJob.due_at: now + timedelta(seconds=delay)}
        await OutboxJob.update(values).where(held)
    return str(values[OutboxJob.status])


async def release(job_ids: list[int], worker_id: str) -> None:
    """Hand back claimed jobs this worker did not start (graceful shutdown), without counting an attempt."""
    if not job_ids:
        return
    await OutboxJob.update(
        {
            OutboxJob.status: PENDING,
            OutboxJob.lease_until: None,
            OutboxJob.claimed_by: "",
            OutboxJob.attempts: OutboxJob.attempts - 1,
        }
    ).where(OutboxJob.id.is_in(job_ids) & (OutboxJob.claimed_by == worker_id[:80]) & (OutboxJob.status == SENDING))


async def bury_abandoned(now: datetime) -> int:
    """Mark dead the jobs whose worker died during their last allowed attempt (their lease has expired).

    Without this a job that kills its worker every time would be claimed for ever.
    """
    now = _utc(now)
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: DEAD,
                OutboxJob.finished_at: now,
                OutboxJob.lease_until: None,
                OutboxJob.last_error: "The worker stopped during the last attempt.",
            }
        )
        .where(
            (OutboxJob.status == SENDING)
            & (OutboxJob.lease_until < now)
            & (OutboxJob.attempts >= OutboxJob.max_attempts)
        )
        .returning(OutboxJob.id)
    )
    return len(rows)


# --- What admins and developers see --------------------------------------------------------------------


@dataclass(frozen=True)
class DeadJob:
    """A job that will not be tried again unless an admin retries it."""

    id: int
    kind: str
    idempotency_key: str
    attempts: int
    last_error: str
    created_at: datetime
    finished_at: datetime | None


async def list_dead(limit: int = 200) -> list[DeadJob]:
    """Dead jobs, most recently failed first."""
    rows = (
        await OutboxJob.select(
            OutboxJob.id,
            OutboxJob.kind,
            OutboxJob.idempotency_key,
            OutboxJob.attempts,
            OutboxJob.last_error,
            OutboxJob.created_at,
            OutboxJob.finished_at,
        )
        .where(OutboxJob.status == DEAD)
        .order_by(OutboxJob.id, ascending=False)
        .limit(limit)
    )
    return [DeadJob(**row) for row in rows]


async def retry_dead(job_id: int, *, now: datetime | None = None) -> bool:
    """Put a dead job back in the queue with its attempts reset. False if it is not dead (or does not exist)."""
    due = _utc(now) if now is not None else datetime.now(UTC)
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: PENDING,
                OutboxJob.attempts: 0,
                OutboxJob.due_at: due,
                OutboxJob.claimed_by: "",
                OutboxJob.lease_until: None,
                OutboxJob.finished_at: None,
            }
        )
        .where((OutboxJob.id == job_id) & (OutboxJob.status == DEAD))
        .returning(OutboxJob.id)
    )
    return bool(rows)


@dataclass(frozen=True)
class EmailRecord:
    """An email job as the developer outbox page shows it."""

    id: int
    status: str
    created_at: datetime
    finished_at: datetime | None
    to: str
    subject: str
    locale: str
    text: str
    html: str


def _email_record(row: dict[str, Any]) -> EmailRecord:
    payload = json_object(row["payload"])
    return EmailRecord(
        id=row["id"],
        status=row["status"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        to=str(payload.get("to", "")),
        subject=str(payload.get("subject", "")),
        locale=str(payload.get("locale", "")),
        text=str(payload.get("text", "")),
        html=str(payload.get("html", "")),
    )


_EMAIL_COLUMNS = (
    OutboxJob.id,
    OutboxJob.status,
    OutboxJob.created_at,
    OutboxJob.finished_at,
    OutboxJob.payload,
)


async def recent_emails(limit: int = 50) -> list[EmailRecord]:
    """The latest email jobs, newest first (read back from the outbox, so it works across processes)."""
    rows = (
        await OutboxJob.select(*_EMAIL_COLUMNS)
        .where(OutboxJob.kind == EMAIL)
        .order_by(OutboxJob.id, ascending=False)
        .limit(limit)
    )
    return [_email_record(row) for row in rows]


async def get_email(job_id: int) -> EmailRecord | None:
    """One email job, or None."""
    row = await OutboxJob.select(*_EMAIL_COLUMNS).where((OutboxJob.id == job_id) & (OutboxJob.kind == EMAIL)).first()
    return _email_record(row) if row else None


# --- Housekeeping --------------------------------------------------------------------------------------


async def purge_finished(before: datetime) -> int:
    """Delete sent and dead jobs that finished before this time; returns how many."""
    rows = (
        await OutboxJob.delete()
        .where(OutboxJob.status.is_in([SENT, DEAD]) & (OutboxJob.finished_at < _utc(before)))
        .returning(OutboxJob.id)
    )
    return len(rows)


PURGE_HOUR_UTC = 3


def purge_key(day: str) -> str:
    """The idempotency key of one day's purge: two workers (or a restart) enqueue it once."""
    return f"{PURGE}:{day}"


async def schedule_purge(after: datetime) -> bool:
    """Enqueue the purge for the day after `after`, at 03:00 UTC (no-op if it is already queued)."""
    day = (_utc(after) + timedelta(days=1)).date()
    due = datetime(day.year, day.month, day.day, PURGE_HOUR_UTC, tzinfo=UTC)
    return await enqueue(PURGE, purge_key(day.isoformat()), {"day": day.isoformat()}, due_at=due)


async def enqueue_many(
    kind: str, jobs: list[tuple[str, dict[str, Any]]], *, due_at: datetime | None = None, max_attempts: int = 8
) -> int:
    """Add many jobs of one kind in one statement, skipping keys that exist (a broadcast's fan-out). Returns how
    many were added. Like `enqueue`, call it inside the transaction that makes the change."""
    if not jobs:
        return 0
    now = datetime.now(UTC)  # what the columns' defaults would write, as `enqueue` does
    due = _utc(due_at) if due_at is not None else now
    rows = [(kind, key[:200], payload, PENDING, due, 0, max_attempts, "", "", now) for key, payload in jobs]
    inserted = await insert_rows(
        OutboxJob, _NEW_JOB_COLUMNS, rows, skip_conflicts_on=OutboxJob.idempotency_key, returning=OutboxJob.id
    )
    return len(inserted)


_NEW_JOB_COLUMNS = (
    OutboxJob.kind,
    OutboxJob.idempotency_key,
    OutboxJob.payload,
    OutboxJob.status,
    OutboxJob.due_at,
    OutboxJob.attempts,
    OutboxJob.max_attempts,
    OutboxJob.claimed_by,
    OutboxJob.last_error,
    OutboxJob.created_at,
)


async def mark_sent_many(job_ids: list[int], worker_id: str, *, now: datetime) -> list[int]:
    """Record success for many jobs at once (a batch of pushes); returns the ids this worker still held."""
    if not job_ids:
        return []
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: SENT,
                OutboxJob.finished_at: _utc(now),
                OutboxJob.lease_until: None,
                OutboxJob.last_error: "",
            }
        )
        .where(OutboxJob.id.is_in(job_ids) & (OutboxJob.claimed_by == worker_id[:80]) & (OutboxJob.status == SENDING))
        .returning(OutboxJob.id)
    )
    return [row["id"] for row in rows]
