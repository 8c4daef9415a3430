"""What the app has queued to send: email payloads in the outbox (tests read them instead of a mailbox)."""

from __future__ import annotations

import json
from typing import Any

from backend.core.tables import OutboxJob


async def emails_to(address: str) -> list[dict[str, Any]]:
    """Email payloads queued in the outbox for one address, oldest first."""
    rows = await OutboxJob.select(OutboxJob.payload).where(OutboxJob.kind == "email").order_by(OutboxJob.id)
    payloads = [json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"] for row in rows]
    return [payload for payload in payloads if payload.get("to") == address]
