"""Booking and manage links: places taken on a date, the confirmation, and the private link that shows
or cancels a booking.

Places are taken by the events domain's `CapacityService.reserve` (one conditional UPDATE) in the same write
transaction that inserts the booking and enqueues its confirmation email; nothing is acknowledged before that
transaction commits. A submission's idempotency key (`request_scope`) finds the same booking on a retry.
A cancellation releases the places and offers them, in the same transaction, to the waiting list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.ics import ics_attachment, occurrence_ics
from backend.bookings.offers import Offers
from backend.bookings.schemas import (
    BookingRequest,
    BookingResult,
    BookingView,
    CancelResult,
    Outcome,
)
from backend.bookings.tables import Booking
from backend.bookings.tokens import (
    CANCELLED,
    CONFIRMED,
    FEEDBACK_DELAY,
    FEEDBACK_INVITE,
    UNIQUE_VIOLATIONS,
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
from backend.notifications import partners
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")


@dataclass(frozen=True)
class PreparedBooking:
    """What a booking insert needs, worked out before the write lock is taken."""

    token: str
    token_hash: str
    request_hash: str | None
    confirmation: dict[str, Any]
    feedback_invite: dict[str, Any]


class BookingService:
    """Booking places on a date, and the private manage link that shows or cancels a booking."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        capacity: CapacityService,
        offers: Offers,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = capacity
        self.offers = offers

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

    async def book(self, event_id: int, occurrence_id: int, request: BookingRequest) -> BookingResult:
        """Book places: reserve, insert and enqueue the confirmation email in one write transaction.

        A repeat (this email already has a place on this date) is told to the address, not to whoever asked.
        """
        occurrence = await self.occurrence(event_id, occurrence_id, request.locale)
        if occurrence is None:
            return BookingResult(Outcome.NOT_FOUND)
        result = await self._book(occurrence, request)
        if result.outcome is Outcome.DUPLICATE:
            await self.tell_already_has_place(occurrence, request)
        return result

    async def tell_already_has_place(self, occurrence: OccurrenceForBooking, request: BookingRequest) -> None:
        """Email the address that it already has a place (or a waiting-list place) on this date.

        The answer to the request says only "check your email", so it never tells anyone else that an address
        has booked. One such email per address, date and day: repeating the request cannot flood an inbox.
        """
        payload = self.renderer.render(
            "booking_already_held",
            to=request.email,
            locale=request.locale,
            title=occurrence.title,
            starts_at=occurrence.starts_at,
            account_link=self._url("/account"),
        )
        key = active_key(occurrence.occurrence_id, request.email)
        async with write_transaction(self.engine):
            await enqueue(EMAIL, f"booking-already-held:{key}:{self.clock.now().date().isoformat()}", payload)

    async def _book(  # noqa: PLR0911 - one answer per way a booking can be refused
        self, occurrence: OccurrenceForBooking, request: BookingRequest
    ) -> BookingResult:
        event_id, occurrence_id = occurrence.event_id, occurrence.occurrence_id
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
            # The same key may have just taken the last places: that answers with its booking.
            replay = await self._replay(request_hash, occurrence_id, request) if request_hash else None
            if replay is not None:
                return replay
            duplicate = await Booking.exists().where(Booking.active_key == key)
            return BookingResult(Outcome.DUPLICATE if duplicate else Outcome.FULL)
        prepared = self._prepare(occurrence, request, request_hash)
        try:
            async with write_transaction(self.engine):
                booked = await Booking.select(Booking.request_key).where(Booking.active_key == key).first()
                if booked is not None:
                    # The same key sent again while the first was being written (a retry after a timeout, a
                    # double submit) answers with that booking; another key for the same email is a duplicate.
                    if request_hash is not None and booked["request_key"] == request_hash:
                        replay = await self._replay(request_hash, occurrence_id, request)
                        if replay is not None:
                            return replay
                    return BookingResult(Outcome.DUPLICATE)
                if not await self.capacity.reserve(occurrence_id, request.places):
                    return await self._why_not(event_id, occurrence_id, request)
                booking_id = await self.insert_booking(occurrence, request, prepared, key)
        except UNIQUE_VIOLATIONS:
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
    ) -> PreparedBooking:
        """The token and the rendered emails (rendered before the write lock is taken)."""
        if request.request_key:
            scoped = request_scope(occurrence.occurrence_id, request.email, request.request_key)
            token = derived_token(self.settings.secret_key, "booking", scoped)
        else:
            token = new_token()
        confirmation = self.confirmation_email(
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
        return PreparedBooking(token, digest(token), request_hash, confirmation, feedback)

    def confirmation_email(
        self, occurrence: OccurrenceForBooking, *, email: str, name: str, places: int, locale: str, token: str
    ) -> dict[str, Any]:
        """The confirmation email of a booking (with its calendar file), rendered in the booker's language."""
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

    async def insert_booking(
        self, occurrence: OccurrenceForBooking, request: BookingRequest, prepared: PreparedBooking, key: str
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
        return view_of(row, occurrence)

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
            await self.offers.offer_free_places(row["occurrence_id"])
        return True

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"


def view_of(row: dict[str, Any], occurrence: OccurrenceForBooking) -> BookingView:
    """A booking row with its date, as the manage page and the account page show it."""
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
