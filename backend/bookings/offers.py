"""Waiting-list offers: freed places offered to the first people waiting, held until accepted, declined
or expired, then passed on."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.tables import WaitlistEntry
from backend.bookings.tokens import (
    OFFER_EXPIRY,
    OFFERED,
    WAITING,
    digest,
    new_token,
    offer_window,
    organisation_verified,
)
from backend.core.clock import Clock
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events.capacity import CapacityService
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")


class Offers:
    """Offering freed places to the people waiting, in the order they joined, and closing offers.

    An entry is claimed by a conditional UPDATE (`status = 'waiting'`), so concurrent transactions offer it at
    most once and the places held always match the open offers.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        capacity: CapacityService,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = capacity

    async def offer_free_places(self, occurrence_id: int) -> int:
        """Offer the occurrence's free places to the waitlist, in order (inside the caller's transaction).

        Each offer holds its places (reserved like a booking) until accepted, declined or expired. People
        whose request is larger than what is free keep their place in the queue. Returns the offers made.

        The places are reserved first (the occurrence's row, as a cancellation's release locks it first too),
        then the entry is claimed with a conditional UPDATE (`status = 'waiting'`): when a concurrent
        transaction offered it meanwhile, the claim finds nothing and the places go straight back. So an
        entry is offered at most once at a time, and the held places always match the open offers.
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id)
        now = self.clock.now()
        if occurrence is None or occurrence.status != "scheduled" or occurrence.event_status != "published":
            return 0
        window = offer_window(occurrence.starts_at, now)
        free = occurrence.places_left or 0
        if window is None or free < 1 or not await organisation_verified(occurrence.organisation_id):
            return 0
        waiting = (
            await WaitlistEntry.select()
            .where((WaitlistEntry.occurrence_id == occurrence_id) & (WaitlistEntry.status == WAITING))
            .order_by(WaitlistEntry.created_at)
            .order_by(WaitlistEntry.id)
        )
        offers = 0
        for entry in waiting:
            if free < 1:
                break
            if entry["places"] > free or not await self.capacity.reserve(occurrence_id, entry["places"]):
                continue
            token = new_token()
            if not await self._claim_for_offer(entry["id"], digest(token), now, now + window):
                await self.capacity.release(occurrence_id, entry["places"])
                continue
            free -= entry["places"]
            await self._send_offer(entry, token, now + window)
            offers += 1
        return offers

    async def _claim_for_offer(self, entry_id: int, token_hash: str, now: datetime, expires_at: datetime) -> bool:
        """Turn a waiting entry into an open offer; False when it is no longer waiting (offered elsewhere)."""
        rows = await (
            WaitlistEntry.update(
                {
                    WaitlistEntry.status: OFFERED,
                    WaitlistEntry.offer_token_hash: token_hash,
                    WaitlistEntry.offered_at: now,
                    WaitlistEntry.offer_expires_at: expires_at,
                }
            )
            .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == WAITING))
            .returning(WaitlistEntry.id)
        )
        return bool(rows)

    async def _send_offer(self, entry: dict[str, Any], token: str, expires_at: datetime) -> None:
        """Email a claimed offer's link and schedule its expiry (inside the transaction that claimed it)."""
        token_hash = digest(token)
        occurrence = await self.capacity.occurrence_for_booking(entry["occurrence_id"], entry["locale"])
        assert occurrence is not None
        payload = self.renderer.render(
            "waitlist_offer",
            to=entry["email"],
            locale=entry["locale"],
            recipient_name=entry["name"],
            places=entry["places"],
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            expires_at=expires_at,
            link=self._url(f"/waitlist/{token}"),
        )
        await enqueue(EMAIL, f"waitlist-offer:{token_hash}", payload)
        await enqueue(OFFER_EXPIRY, f"waitlist-expiry:{token_hash}", {"entry_id": entry["id"]}, due_at=expires_at)

    async def close_offer(self, entry_id: int, status: str) -> bool:
        """End an open offer (inside a transaction): release its held places and offer them on.

        False when the entry held no open offer (accepted, declined, left or expired by a concurrent request).
        """
        rows = await (
            WaitlistEntry.update({WaitlistEntry.status: status, WaitlistEntry.active_key: None})
            .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == OFFERED))
            .returning(WaitlistEntry.occurrence_id, WaitlistEntry.places)
        )
        if not rows:
            return False
        await self.capacity.release(rows[0]["occurrence_id"], rows[0]["places"])
        await self.offer_free_places(rows[0]["occurrence_id"])
        return True

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"
