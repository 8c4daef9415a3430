"""The append-only audit trail. Call `record` inside the transaction that makes the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.core.auth import CurrentUser
from backend.core.db import like_literal
from backend.core.tables import AuditEntry


async def record(
    action: str,
    *,
    actor: CurrentUser | None,
    actor_role: str = "",
    subject_type: str = "",
    subject_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> None:
    """Append one entry: who (and in which role) did what to which record, and why."""
    await AuditEntry.insert(
        AuditEntry(
            actor_id=actor.id if actor else None,
            actor_label=actor_label if actor_label is not None else (actor.email if actor else ""),
            actor_role=actor_role or (actor.primary_role if actor else ""),
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            reason=reason[:2000],
            details=details or {},
        )
    )


@dataclass(frozen=True)
class AuditRow:
    """One entry as shown to admins."""

    id: int
    occurred_at: datetime
    actor_label: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    reason: str


async def history(subject_type: str, subject_id: str | int, actions: tuple[str, ...]) -> list[AuditRow]:
    """These actions on one record, newest first (e.g. the decisions an organisation has had)."""
    rows = (
        await AuditEntry.select(
            AuditEntry.id,
            AuditEntry.occurred_at,
            AuditEntry.actor_label,
            AuditEntry.actor_role,
            AuditEntry.action,
            AuditEntry.subject_type,
            AuditEntry.subject_id,
            AuditEntry.reason,
        )
        .where(
            AuditEntry.subject_type == subject_type,
            AuditEntry.subject_id == str(subject_id),
            AuditEntry.action.is_in(list(actions)),
        )
        .order_by(AuditEntry.id, ascending=False)
    )
    return [AuditRow(**row) for row in rows]


async def search(
    *, text: str = "", action: str = "", actor: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[AuditRow], int]:
    """Entries newest first, filtered by action prefix, actor and free text; with the total count."""
    query = AuditEntry.select(
        AuditEntry.id,
        AuditEntry.occurred_at,
        AuditEntry.actor_label,
        AuditEntry.actor_role,
        AuditEntry.action,
        AuditEntry.subject_type,
        AuditEntry.subject_id,
        AuditEntry.reason,
    )
    count = AuditEntry.count()
    conditions: list[Any] = []
    if action:
        conditions.append(AuditEntry.action.like(f"{like_literal(action)}%"))
    if actor:
        conditions.append(AuditEntry.actor_label.ilike(f"%{like_literal(actor)}%"))
    if text:
        pattern = f"%{like_literal(text)}%"
        conditions.append(
            AuditEntry.reason.ilike(pattern) | AuditEntry.subject_id.ilike(pattern) | AuditEntry.action.ilike(pattern)
        )
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    return [AuditRow(**row) for row in rows], await count
