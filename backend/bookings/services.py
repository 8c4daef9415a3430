"""Bookings: places on occurrences, the waitlist, private manage links, and feedback afterwards.

Rules:
- Places are taken by the events domain's `CapacityService.reserve` (one conditional UPDATE) in the same
  write transaction that inserts the booking and enqueues its confirmation email; nothing is acknowledged
  before that transaction commits.
- One active booking per email per occurrence (`active_key` is unique while confirmed, NULL once cancelled).
- A submission carries an idempotency key (a form nonce or an `Idempotency-Key` header), scoped to the occurrence
  and the email (`request_scope`): the same key for the same person and occurrence finds the same booking, and
  its manage token is derived from the scoped key, so a retry lands on the same page. Another client's key that
  happens to be equal never collides with it.
- Only published events of verified organisations can be booked (or have places offered from their waitlist).
- A cancellation releases the places and offers them, in the same transaction, to the first people on the
  waitlist whose request fits: the offered places are held for them until the offer expires (a scheduled
  outbox job, due at the expiry) or is declined, and then pass to the next. An entry is claimed by a
  conditional UPDATE (`status = 'waiting'`), so concurrent transactions offer it at most once and the places
  held always match the open offers; accepting claims the offer the same way before the booking is inserted.
- Joining the waitlist emails a private link to the place in the queue (only its SHA-256 is stored), where the
  person sees their position and can leave. Leaving is one conditional UPDATE (`status = 'waiting'` → `left`)
  or, when the entry has been offered meanwhile, the same close as a declined offer (the held places go on to
  the next person); either frees `active_key`, so they may join again. Leaving twice changes nothing.
- An offer that expires unaccepted tells the person (an email in their language, queued in the transaction
  that closes the offer, once per entry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Sum

from backend.accounts.services import ACCOUNT_DELETION_HOOKS, organisation_standing
from backend.bookings.ics import ics_attachment, occurrence_ics
from backend.bookings.schemas import (
    Attendee,
    BookingRequest,
    BookingResult,
    BookingView,
    CancelResult,
    FeedbackView,
    LeaveResult,
    Offer,
    Outcome,
    UserBooking,
    UserWaitlistPlace,
    WaitlistPlace,
)
from backend.bookings.tables import Booking, Feedback, WaitlistEntry
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock, SettableClock, SystemClock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events.capacity import CapacityService, OccurrenceForBooking
from backend.notifications import partners
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")

# Outbox job kinds handled by backend/bookings/jobs.py.
OFFER_EXPIRY = "bookings.offer_expiry"
FEEDBACK_INVITE = "bookings.feedback_invite"
OFFER_PLACES = "bookings.offer_places"

OFFER_LIFETIME = timedelta(hours=24)
OFFER_MINIMUM = timedelta(minutes=15)
OFFER_CUTOFF = timedelta(minutes=30)  # closer to the start than this, freed places simply go back on sale
FEEDBACK_DELAY = timedelta(hours=2)  # after the end of an occurrence

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
WAITING = "waiting"
OFFERED = "offered"
ACCEPTED = "accepted"
EXPIRED = "expired"
LEFT = "left"  # a waitlist entry its person took off the list
OPEN_ENTRY = (WAITING, OFFERED)  # a waitlist entry that still holds a place in the queue (or places)

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


def digest(value: str) -> str:
    """How tokens and idempotency keys are stored: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> str:
    """A URL-safe secret for a private link."""
    return secrets.token_urlsafe(32)


