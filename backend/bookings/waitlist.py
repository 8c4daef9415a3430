"""The waiting list: joining a full date, offers accepted, declined or expired, one's place, leaving.

Joining emails a private link to the place in the queue (only its SHA-256 is stored), where the person sees
their position and can leave. Leaving is one conditional UPDATE (`status = 'waiting'` -> `left`) or, when the
entry has been offered meanwhile, the same close as a declined offer (the held places go on to the next
person). Accepting claims the offer with a conditional UPDATE before the booking is inserted. An offer that
expires unaccepted tells the person, once per entry.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.booking import BookingService, PreparedBooking
from backend.bookings.offers import Offers
from backend.bookings.schemas import (
    BookingRequest,
    BookingResult,
    LeaveResult,
    Offer,
    Outcome,
    WaitlistPlace,
)
from backend.bookings.tables import Booking, WaitlistEntry
from backend.bookings.tokens import (
    ACCEPTED,
    CANCELLED,
    EXPIRED,
    LEFT,
    OFFERED,
    OPEN_ENTRY,
    UNIQUE_VIOLATIONS,
    WAITING,
    active_key,
    derived_token,
    digest,
    new_token,
    organisation_verified,
    request_scope,
)
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events.capacity import CapacityService, OccurrenceForBooking
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")


class WaitlistService:
    """Joining the waiting list of a full date, accepting or declining an offer, seeing one's place, leaving."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        capacity: CapacityService,
        booking: BookingService,
        offers: Offers,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = capacity
        self.booking = booking
        self.offers = offers

    async def join_waitlist(self, event_id: int, occurrence_id: int, request: BookingRequest) -> BookingResult:
        """Wait for places on a full occurrence (a confirmation email says so); a repeat is told by email."""
        occurrence = await self.booking.occurrence(event_id, occurrence_id, request.locale)
        if occurrence is None:
            return BookingResult(Outcome.NOT_FOUND)
        result = await self._join(occurrence, request)
        if result.outcome is Outcome.DUPLICATE:
            await self.booking.tell_already_has_place(occurrence, request)
        return result

    async def _join(  # noqa: PLR0911 - one answer per way a request can be refused
        self, occurrence: OccurrenceForBooking, request: BookingRequest
    ) -> BookingResult:
        event_id, occurrence_id = occurrence.event_id, occurrence.occurrence_id
        request_hash = (
            digest(f"waitlist:{request_scope(occurrence_id, request.email, request.request_key)}")
            if request.request_key
            else None
        )
        if request_hash and await WaitlistEntry.exists().where(WaitlistEntry.request_key == request_hash):
            return BookingResult(Outcome.WAITLISTED)
        refusal = self.booking.availability(occurrence, request.places)
        if refusal is None:
            return BookingResult(Outcome.NOT_FULL)
        if refusal is not Outcome.FULL:
            return BookingResult(refusal)
        if request.places > occurrence.per_booking_limit:
            return BookingResult(Outcome.TOO_MANY, limit=occurrence.per_booking_limit)
        key = active_key(occurrence_id, request.email)
        place_token = new_token()
        payload = self.renderer.render(
            "waitlist_joined",
            to=request.email,
            locale=request.locale,
            recipient_name=request.name,
            places=request.places,
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            link=self._url(f"/waitlist/place/{place_token}"),
        )
        try:
            async with write_transaction(self.engine):
                if await Booking.exists().where(Booking.active_key == key) or await WaitlistEntry.exists().where(
                    WaitlistEntry.active_key == key
                ):
                    return BookingResult(Outcome.DUPLICATE)
                rows = await WaitlistEntry.insert(
                    WaitlistEntry(
                        occurrence_id=occurrence_id,
                        event_id=event_id,
                        name=request.name,
                        email=request.email,
                        places=request.places,
                        access_needs=request.access_needs,
                        status=WAITING,
                        place_token_hash=digest(place_token),
                        request_key=request_hash,
                        active_key=key,
                        user_id=request.user_id,
                        locale=request.locale,
                        created_at=self.clock.now(),
                    )
                ).returning(WaitlistEntry.id)
                await enqueue(EMAIL, f"waitlist-joined:{rows[0]['id']}", payload)
                # Places may have come back while this request was on its way: offer them at once.
                await self.offers.offer_free_places(occurrence_id)
        except UNIQUE_VIOLATIONS:
            if request_hash and await WaitlistEntry.exists().where(WaitlistEntry.request_key == request_hash):
                return BookingResult(Outcome.WAITLISTED)
            return BookingResult(Outcome.DUPLICATE)
        return BookingResult(Outcome.WAITLISTED)

    async def offer(self, token: str, locale: str = "en") -> Offer | None:
        """A waitlist offer by its link, or None."""
        row = await WaitlistEntry.select().where(WaitlistEntry.offer_token_hash == digest(token)).first()
        if row is None:
            return None
        occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"], locale)
        expires_at = row["offer_expires_at"]
        expired = row["status"] == EXPIRED or (
            row["status"] == OFFERED and expires_at is not None and expires_at <= self.clock.now()
        )
        return Offer(
            status=row["status"],
            expired=expired,
            places=row["places"],
            expires_at=expires_at,
            title=occurrence.title if occurrence else "",
            starts_at=occurrence.starts_at if occurrence else None,
            event_id=row["event_id"],
            occurrence_id=row["occurrence_id"],
        )

    async def accept_offer(  # noqa: PLR0911 - one answer per state an offer can be in
        self, token: str, locale: str = "en"
    ) -> BookingResult:
        """Accept an offer in time: the held places become a booking (with its confirmation email).

        The offer is claimed (`status = 'offered'` → `accepted`, one conditional UPDATE) before the booking is
        inserted: a second accept at the same moment waits for that row, finds it accepted and answers the
        booking the first one made.
        """
        token_hash = digest(token)
        manage_token = derived_token(self.settings.secret_key, "waitlist-accept", token)
        request_hash = digest(f"waitlist-accept:{token_hash}")
        entry_id: int | None = None
        try:
            async with write_transaction(self.engine):
                entry = await WaitlistEntry.select().where(WaitlistEntry.offer_token_hash == token_hash).first()
                if entry is None:
                    return BookingResult(Outcome.NOT_FOUND)
                entry_id = int(entry["id"])
                if entry["status"] == ACCEPTED:
                    return await self._accepted(request_hash, manage_token, locale) or BookingResult(Outcome.REPLAYED)
                expires_at = entry["offer_expires_at"]
                if entry["status"] != OFFERED or expires_at is None or expires_at <= self.clock.now():
                    return BookingResult(Outcome.PAST)
                occurrence = await self.capacity.occurrence_for_booking(entry["occurrence_id"], entry["locale"])
                if (
                    occurrence is None
                    or occurrence.status != "scheduled"
                    or not await organisation_verified(occurrence.organisation_id)
                ):
                    return BookingResult(Outcome.CANCELLED)
                key = active_key(entry["occurrence_id"], entry["email"])
                if await Booking.exists().where(Booking.active_key == key):
                    # A second accept at the same moment, after the first committed: the booking is this offer's.
                    replay = await self._accepted(request_hash, manage_token, locale)
                    if replay is not None:
                        return replay
                    # They booked another way meanwhile: hand the held places on.
                    await self.offers.close_offer(entry_id, CANCELLED)
                    return BookingResult(Outcome.DUPLICATE)
                request = BookingRequest(
                    name=entry["name"],
                    email=entry["email"],
                    places=entry["places"],
                    access_needs=entry["access_needs"],
                    locale=entry["locale"],
                    user_id=entry["user_id"],
                )
                confirmation = self.booking.confirmation_email(
                    occurrence,
                    email=entry["email"],
                    name=entry["name"],
                    places=entry["places"],
                    locale=entry["locale"],
                    token=manage_token,
                )
                feedback = self.renderer.render(
                    "feedback_invitation",
                    to=entry["email"],
                    locale=entry["locale"],
                    recipient_name=entry["name"],
                    title=occurrence.title,
                    starts_at=occurrence.starts_at,
                    link=self._url(f"/bookings/{manage_token}/feedback"),
                )
                claimed = await (
                    WaitlistEntry.update({WaitlistEntry.status: ACCEPTED, WaitlistEntry.active_key: None})
                    .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == OFFERED))
                    .returning(WaitlistEntry.id)
                )
                if not claimed:
                    # Accepted (or declined, or expired) by a concurrent request, which has committed by now.
                    return await self._accepted(request_hash, manage_token, locale) or BookingResult(Outcome.PAST)
                prepared = PreparedBooking(manage_token, digest(manage_token), request_hash, confirmation, feedback)
                booking_id = await self.booking.insert_booking(occurrence, request, prepared, key)
        except UNIQUE_VIOLATIONS:
            # PostgreSQL: the same person booked this occurrence another way at the same moment.
            replay = await self._accepted(request_hash, manage_token, locale)
            if replay is not None:
                return replay
            assert entry_id is not None  # the violation comes from the insert, after the entry was read
            async with write_transaction(self.engine):
                await self.offers.close_offer(entry_id, CANCELLED)
            return BookingResult(Outcome.DUPLICATE)
        view = await self.booking.booking_view(booking_id, locale)
        return BookingResult(Outcome.BOOKED, booking=view, token=manage_token)

    async def _accepted(self, request_hash: str, manage_token: str, locale: str) -> BookingResult | None:
        """The booking an accepted offer made (a replay), or None when there is none."""
        booked = await Booking.select(Booking.id).where(Booking.request_key == request_hash).first()
        view = await self.booking.booking_view(booked["id"], locale) if booked else None
        if view is None:
            return None
        return BookingResult(Outcome.REPLAYED, booking=view, token=manage_token)

    async def decline_offer(self, token: str) -> bool:
        """Say no thanks: the held places go to the next person waiting."""
        async with write_transaction(self.engine):
            entry = (
                await WaitlistEntry.select(WaitlistEntry.id)
                .where((WaitlistEntry.offer_token_hash == digest(token)) & (WaitlistEntry.status == OFFERED))
                .first()
            )
            if entry is None:
                return False
            await self.offers.close_offer(entry["id"], CANCELLED)
        return True

    async def expire_offer(self, entry_id: int) -> bool:
        """The scheduled job at an offer's expiry: if still open, pass the places on and email the person that
        the time to accept has passed (in the transaction that closes the offer). Idempotent: an offer accepted,
        declined, left or expired already is left alone, and the email's key is the entry's."""
        entry = (
            await WaitlistEntry.select(
                WaitlistEntry.id,
                WaitlistEntry.occurrence_id,
                WaitlistEntry.event_id,
                WaitlistEntry.name,
                WaitlistEntry.email,
                WaitlistEntry.places,
                WaitlistEntry.locale,
            )
            .where(
                (WaitlistEntry.id == entry_id)
                & (WaitlistEntry.status == OFFERED)
                & (WaitlistEntry.offer_expires_at <= self.clock.now())
            )
            .first()
        )
        if entry is None:
            return False
        email = await self._offer_expired_email(entry)  # rendered before the write lock is taken
        async with write_transaction(self.engine):
            if not await self.offers.close_offer(entry_id, EXPIRED):
                return False  # accepted, declined or left meanwhile
            if email is not None:
                await enqueue(EMAIL, f"waitlist-expired:{entry_id}", email)
        return True

    async def _offer_expired_email(self, entry: dict[str, Any]) -> dict[str, str] | None:
        """The "your offer has ended" email, in the entry's language (None when the occurrence is gone)."""
        occurrence = await self.capacity.occurrence_for_booking(entry["occurrence_id"], entry["locale"])
        if occurrence is None:
            return None
        return self.renderer.render(
            "waitlist_offer_expired",
            to=entry["email"],
            locale=entry["locale"],
            recipient_name=entry["name"],
            places=entry["places"],
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            event_link=self._url(f"/events/{entry['event_id']}/{entry['occurrence_id']}"),
        )

    async def waitlist_place(self, token: str, locale: str = "en") -> WaitlistPlace | None:
        """A waitlist entry by its place link (None when there is none), with its position while waiting.

        Reads only: mail scanners open links, so seeing the page never changes anything.
        """
        row = await WaitlistEntry.select().where(WaitlistEntry.place_token_hash == digest(token)).first()
        if row is None:
            return None
        occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"], locale)
        if occurrence is None:
            return None
        state = place_state(row, occurrence, self.clock.now())
        return WaitlistPlace(
            state=state,
            places=row["places"],
            position=(await queue_positions([row])).get(row["id"]) if state == WAITING else None,
            offer_expires_at=row["offer_expires_at"],
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            ends_at=occurrence.ends_at,
            location=occurrence.location(),
            is_online=occurrence.is_online,
            event_id=row["event_id"],
            occurrence_id=row["occurrence_id"],
        )

    async def leave_waitlist(self, token: str) -> LeaveResult:
        """Leave the waitlist through the place link: a waiting entry is taken off the list; an open offer is
        closed and its held places go to the next person. Leaving an entry that has ended changes nothing."""
        entry = (
            await WaitlistEntry.select(WaitlistEntry.id, WaitlistEntry.status)
            .where(WaitlistEntry.place_token_hash == digest(token))
            .first()
        )
        if entry is None:
            return LeaveResult(found=False)
        if entry["status"] not in OPEN_ENTRY:
            return LeaveResult(found=True)
        async with write_transaction(self.engine):
            return LeaveResult(found=True, left_now=await self._leave(entry["id"]))

    async def leave_waitlist_for_user(self, entry_id: int, user_id: int, email: str = "") -> bool:
        """A signed-in resident leaves one of their own waitlist places (joined signed in, or with their email)."""
        owned = (WaitlistEntry.id == entry_id) & (
            (WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower())
        )
        entry = await WaitlistEntry.select(WaitlistEntry.id, WaitlistEntry.status).where(owned).first()
        if entry is None or entry["status"] not in OPEN_ENTRY:
            return False
        async with write_transaction(self.engine):
            return await self._leave(entry["id"])

    async def _leave(self, entry_id: int) -> bool:
        """Take an entry off the waitlist (inside a transaction). False when it had ended already.

        Waiting → left is one conditional UPDATE; if it finds nothing, the entry may have been offered meanwhile
        (a concurrent cancellation): then the offer is closed as left, releasing its places to the next person.
        Either way `active_key` is freed, so the person may join again.
        """
        rows = await (
            WaitlistEntry.update({WaitlistEntry.status: LEFT, WaitlistEntry.active_key: None})
            .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.status == WAITING))
            .returning(WaitlistEntry.id)
        )
        return bool(rows) or await self.offers.close_offer(entry_id, LEFT)

    async def offer_places_job(self, occurrence_id: int) -> int:
        """The job enqueued when places are freed outside a request (an account deleted)."""
        async with write_transaction(self.engine):
            return await self.offers.offer_free_places(occurrence_id)

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"


