"""Feedback on Hearby itself (from the footer of every page), and the officers' one feedback view, which also
shows the feedback attendees give on events (read through the bookings domain's service, not its tables) and
the comments people let council officers read after a Listening Exchange (read through the exchanges domain's
`CouncilComments`, which hands out no name, email or anything else that leads back to the person).

The view is paged newest first across the three sources: for page n each source gives its newest n x 25 that
match, and the merged list is cut to the page (so a page is right without reading every row).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC
from typing import Any

import asyncpg
from piccolo.custom_types import Combinable
from piccolo.engine.base import Engine

from backend.accounts.organisations import organisation_names
from backend.bookings.schemas import FeedbackFilter
from backend.bookings.services import BookingsService
from backend.core.clock import Clock
from backend.core.db import like_literal, write_transaction
from backend.core.paging import page_count
from backend.engagement.common import digest
from backend.engagement.schemas import (
    FEEDBACK_PER_PAGE,
    MAX_FEEDBACK_PAGE,
    FeedbackChoices,
    FeedbackItem,
    FeedbackPage,
    FeedbackQuery,
    SiteFeedbackRequest,
)
from backend.engagement.tables import SiteFeedback
from backend.exchanges.comments import CommentFilter, CouncilComments

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


class SiteFeedbackService:
    """Recording feedback on pages, and reading every kind of feedback for officers."""

    def __init__(
        self, clock: Clock, engine: Engine[Any], bookings: BookingsService, exchange_comments: CouncilComments
    ) -> None:
        self.clock = clock
        self.engine = engine
        self.bookings = bookings
        self.exchange_comments = exchange_comments

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

    async def feedback(self, query: FeedbackQuery, locale: str, page: int = 1) -> FeedbackPage:
        """One page of the feedback that matches, newest first, from every source the filters allow."""
        page = max(1, min(page, MAX_FEEDBACK_PAGE))
        sources = query.sources()
        total = 0
        for source in sources:
            total += await self._count(source, query)
        pages = page_count(total, FEEDBACK_PER_PAGE)
        page = min(page, pages)
        wanted = page * FEEDBACK_PER_PAGE
        items: list[FeedbackItem] = []
        for source in sources:
            items.extend(await self._newest(source, query, locale, wanted))
        items.sort(key=lambda item: item.created_at, reverse=True)
        return FeedbackPage(items=items[wanted - FEEDBACK_PER_PAGE : wanted], total=total, page=page, pages=pages)

    async def choices(self, locale: str) -> FeedbackChoices:
        """What the filters offer: events that have comments, the partners running them, exchange topics."""
        events = await self.bookings.feedback.commented_events(locale)
        names = await organisation_names({event.organisation_id for event in events})
        partners = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
        return FeedbackChoices(
            events=[(event.event_id, event.title) for event in events],
            partners=partners,
            topics=await self.exchange_comments.topics(locale),
        )

    async def _count(self, source: str, query: FeedbackQuery) -> int:
        if source == "site":
            return int(await SiteFeedback.count().where(self._site_condition(query)))
        if source == "event":
            return await self.bookings.feedback.count_for_officers(await self._event_filter(query))
        return await self.exchange_comments.count(self._comment_filter(query))

    async def _newest(self, source: str, query: FeedbackQuery, locale: str, limit: int) -> list[FeedbackItem]:
        if source == "site":
            return await self._site_items(query, limit)
        if source == "event":
            return await self._event_items(query, locale, limit)
        return [
            FeedbackItem(
                source="exchange",
                kind="exchange",
                created_at=comment.given_at,
                text=comment.text,
                locale=comment.locale,
                topic_title=comment.topic_title,
                topic_lang=comment.topic_lang,
            )
            for comment in await self.exchange_comments.comments(self._comment_filter(query), locale, limit)
        ]

    @staticmethod
    def _site_condition(query: FeedbackQuery) -> Any:
        condition: Combinable = SiteFeedback.id > 0
        if query.kind:
            condition &= SiteFeedback.kind == query.kind
        if query.locale:
            condition &= SiteFeedback.locale == query.locale
        if query.page and like_literal(query.page):
            condition &= SiteFeedback.page.like(f"%{like_literal(query.page)}%")
        if query.since is not None:
            condition &= SiteFeedback.created_at >= query.since.astimezone(UTC)
        if query.until is not None:
            condition &= SiteFeedback.created_at < query.until.astimezone(UTC)
        if query.text and like_literal(query.text):
            pattern = f"%{like_literal(query.text)}%"
            condition &= SiteFeedback.text.ilike(pattern) | SiteFeedback.quoted.ilike(pattern)
        return condition

    async def _site_items(self, query: FeedbackQuery, limit: int) -> list[FeedbackItem]:
        rows = (
            await SiteFeedback.select()
            .where(self._site_condition(query))
            .order_by(SiteFeedback.created_at, ascending=False)
            .order_by(SiteFeedback.id, ascending=False)
            .limit(limit)
        )
        return [
            FeedbackItem(
                source="site",
                kind=row["kind"],
                created_at=row["created_at"],
                text=row["text"],
                page=row["page"],
                locale=row["locale"],
                quoted=row["quoted"],
            )
            for row in rows
        ]

    async def _event_filter(self, query: FeedbackQuery) -> FeedbackFilter:
        event_ids: tuple[int, ...] | None = None
        if query.event_id is not None:
            event_ids = (query.event_id,)
        if query.organisation_id is not None:
            events = await self.bookings.feedback.commented_events("en")
            of_partner = tuple(event.event_id for event in events if event.organisation_id == query.organisation_id)
            event_ids = of_partner if event_ids is None else tuple(set(event_ids) & set(of_partner))
        return FeedbackFilter(event_ids=event_ids, since=query.since, until=query.until, text=query.text)

    async def _event_items(self, query: FeedbackQuery, locale: str, limit: int) -> list[FeedbackItem]:
        views = await self.bookings.feedback.feedback_for_officers(await self._event_filter(query), locale, limit)
        briefs = {event.event_id: event for event in await self.bookings.feedback.commented_events(locale)}
        names = await organisation_names({brief.organisation_id for brief in briefs.values()})
        return [
            FeedbackItem(
                source="event",
                kind="event",
                created_at=view.created_at,
                text=view.comment,
                rating=view.rating,
                event_title=view.event_title,
                event_id=view.event_id,
                organisation_name=names.get(briefs[view.event_id].organisation_id, "")
                if view.event_id in briefs
                else "",
                hidden=view.hidden,
            )
            for view in views
        ]

    @staticmethod
    def _comment_filter(query: FeedbackQuery) -> CommentFilter:
        return CommentFilter(
            topic_id=query.topic_id, locale=query.locale, since=query.since, until=query.until, text=query.text
        )