def derived_token(secret: str, purpose: str, key: str) -> str:
    """A link token derived from a request's idempotency key (so a replay can show the same link)."""
    mac = hmac.new(secret.encode(), f"{purpose}:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def offer_window(starts_at: datetime, now: datetime) -> timedelta | None:
    """How long a waitlist offer stays open: 24 h, less when the event is soon; None when too close to start."""
    remaining = starts_at - now
    if remaining <= OFFER_CUTOFF:
        return None
    return min(OFFER_LIFETIME, max(remaining / 2, OFFER_MINIMUM))


def active_key(occurrence_id: int, email: str) -> str:
    """The value that makes one active booking (or waitlist place) per email per occurrence."""
    return f"{occurrence_id}:{email.lower()}"[:340]


def request_scope(occurrence_id: int, email: str, request_key: str) -> str:
    """A client's idempotency key scoped to the occurrence and the email it was sent with.

    What is stored (hashed) and what the manage token is derived from: two clients that choose the same key
    never find (or collide with) each other's booking.
    """
    return f"{occurrence_id}:{email.lower()}:{request_key}"


@dataclass(frozen=True)
class _Prepared:
    """What a booking insert needs, worked out before the write lock is taken."""

    token: str
    token_hash: str
    request_hash: str | None
    confirmation: dict[str, Any]
    feedback_invite: dict[str, Any]


class BookingsService:
    """The rules for booking, the waitlist, manage links and feedback."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = CapacityService(clock)

    # --- reading an occurrence -------------------------------------------------------------------------

    async def occurrence(self, event_id: int, occurrence_id: int, locale: str) -> OccurrenceForBooking | None:
        """A published event's occurrence (None when there is none, or the event is not public).

        An event is public only while its organisation is verified (as on the event's own page).
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id, locale)
        if occurrence is None or occurrence.event_id != event_id:
            return None
        if occurrence.event_status not in {"published", "cancelled"}:
            return None
        if not await organisation_verified(occurrence.organisation_id):
            return None
        return occurrence

    def availability(self, occurrence: OccurrenceForBooking, places: int = 1) -> Outcome | None:
        """Why this occurrence cannot be booked now (None when it can be, for this many places)."""
        if occurrence.status == "cancelled" or occurrence.event_status == "cancelled":
            return Outcome.CANCELLED
        if occurrence.starts_at <= self.clock.now():
            return Outcome.PAST
        if occurrence.is_drop_in:
            return Outcome.DROP_IN
        if (occurrence.places_left or 0) < places:
            return Outcome.FULL
        return None

    # --- booking ---------------------------------------------------------------------------------------

    async def book(  # noqa: PLR0911 - one answer per way a booking can be refused
        self, event_id: int, occurrence_id: int, request: BookingRequest
    ) -> BookingResult:
        """Book places: reserve, insert and enqueue the confirmation email in one write transaction."""
        occurrence = await self.occurrence(event_id, occurrence_id, request.locale)
        if occurrence is None:
            return BookingResult(Outcome.NOT_FOUND)
        request_hash = (
            digest(f"booking:{request_scope(occurrence_id, request.email, request.request_key)}")
            if request.request_key
            else None
        )
        if request_hash is not None:
            replay = await self._replay(request_hash, occurrence_id, request)
            if replay is not None:
                return replay
        refusal = self.availability(occurrence, request.places)
        if refusal is not None and refusal is not Outcome.FULL:
            return BookingResult(refusal)
        if request.places > occurrence.per_booking_limit:
            return BookingResult(Outcome.TOO_MANY, limit=occurrence.per_booking_limit)
        key = active_key(occurrence_id, request.email)
        if refusal is Outcome.FULL:
            # Already full when read: answer without queueing for the write lock (the reserve would refuse too).
            duplicate = await Booking.exists().where(Booking.active_key == key)
            return BookingResult(Outcome.DUPLICATE if duplicate else Outcome.FULL)
        prepared = self._prepare(occurrence, request, request_hash)
        try:
            async with write_transaction(self.engine):
                if await Booking.exists().where(Booking.active_key == key):
                    return BookingResult(Outcome.DUPLICATE)
                if not await self.capacity.reserve(occurrence_id, request.places):
                    return await self._why_not(event_id, occurrence_id, request)
                booking_id = await self._insert_booking(occurrence, request, prepared, key)
        except _UNIQUE_VIOLATIONS:
            # Two requests raced past the checks on PostgreSQL: the same key (a double submit) or the same email.
            replay = await self._replay(request_hash, occurrence_id, request) if request_hash else None
            return replay or BookingResult(Outcome.DUPLICATE)
        view = await self.booking_view(booking_id, request.locale)
        return BookingResult(Outcome.BOOKED, booking=view, token=prepared.token)

    async def _why_not(self, event_id: int, occurrence_id: int, request: BookingRequest) -> BookingResult:
        """After a refused reservation: full, or it became past or cancelled meanwhile."""
        occurrence = await self.occurrence(event_id, occurrence_id, request.locale)
        refusal = self.availability(occurrence, request.places) if occurrence else Outcome.NOT_FOUND
        return BookingResult(refusal or Outcome.FULL)

    async def _replay(self, request_hash: str, occurrence_id: int, request: BookingRequest) -> BookingResult | None:
        """The booking an earlier submission with the same key made, if any."""
        row = (
            await Booking.select(Booking.id, Booking.occurrence_id, Booking.email)
            .where(Booking.request_key == request_hash)
            .first()
        )
        if row is None:
            return None
        if row["occurrence_id"] != occurrence_id or row["email"] != request.email:
            return BookingResult(Outcome.KEY_REUSED)
        assert request.request_key is not None
        scoped = request_scope(occurrence_id, request.email, request.request_key)
        token = derived_token(self.settings.secret_key, "booking", scoped)
        view = await self.booking_view(row["id"], request.locale)
        return BookingResult(Outcome.REPLAYED, booking=view, token=token)

    def _prepare(
        self, occurrence: OccurrenceForBooking, request: BookingRequest, request_hash: str | None
    ) -> _Prepared:
        """The token and the rendered emails (rendered before the write lock is taken)."""
        if request.request_key:
            scoped = request_scope(occurrence.occurrence_id, request.email, request.request_key)
            token = derived_token(self.settings.secret_key, "booking", scoped)
        else:
            token = new_token()
        confirmation = self._confirmation_email(
            occurrence,
            email=request.email,
            name=request.name,
            places=request.places,
            locale=request.locale,
            token=token,
        )
        feedback = self.renderer.render(
            "feedback_invitation",
            to=request.email,
            locale=request.locale,
            recipient_name=request.name,
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            link=self._url(f"/bookings/{token}/feedback"),
        )
        return _Prepared(token, digest(token), request_hash, confirmation, feedback)

    def _confirmation_email(
        self, occurrence: OccurrenceForBooking, *, email: str, name: str, places: int, locale: str, token: str
    ) -> dict[str, Any]:
        payload: dict[str, Any] = dict(
            self.renderer.render(
                "booking_confirmed",
                to=email,
                locale=locale,
                recipient_name=name,
                places=places,
                title=occurrence.title,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                location=occurrence.location(),
                is_online=occurrence.is_online,
                manage_link=self._url(f"/bookings/{token}"),
            )
        )
        payload["attachments"] = [ics_attachment(self.ics(occurrence))]
        return payload

    def ics(self, occurrence: OccurrenceForBooking) -> bytes:
        """The calendar file for an occurrence (see backend/bookings/ics.py)."""
        return occurrence_ics(occurrence, base_url=self.settings.base_url, now=self.clock.now())

    async def _insert_booking(
        self, occurrence: OccurrenceForBooking, request: BookingRequest, prepared: _Prepared, key: str
    ) -> int:
        """Insert the booking and enqueue its emails (inside the caller's write transaction)."""
        rows = await Booking.insert(
            Booking(
                occurrence_id=occurrence.occurrence_id,
                event_id=occurrence.event_id,
                name=request.name,
                email=request.email,
                places=request.places,
                access_needs=request.access_needs,
                status=CONFIRMED,
                token_hash=prepared.token_hash,
                request_key=prepared.request_hash,
                user_id=request.user_id,
                active_key=key,
                locale=request.locale,
                created_at=self.clock.now(),
            )
        ).returning(Booking.id)
        booking_id = int(rows[0]["id"])
        await enqueue(EMAIL, f"booking-confirmed:{prepared.token_hash}", prepared.confirmation)
        await enqueue(
            FEEDBACK_INVITE,
            f"feedback-invite:{prepared.token_hash}",
            {"booking_id": booking_id, "email": prepared.feedback_invite},
            due_at=occurrence.ends_at + FEEDBACK_DELAY,
        )
        await partners.booking_made(occurrence, booking_id, request.places)
        return booking_id

    # --- the manage link -------------------------------------------------------------------------------

    async def booking_view(self, booking_id: int, locale: str = "en") -> BookingView | None:
        """One booking with its occurrence."""
        row = await Booking.select().where(Booking.id == booking_id).first()
        return await self._view(row, locale) if row else None

    async def by_token(self, token: str, locale: str = "en") -> BookingView | None:
        """The booking a manage link belongs to, or None."""
        row = await Booking.select().where(Booking.token_hash == digest(token)).first()
        return await self._view(row, locale) if row else None

    async def occurrence_of(self, booking: BookingView, locale: str) -> OccurrenceForBooking | None:
        """The occurrence a booking is for (for its calendar file)."""
        return await self.capacity.occurrence_for_booking(booking.occurrence_id, locale)

    async def _view(self, row: dict[str, Any], locale: str) -> BookingView | None:
        occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"], locale)
        if occurrence is None:
            return None
        return _view_of(row, occurrence)

    async def cancel(self, token: str, locale: str = "en") -> CancelResult:
        """Cancel through a manage link: release the places and offer them to the waitlist (one transaction)."""
        booking = await self.by_token(token, locale)
        if booking is None:
            return CancelResult(found=False)
        if booking.is_cancelled:
            return CancelResult(found=True, booking=booking)
        if booking.starts_at <= self.clock.now():
            return CancelResult(found=True, past=True, booking=booking)
        cancelled = await self._cancel_booking(Booking.token_hash == digest(token))
        return CancelResult(found=True, cancelled_now=cancelled, booking=await self.by_token(token, locale))

    async def cancel_for_user(self, booking_id: int, user_id: int, email: str = "") -> bool:
        """A signed-in resident cancels one of their own bookings (made signed in, or with their email)."""
        owned = (Booking.id == booking_id) & ((Booking.user_id == user_id) | (Booking.email == email.lower()))
        booking = await Booking.select(Booking.occurrence_id).where(owned).first()
        if booking is None:
            return False
        occurrence = await self.capacity.occurrence_for_booking(booking["occurrence_id"])
        if occurrence is None or occurrence.starts_at <= self.clock.now():
            return False
        return await self._cancel_booking(owned)

    async def _cancel_booking(self, condition: Any) -> bool:
        async with write_transaction(self.engine):
            rows = await (
                Booking.update(
                    {Booking.status: CANCELLED, Booking.active_key: None, Booking.cancelled_at: self.clock.now()}
                )
                .where(condition & (Booking.status == CONFIRMED))
                .returning(
                    Booking.id, Booking.occurrence_id, Booking.places, Booking.email, Booking.name, Booking.locale
                )
            )
            if not rows:
                return False
            row = rows[0]
            await self.capacity.release(row["occurrence_id"], row["places"])
            occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"], row["locale"])
            if occurrence is not None:
                payload = self.renderer.render(
                    "booking_cancelled",
                    to=row["email"],
                    locale=row["locale"],
                    recipient_name=row["name"],
                    title=occurrence.title,
                    starts_at=occurrence.starts_at,
                    event_link=self._url(f"/events/{occurrence.event_id}"),
                )
                await enqueue(EMAIL, f"booking-cancelled:{row['id']}", payload)
                await partners.booking_cancelled(occurrence, row["id"], row["places"])
            await self.offer_free_places(row["occurrence_id"])
        return True

    # --- the waitlist ----------------------------------------------------------------------------------

    async def join_waitlist(  # noqa: PLR0911 - one answer per way a request can be refused
        self, event_id: int, occurrence_id: int, request: BookingRequest
    ) -> BookingResult:
        """Wait for places on a full occurrence (a confirmation email says so)."""
        occurrence = await self.occurrence(event_id, occurrence_id, request.locale)
        if occurrence is None:
            return BookingResult(Outcome.NOT_FOUND)
        request_hash = (
            digest(f"waitlist:{request_scope(occurrence_id, request.email, request.request_key)}")
            if request.request_key
            else None
        )
        if request_hash and await WaitlistEntry.exists().where(WaitlistEntry.request_key == request_hash):
            return BookingResult(Outcome.WAITLISTED)
        refusal = self.availability(occurrence, request.places)
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
                await self.offer_free_places(occurrence_id)
        except _UNIQUE_VIOLATIONS:
            if request_hash and await WaitlistEntry.exists().where(WaitlistEntry.request_key == request_hash):
                return BookingResult(Outcome.WAITLISTED)
            return BookingResult(Outcome.DUPLICATE)
        return BookingResult(Outcome.WAITLISTED)

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
                    # They booked another way meanwhile: hand the held places on.
                    await self._close_offer(entry_id, CANCELLED)
                    return BookingResult(Outcome.DUPLICATE)
                request = BookingRequest(
                    name=entry["name"],
                    email=entry["email"],
                    places=entry["places"],
                    access_needs=entry["access_needs"],
                    locale=entry["locale"],
                    user_id=entry["user_id"],
                )
                confirmation = self._confirmation_email(
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
                prepared = _Prepared(manage_token, digest(manage_token), request_hash, confirmation, feedback)
                booking_id = await self._insert_booking(occurrence, request, prepared, key)
        except _UNIQUE_VIOLATIONS:
            # PostgreSQL: the same person booked this occurrence another way at the same moment.
            replay = await self._accepted(request_hash, manage_token, locale)
            if replay is not None:
                return replay
            assert entry_id is not None  # the violation comes from the insert, after the entry was read
            async with write_transaction(self.engine):
                await self._close_offer(entry_id, CANCELLED)
            return BookingResult(Outcome.DUPLICATE)
        view = await self.booking_view(booking_id, locale)
        return BookingResult(Outcome.BOOKED, booking=view, token=manage_token)

    async def _accepted(self, request_hash: str, manage_token: str, locale: str) -> BookingResult | None:
        """The booking an accepted offer made (a replay), or None when there is none."""
        booked = await Booking.select(Booking.id).where(Booking.request_key == request_hash).first()
        view = await self.booking_view(booked["id"], locale) if booked else None
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
            await self._close_offer(entry["id"], CANCELLED)
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
            if not await self._close_offer(entry_id, EXPIRED):
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

    async def _close_offer(self, entry_id: int, status: str) -> bool:
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

    # --- one's place on the waitlist: see it, leave it ---------------------------------------------------

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
        state = _place_state(row, occurrence, self.clock.now())
        return WaitlistPlace(
            state=state,
            places=row["places"],
            position=(await _queue_positions([row])).get(row["id"]) if state == WAITING else None,
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
        return bool(rows) or await self._close_offer(entry_id, LEFT)

    async def offer_places_job(self, occurrence_id: int) -> int:
        """The job enqueued when places are freed outside a request (an account deleted)."""
        async with write_transaction(self.engine):
            return await self.offer_free_places(occurrence_id)

    # --- for the events domain (partners' pages and cancellations) --------------------------------------

    async def attendees(self, occurrence_id: int) -> list[Attendee]:
        """Confirmed bookings for an occurrence, in booking order, with access needs."""
        rows = (
            await Booking.select(
                Booking.id, Booking.name, Booking.email, Booking.places, Booking.access_needs, Booking.created_at
            )
            .where((Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED))
            .order_by(Booking.id)
        )
        return [
            Attendee(
                booking_id=row["id"],
                name=row["name"],
                email=row["email"],
                places=row["places"],
                access_needs=row["access_needs"],
                booked_at=row["created_at"],
            )
            for row in rows
        ]

    async def counts(self, occurrence_ids: list[int]) -> dict[int, int]:
        """Places booked (confirmed) per occurrence; occurrences with none are left out."""
        if not occurrence_ids:
            return {}
        rows = (
            await Booking.select(Booking.occurrence_id, Sum(Booking.places).as_alias("booked"))
            .where(Booking.occurrence_id.is_in(list(set(occurrence_ids))) & (Booking.status == CONFIRMED))
            .group_by(Booking.occurrence_id)
        )
        return {row["occurrence_id"]: int(row["booked"] or 0) for row in rows}

    async def message_attendees(self, occurrence_id: int, subject: str, body: str, sender: CurrentUser | None) -> int:
        """Email everyone booked on an occurrence (through the outbox). Returns how many were sent a message.

        Call inside the caller's write transaction (with its audit entry).
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id)
        if occurrence is None:
            return 0
        stamp = int(self.clock.now().timestamp())
        fingerprint = digest(f"{subject}\n{body}")[:16]
        rows = await Booking.select(Booking.id, Booking.email, Booking.name, Booking.locale).where(
            (Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED)
        )
        for row in rows:
            local = await self.capacity.occurrence_for_booking(occurrence_id, row["locale"]) or occurrence
            payload = self.renderer.render(
                "booking_message",
                to=row["email"],
                locale=row["locale"],
                recipient_name=row["name"],
                title=local.title,
                starts_at=local.starts_at,
                message_subject=subject,
                message_body=body,
                sender_name=sender.display_name if sender else "",
            )
            await enqueue(EMAIL, f"attendee-message:{row['id']}:{fingerprint}:{stamp}", payload)
        return len(rows)

    async def occurrence_cancelled(self, occurrence_id: int, reason: str) -> int:
        """The occurrence was cancelled: cancel its bookings and waitlist and tell everyone booked.

        Call inside the events domain's write transaction that cancels the occurrence. Returns how many bookings.
        """
        now = self.clock.now()
        rows = await (
            Booking.update({Booking.status: CANCELLED, Booking.active_key: None, Booking.cancelled_at: now})
            .where((Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED))
            .returning(Booking.id, Booking.email, Booking.name, Booking.locale, Booking.places)
        )
        await WaitlistEntry.update({WaitlistEntry.status: CANCELLED, WaitlistEntry.active_key: None}).where(
            (WaitlistEntry.occurrence_id == occurrence_id) & WaitlistEntry.status.is_in([WAITING, OFFERED])
        )
        await self._tell_booked(
            occurrence_id, rows, "booking_occurrence_cancelled", f"occurrence-cancelled:{occurrence_id}", reason=reason
        )
        return len(rows)

    async def occurrence_moved(self, occurrence_id: int, was_starts_at: datetime, was_ends_at: datetime) -> int:
        """The occurrence was moved to a new time: tell everyone booked (their bookings stand) and everyone on
        its waiting list (their places in the queue, and any offer, stand too).

        Call inside the events domain's write transaction that moves it, after the move (the email and its .ics
        show the new time). Returns how many people were told.
        """
        occurrence = await self.capacity.occurrence_for_booking(occurrence_id)
        if occurrence is None:
            return 0
        rows = await Booking.select(Booking.id, Booking.email, Booking.name, Booking.locale, Booking.places).where(
            (Booking.occurrence_id == occurrence_id) & (Booking.status == CONFIRMED)
        )
        # The new time and the occurrence's sequence (bumped by every change) make the key: a retry of the same
        # move adds nothing, a later move (even back to an earlier time) is told again.
        key = f"occurrence-moved:{occurrence_id}:{occurrence.starts_at.isoformat()}:{occurrence.sequence}"
        await self._tell_booked(
            occurrence_id, rows, "booking_occurrence_moved", key, was_starts_at=was_starts_at, was_ends_at=was_ends_at
        )
        waiting = await WaitlistEntry.select(
            WaitlistEntry.id, WaitlistEntry.email, WaitlistEntry.name, WaitlistEntry.locale, WaitlistEntry.status
        ).where((WaitlistEntry.occurrence_id == occurrence_id) & WaitlistEntry.status.is_in(list(OPEN_ENTRY)))
        await self._tell_booked(
            occurrence_id,
            waiting,
            "waitlist_occurrence_moved",
            f"{key}:waiting",
            calendar=False,  # not going (yet): nothing for their calendar
            was_starts_at=was_starts_at,
            was_ends_at=was_ends_at,
        )
        return len(rows) + len(waiting)

    async def _tell_booked(
        self,
        occurrence_id: int,
        rows: list[dict[str, Any]],
        template: str,
        key: str,
        *,
        calendar: bool = True,
        **context: Any,
    ) -> None:
        """Email each of these people (bookings, or waiting-list entries) about their occurrence as it is now, in
        their language, with its .ics unless `calendar` is False, through the outbox (in the caller's transaction)."""
        in_language: dict[str, Any] = {}  # the occurrence read once per language, not once per person
        for row in rows:
            if row["locale"] not in in_language:
                in_language[row["locale"]] = await self.capacity.occurrence_for_booking(occurrence_id, row["locale"])
            occurrence = in_language[row["locale"]]
            if occurrence is None:
                continue
            payload: dict[str, Any] = dict(
                self.renderer.render(
                    template,
                    to=row["email"],
                    locale=row["locale"],
                    recipient_name=row["name"],
                    places=row.get("places", 0),
                    offered=row.get("status") == OFFERED,  # a waiting-list entry holding an offer
                    title=occurrence.title,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    **context,
                )
            )
            if calendar:
                payload["attachments"] = [ics_attachment(self.ics(occurrence))]
            await enqueue(EMAIL, f"{key}:{row['id']}", payload)

    # --- afterwards --------------------------------------------------------------------------------------

    async def feedback_due(self, booking_id: int) -> bool:
        """For the invitation job: the booking still stands and its occurrence took place."""
        row = await Booking.select(Booking.status, Booking.occurrence_id).where(Booking.id == booking_id).first()
        if row is None or row["status"] != CONFIRMED:
            return False
        occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"])
        return occurrence is not None and occurrence.status == "scheduled" and occurrence.ends_at <= self.clock.now()

    async def feedback_state(self, token: str) -> tuple[BookingView | None, bool, bool]:
        """(booking, may give feedback now, already given) for a feedback link."""
        booking = await self.by_token(token)
        if booking is None:
            return None, False, False
        given = await Feedback.exists().where(Feedback.booking_id == booking.id)
        allowed = (
            not booking.is_cancelled
            and booking.occurrence_status == "scheduled"
            and booking.ends_at <= self.clock.now()
        )
        return booking, allowed, given

    async def give_feedback(self, token: str, rating: int, comment: str) -> bool:
        """Record an attendee's rating and comment (once per booking). False when not allowed or given already."""
        booking, allowed, given = await self.feedback_state(token)
        if booking is None or not allowed or given or not 1 <= rating <= 5:
            return False
        try:
            async with write_transaction(self.engine):
                await Feedback.insert(
                    Feedback(
                        booking_id=booking.id,
                        event_id=booking.event_id,
                        occurrence_id=booking.occurrence_id,
                        rating=rating,
                        comment=comment,
                        created_at=self.clock.now(),
                    )
                )
        except _UNIQUE_VIOLATIONS:
            return False
        return True

    async def event_feedback(self, event_id: int) -> list[FeedbackView]:
        """Feedback on one event, newest first (hidden comments keep their rating, not their text)."""
        rows = await Feedback.select().where(Feedback.event_id == event_id).order_by(Feedback.id, ascending=False)
        brief = await self.capacity.event_brief(event_id)
        return [_feedback_view(row, brief.title if brief else "") for row in rows]

    async def recent_feedback(self, limit: int = 100) -> list[FeedbackView]:
        """The latest feedback with a comment, for officers."""
        rows = await Feedback.select().where(Feedback.comment != "").order_by(Feedback.id, ascending=False).limit(limit)
        titles: dict[int, str] = {}
        for event_id in {row["event_id"] for row in rows}:
            brief = await self.capacity.event_brief(event_id)
            titles[event_id] = brief.title if brief else ""
        return [_feedback_view(row, titles.get(row["event_id"], "")) for row in rows]

    async def hide_feedback(self, feedback_id: int, reason: str, officer: CurrentUser) -> bool:
        """Hide an abusive comment with a reason (audited in the same transaction)."""
        async with write_transaction(self.engine):
            rows = await (
                Feedback.update({Feedback.hidden: True, Feedback.hidden_reason: reason, Feedback.hidden_by: officer.id})
                .where(Feedback.id == feedback_id)
                .returning(Feedback.id)
            )
            if rows:
                await audit.record(
                    "feedback.hidden", actor=officer, subject_type="feedback", subject_id=feedback_id, reason=reason
                )
        return bool(rows)

    async def organisation_of_event(self, event_id: int) -> int | None:
        """The organisation running an event (partners see feedback on their own events only)."""
        brief = await self.capacity.event_brief(event_id)
        return brief.organisation_id if brief else None

    async def event_title(self, event_id: int, locale: str) -> str:
        """An event's title in a locale ("" when there is no such event)."""
        brief = await self.capacity.event_brief(event_id, locale)
        return brief.title if brief else ""

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"


async def organisation_verified(organisation_id: int) -> bool:
    """True when the organisation running an event is verified (only then is the event public and bookable)."""
    standing = await organisation_standing(organisation_id)
    return standing is not None and standing[0] == "verified"


def _view_of(row: dict[str, Any], occurrence: OccurrenceForBooking) -> BookingView:
    return BookingView(
        id=row["id"],
        occurrence_id=row["occurrence_id"],
        event_id=row["event_id"],
        name=row["name"],
        email=row["email"],
        places=row["places"],
        access_needs=row["access_needs"],
        status=row["status"],
        created_at=row["created_at"],
        cancelled_at=row["cancelled_at"],
        title=occurrence.title,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        location=occurrence.location(),
        is_online=occurrence.is_online,
        occurrence_status="cancelled" if "cancelled" in {occurrence.status, occurrence.event_status} else "scheduled",
    )


def _feedback_view(row: dict[str, Any], title: str) -> FeedbackView:
    return FeedbackView(
        id=row["id"],
        event_id=row["event_id"],
        event_title=title,
        rating=row["rating"],
        comment=row["comment"],
        hidden=bool(row["hidden"]),
        hidden_reason=row["hidden_reason"],
        created_at=row["created_at"],
    )


def _place_state(row: dict[str, Any], occurrence: OccurrenceForBooking, now: datetime) -> str:
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


async def _queue_positions(entries: list[dict[str, Any]]) -> dict[int, int]:
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


# --- for other domains -----------------------------------------------------------------------------------


async def bookings_for_user(
    user_id: int, *, email: str = "", now: datetime | None = None, locale: str = "en"
) -> list[UserBooking]:
    """A signed-in resident's bookings — made signed in, or with the email address they signed in with (which
    the emailed link proved is theirs): upcoming soonest first, then past ones, latest first.

    For the account page: `await bookings_for_user(user.id, now=state["clock"].now(), locale=...)`.
    """
    clock: Clock = SystemClock() if now is None else SettableClock(now)  # the caller's moment
    moment = clock.now()
    rows = await Booking.select(
        Booking.id, Booking.event_id, Booking.occurrence_id, Booking.places, Booking.status
    ).where((Booking.user_id == user_id) | (Booking.email == email.lower()))
    occurrences = await CapacityService(clock).occurrences_for_booking([row["occurrence_id"] for row in rows], locale)
    found = [
        UserBooking(
            booking_id=row["id"],
            event_id=row["event_id"],
            occurrence_id=row["occurrence_id"],
            title=occurrences[row["occurrence_id"]].title,
            starts_at=occurrences[row["occurrence_id"]].starts_at,
            places=row["places"],
            status=row["status"],
            is_past=occurrences[row["occurrence_id"]].starts_at <= moment,
        )
        for row in rows
        if row["occurrence_id"] in occurrences
    ]
    upcoming = sorted((item for item in found if not item.is_past), key=lambda item: item.starts_at)
    past = sorted((item for item in found if item.is_past), key=lambda item: item.starts_at, reverse=True)
    return upcoming + past


async def waitlist_for_user(
    user_id: int, *, email: str = "", now: datetime | None = None, locale: str = "en"
) -> list[UserWaitlistPlace]:
    """A signed-in resident's open waitlist places (waiting, or an offer still open) on occurrences still to
    come — joined signed in or with the email address they signed in with — soonest first.

    For the account page: `await waitlist_for_user(user.id, email=user.email, now=state["clock"].now(), …)`.
    """
    clock: Clock = SystemClock() if now is None else SettableClock(now)  # the caller's moment
    moment = clock.now()
    rows = await WaitlistEntry.select(
        WaitlistEntry.id,
        WaitlistEntry.event_id,
        WaitlistEntry.occurrence_id,
        WaitlistEntry.places,
        WaitlistEntry.status,
        WaitlistEntry.offer_expires_at,
        WaitlistEntry.created_at,
    ).where(
        ((WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower()))
        & WaitlistEntry.status.is_in(list(OPEN_ENTRY))
    )
    occurrences = await CapacityService(clock).occurrences_for_booking([row["occurrence_id"] for row in rows], locale)
    positions = await _queue_positions(rows)
    found: list[UserWaitlistPlace] = []
    for row in rows:
        occurrence = occurrences.get(row["occurrence_id"])
        if occurrence is None or _place_state(row, occurrence, moment) not in OPEN_ENTRY:
            continue  # past, cancelled, or an offer whose time is up
        found.append(
            UserWaitlistPlace(
                entry_id=row["id"],
                event_id=row["event_id"],
                occurrence_id=row["occurrence_id"],
                title=occurrence.title,
                starts_at=occurrence.starts_at,
                places=row["places"],
                status=row["status"],
                position=positions.get(row["id"]),
                offer_expires_at=row["offer_expires_at"],
            )
        )
    return sorted(found, key=lambda item: (item.starts_at, item.entry_id))


async def delete_user_bookings(user_id: int, email: str) -> None:
    """Account deletion hook: release the person's places, delete their bookings, waitlist places and feedback —
    those made signed in and those made with their email address.

    Runs inside the accounts domain's write transaction; freed places are offered to the waitlist by a job.
    """
    rows = await Booking.select(Booking.id, Booking.occurrence_id, Booking.places, Booking.status).where(
        (Booking.user_id == user_id) | (Booking.email == email.lower())
    )
    capacity = CapacityService(SystemClock())  # release() does not read the clock
    freed: set[int] = set()
    for row in rows:
        if row["status"] == CONFIRMED:
            await capacity.release(row["occurrence_id"], row["places"])
            freed.add(row["occurrence_id"])
    offered = await WaitlistEntry.select(WaitlistEntry.occurrence_id, WaitlistEntry.places).where(
        ((WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower()))
        & (WaitlistEntry.status == OFFERED)
    )
    for entry in offered:
        await capacity.release(entry["occurrence_id"], entry["places"])
        freed.add(entry["occurrence_id"])
    booking_ids = [row["id"] for row in rows]
    if booking_ids:
        await Feedback.delete().where(Feedback.booking_id.is_in(booking_ids))
        await Booking.delete().where(Booking.id.is_in(booking_ids))
    await WaitlistEntry.delete().where((WaitlistEntry.user_id == user_id) | (WaitlistEntry.email == email.lower()))
    for occurrence_id in sorted(freed):
        await enqueue(OFFER_PLACES, f"offer-places:{occurrence_id}:user-{user_id}", {"occurrence_id": occurrence_id})


if delete_user_bookings not in ACCOUNT_DELETION_HOOKS:
    ACCOUNT_DELETION_HOOKS.append(delete_user_bookings)
