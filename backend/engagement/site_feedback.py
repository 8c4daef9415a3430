"""Feedback on Hearby itself (from the footer of every page), and the officers' one feedback view, which also
shows the feedback attendees give on events (read through the bookings domain's service, not its tables)."""

from __future__ import annotations

import sqlite3
from typing import Any

import asyncpg
from piccolo.engine.base import Engine

from backend.bookings.services import BookingsService
from backend.core.clock import Clock
from backend.core.db import like_literal, write_transaction
from backend.engagement.common import digest
from backend.engagement.schemas import FeedbackItem, SiteFeedbackRequest
from backend.engagement.tables import SiteFeedback

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
SOURCES = ("site", "event")


class SiteFeedbackService:
    """Recording feedback on pages, and reading every kind of feedback for officers."""

    def __init__(self, clock: Clock, engine: Engine[Any], bookings: BookingsService) -> None:
        self.clock = clock
        self.engine = engine
        self.bookings = bookings

    async def record(self, request: SiteFeedbackRequest) -> bool:
        """Store feedback once (a retried form with the same nonce adds nothing). True when stored now."""
        key = digest(f"site-feedback:{request.request_key}") if request.request_key else None
        if key is not None and await SiteFeedback.exists().where(SiteFeedback.request_key == key):
            return False
        try:
            async with write_transaction(self.engine):
                await SiteFeedback.insert(
                    SiteFeedback(
                        kind=request.kind,
                        page=request.page,
                        locale=request.locale,
                        text=request.text,
                        quoted=request.quoted,
                        request_key=key,
                        created_at=self.clock.now(),
                    )
                )
        except _UNIQUE_VIOLATIONS:
            return False
        return True

    async def feedback(
        self, *, source: str = "", kind: str = "", locale: str = "", page: str = "", limit: int = 200
    ) -> list[FeedbackItem]:
        """Feedback on Hearby and on events, newest first, filtered by source, kind, language and page.

        Event feedback has no language or page: those filters show feedback on Hearby only.
        """
        items: list[FeedbackItem] = []
        if source in {"", "site"}:
            query = SiteFeedback.select().order_by(SiteFeedback.id, ascending=False).limit(limit)
            if kind:
                query = query.where(SiteFeedback.kind == kind)
            if locale:
                query = query.where(SiteFeedback.locale == locale)
            if page:
                query = query.where(SiteFeedback.page.like(f"%{like_literal(page)}%"))
            items.extend(
                FeedbackItem(
                    source="site",
                    kind=row["kind"],
                    created_at=row["created_at"],
                    text=row["text"],
                    page=row["page"],
                    locale=row["locale"],
                    quoted=row["quoted"],
                )
                for row in await query
            )
        if source in {"", "event"} and not (kind or locale or page):
            items.extend(
                FeedbackItem(
                    source="event",
                    kind="event",
                    created_at=item.created_at,
                    text=item.comment,
                    rating=item.rating,
                    event_title=item.event_title,
                    event_id=item.event_id,
                    hidden=item.hidden,
                )
                for item in await self.bookings.feedback.recent_feedback(limit)
            )
        return sorted(items, key=lambda item: item.created_at, reverse=True)[:limit]