def place_state(row: dict[str, Any], occurrence: OccurrenceForBooking, now: datetime) -> str:
    """What a waitlist entry's place page says (see `WaitlistPlace.state`)."""
    status: str = row["status"]
    expires_at = row["offer_expires_at"]
    if status in {LEFT, ACCEPTED}:
        return status
    if status == EXPIRED or (status == OFFERED and expires_at is not None and expires_at <= now):
        return EXPIRED  # an open offer past its time is as good as expired (the job closes it at once)
    if "cancelled" in {occurrence.status, occurrence.event_status}:
        return "event_cancelled"
    if status == CANCELLED:
        return "declined"  # the offer was declined, or passed on because they booked another way
    if occurrence.starts_at <= now:
        return "past"
    return status  # waiting, offered


async def queue_positions(entries: list[dict[str, Any]]) -> dict[int, int]:
    """Where each waiting entry stands on its occurrence's list (1 = next to be offered), in one query:
    people still waiting, in the order they joined (the offer order)."""
    occurrence_ids = sorted({entry["occurrence_id"] for entry in entries if entry["status"] == WAITING})
    if not occurrence_ids:
        return {}
    queue = (
        await WaitlistEntry.select(WaitlistEntry.id, WaitlistEntry.occurrence_id)
        .where(WaitlistEntry.occurrence_id.is_in(occurrence_ids) & (WaitlistEntry.status == WAITING))
        .order_by(WaitlistEntry.created_at)
        .order_by(WaitlistEntry.id)
    )
    positions: dict[int, int] = {}
    seen: dict[int, int] = {}
    for row in queue:
        seen[row["occurrence_id"]] = seen.get(row["occurrence_id"], 0) + 1
        positions[row["id"]] = seen[row["occurrence_id"]]
    return positions
