"""An officer cancels a session: its pairs are freed, the people matched to it go back to the pool and are told
by email in their own language, and the cancellation is audited — all in one transaction."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.db import write_transaction
from backend.core.outbox import EMAIL, enqueue
from backend.exchanges.common import CANCELLED, CONFIRMED, MATCHED, WAITING
from backend.exchanges.pairing import PairingService
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSlot


class SlotChangesService:
    """Changes officers make to a session after it was set up."""

    def __init__(self, pairing: PairingService, engine: Engine[Any]) -> None:
        self.pairing = pairing
        self.engine = engine

    async def cancel_slot(self, slot_id: int, officer: CurrentUser, reason: str = "") -> bool:
        """Cancel an open session; False when there is no such open session (already cancelled, say)."""
        now = self.pairing.clock.now()
        async with write_transaction(self.engine):
            cancelled = (
                await ExchangeSlot.update({ExchangeSlot.status: "cancelled", ExchangeSlot.pairs_taken: 0})
                .where(ExchangeSlot.id == slot_id, ExchangeSlot.status == "open")
                .returning(ExchangeSlot.id)
            )
            if not cancelled:
                return False
            pairs = (
                await ExchangePair.update({ExchangePair.status: CANCELLED, ExchangePair.cancelled_at: now})
                .where(ExchangePair.slot_id == slot_id, ExchangePair.status == CONFIRMED)
                .returning(ExchangePair.id, ExchangePair.request_a, ExchangePair.request_b)
            )
            told = []
            for pair in pairs:
                for request_id in (pair["request_a"], pair["request_b"]):
                    if request_id is None:
                        continue
                    await ExchangeRequest.update({ExchangeRequest.status: WAITING}).where(
                        ExchangeRequest.id == request_id, ExchangeRequest.status == MATCHED
                    )
                    row = await ExchangeRequest.select().where(ExchangeRequest.id == request_id).first()
                    if row is None or not row["email"]:
                        continue
                    payload = await self.pairing.render_notice(row, "slot_cancelled", slot_id=slot_id)
                    await enqueue(EMAIL, f"exchange-slot-cancelled:{slot_id}:{request_id}", payload)
                    told.append(request_id)
            await audit.record(
                "exchanges.slot_cancelled",
                actor=officer,
                subject_type="exchange_slot",
                subject_id=slot_id,
                reason=reason[:500],
                details={"pairs": len(pairs), "told": told},
            )
        return True
