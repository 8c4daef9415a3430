"""The outbox: every message the product sends is a row written in the same transaction as its cause.

`enqueue` is what domains call. The worker (backend/notifications) claims, sends, retries and records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.tables import OutboxJob

EMAIL = "email"
PUSH = "push"


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
