"""Feedback afterwards: the invitation two hours after a date ends, the rating, and officers hiding abuse."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.engine.base import Engine

from backend.bookings.booking import BookingService
from backend.bookings.schemas import (
    BookingView,
    FeedbackFilter,
    FeedbackView,
)
from backend.bookings.tables import Booking, Feedback
from backend.bookings.tokens import CONFIRMED, UNIQUE_VIOLATIONS
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import like_literal, write_transaction
from backend.core.mail import EmailRenderer
from backend.events.capacity import CapacityService, EventBrief
from backend.settings import Settings

logger = logging.getLogger("hearby.bookings")


class FeedbackService:
    """Inviting attendees to rate a date afterwards; partners read it, officers hide abuse."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        capacity: CapacityService,
        booking: BookingService,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.capacity = capacity
        self.booking = booking

    async def feedback_due(self, booking_id: int) -> bool:
        """For the invitation job: the booking still stands and its occurrence took place."""
        row = await Booking.select(Booking.status, Booking.occurrence_id).where(Booking.id == booking_id).first()
        if row is None or row["status"] != CONFIRMED:
            return False
        occurrence = await self.capacity.occurrence_for_booking(row["occurrence_id"])
        return occurrence is not None and occurrence.status == "scheduled" and occurrence.ends_at <= self.clock.now()

    async def feedback_state(self, token: str) -> tuple[BookingView | None, bool, bool]:
        """(booking, may give feedback now, already given) for a feedback link."""
        booking = await self.booking.by_token(token)
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
        except UNIQUE_VIOLATIONS:
            return False
        return True

    async def event_feedback(self, event_id: int) -> list[FeedbackView]:
        """Feedback on one event, newest first (hidden comments keep their rating, not their text)."""
        rows = await Feedback.select().where(Feedback.event_id == event_id).order_by(Feedback.id, ascending=False)
        brief = await self.capacity.event_brief(event_id)
        return [feedback_view(row, brief.title if brief else "") for row in rows]

    async def recent_feedback(self, limit: int = 100) -> list[FeedbackView]:
        """The latest feedback with a comment, for officers."""
        rows = await Feedback.select().where(Feedback.comment != "").order_by(Feedback.id, ascending=False).limit(limit)
        titles: dict[int, str] = {}
        for event_id in {row["event_id"] for row in rows}:
            brief = await self.capacity.event_brief(event_id)
            titles[event_id] = brief.title if brief else ""
        return [feedback_view(row, titles.get(row["event_id"], "")) for row in rows]

    def _for_officers(self, filters: FeedbackFilter, *, count: bool = False) -> Any:
        """Feedback with a comment, filtered; words are looked for in comments that are not hidden."""
        condition: Combinable = Feedback.comment != ""
        if filters.event_ids is not None:
            condition &= Feedback.event_id.is_in(list(filters.event_ids) or [0])
        if filters.since is not None:
            condition &= Feedback.created_at >= filters.since.astimezone(UTC)
        if filters.until is not None:
            condition &= Feedback.created_at < filters.until.astimezone(UTC)
        if filters.text and like_literal(filters.text):
            condition &= (Feedback.hidden == False) & Feedback.comment.ilike(f"%{like_literal(filters.text)}%")  # noqa: E712
        return Feedback.count().where(condition) if count else Feedback.select().where(condition)

    async def feedback_for_officers(self, filters: FeedbackFilter, locale: str, limit: int) -> list[FeedbackView]:
        """The newest `limit` comments on events that match, newest first, with titles in `locale`."""
        if limit < 1:
            return []
        rows = (
            await self._for_officers(filters)
            .order_by(Feedback.created_at, ascending=False)
            .order_by(Feedback.id, ascending=False)
            .limit(limit)
        )
        briefs = await self.capacity.event_briefs({row["event_id"] for row in rows}, locale)
        return [feedback_view(row, briefs[row["event_id"]].title if row["event_id"] in briefs else "") for row in rows]

    async def count_for_officers(self, filters: FeedbackFilter) -> int:
        """How many comments on events match."""
        return int(await self._for_officers(filters, count=True))

    async def commented_events(self, locale: str) -> list[EventBrief]:
        """The events that have comments, with their titles in `locale` and organisations, in title order."""
        rows = await Feedback.select(Feedback.event_id).where(Feedback.comment != "").distinct()
        briefs = await self.capacity.event_briefs({row["event_id"] for row in rows}, locale)
        return sorted(briefs.values(), key=lambda brief: (brief.title.casefold(), brief.event_id))

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


def feedback_view(row: dict[str, Any], title: str) -> FeedbackView:
    """A feedback row with its event's title."""
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
