"""Cross-cutting tables: the append-only audit log and the outbox of messages and scheduled jobs."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what to which record, when, in which role, and why. Never updated or deleted by the product."""

    id: Serial
    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None, index=True)  # None for anonymous or system actions
    actor_label = Varchar(length=320, default="")  # what the actor was known as at the time
    actor_role = Varchar(length=20, default="")
    action = Varchar(length=80, index=True)  # e.g. "auth.sign_in", "event.approve"
    subject_type = Varchar(length=40, default="", index=True)
    subject_id = Varchar(length=64, default="")
    reason = Text(default="")
    details = JSON(default="{}")


class OutboxJob(Table, tablename="outbox_job"):
    """A message to send or a job to run, written in the same transaction as the change that causes it."""

    id: Serial
    kind = Varchar(length=40, index=True)  # "email", "push", "purge", …
    idempotency_key = Varchar(length=200, unique=True)  # same recipient + same reason = same key
    payload = JSON(default="{}")
    status = Varchar(length=12, default="pending", index=True)  # pending, sending, sent, dead
    due_at = Timestamptz(default=TimestamptzNow(), index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    claimed_by = Varchar(length=80, default="")
    lease_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
