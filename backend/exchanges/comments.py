"""Comments from the after-session questionnaire that their authors let council officers read, for the officers'
one feedback view (the engagement domain reads them through this module, never through the tables).

What people say after an exchange is about their political opinions (special-category data), so this reads
only what each person agreed to for this purpose (`comment_to_council`: a separate choice from letting the
researchers read it) and hands out only the comment, its topic, its language and when it was given: never a
name, an email, a reference, a slot or anything else that joins it to the person or their pair. Withdrawing
deletes the answers; once a request's identity is purged, or it is past the retention period
(`EXCHANGES_RETENTION_MONTHS` after its last slot, or its request if never matched), its comment leaves this
view too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.core.clock import Clock
from backend.core.db import like_literal
from backend.exchanges.common import AFTER, WITHDRAWN, content_for
from backend.exchanges.evaluation import retention_cutoff
from backend.exchanges.tables import ExchangeRequest, ExchangeSurvey, ExchangeTopic
from backend.settings import Settings


@dataclass(frozen=True)
class CouncilComment:
    """A comment its author let council officers read, with no way back to them."""

    topic_id: int
    topic_title: str
    topic_lang: str  # the language the title is in
    text: str
    locale: str  # the language the person used Hearby in
    given_at: datetime


@dataclass(frozen=True)
class CommentFilter:
    """Which comments: a topic, the language the person used, a period (from `since`, before `until`), words."""

    topic_id: int | None = None
    locale: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


class CouncilComments:
    """Reading the comments shared with council officers."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    async def _requests(self, filters: CommentFilter) -> dict[int, dict[str, Any]]:
        """Requests whose comments may be shown: not withdrawn, identity not purged, within the retention period."""
        cutoff = retention_cutoff(self.settings, self.clock.now()).astimezone(UTC)
        query = ExchangeRequest.select(ExchangeRequest.id, ExchangeRequest.topic_id, ExchangeRequest.locale).where(
            (ExchangeRequest.status != WITHDRAWN)
            & ExchangeRequest.identity_purged_at.is_null()
            & (
                (ExchangeRequest.last_slot_at >= cutoff)
                | (ExchangeRequest.last_slot_at.is_null() & (ExchangeRequest.created_at >= cutoff))
            )
        )
        if filters.topic_id is not None:
            query = query.where(ExchangeRequest.topic_id == filters.topic_id)
        if filters.locale:
            query = query.where(ExchangeRequest.locale == filters.locale)
        return {row["id"]: row for row in await query}

    def _surveys(self, request_ids: list[int], filters: CommentFilter, *, count: bool = False) -> Any:
        """The query for shared after-session comments of those requests, with the period and words applied."""
        condition = (
            ExchangeSurvey.request_id.is_in(request_ids)
            & (ExchangeSurvey.wave == AFTER)
            & (ExchangeSurvey.comment_to_council == True)  # noqa: E712 - SQL comparison
            & (ExchangeSurvey.comment != "")
        )
        if filters.since is not None:
            condition &= ExchangeSurvey.answered_at >= filters.since.astimezone(UTC)
        if filters.until is not None:
            condition &= ExchangeSurvey.answered_at < filters.until.astimezone(UTC)
        if filters.text and like_literal(filters.text):
            condition &= ExchangeSurvey.comment.ilike(f"%{like_literal(filters.text)}%")
        if count:
            return ExchangeSurvey.count().where(condition)
        return ExchangeSurvey.select(
            ExchangeSurvey.request_id, ExchangeSurvey.comment, ExchangeSurvey.answered_at
        ).where(condition)

    async def comments(self, filters: CommentFilter, locale: str, limit: int) -> list[CouncilComment]:
        """The newest `limit` comments that match, newest first, topic titles in `locale`."""
        requests = await self._requests(filters)
        if not requests or limit < 1:
            return []
        rows = (
            await self._surveys(list(requests), filters)
            .order_by(ExchangeSurvey.answered_at, ascending=False)
            .order_by(ExchangeSurvey.id, ascending=False)
            .limit(limit)
        )
        titles = await self._titles(locale)
        comments = []
        for row in rows:
            request = requests[row["request_id"]]
            title, title_lang = titles.get(request["topic_id"], ("", locale))
            comments.append(
                CouncilComment(
                    topic_id=request["topic_id"],
                    topic_title=title,
                    topic_lang=title_lang,
                    text=row["comment"],
                    locale=request["locale"],
                    given_at=row["answered_at"],
                )
            )
        return comments

    async def count(self, filters: CommentFilter) -> int:
        """How many comments match."""
        requests = await self._requests(filters)
        if not requests:
            return 0
        return int(await self._surveys(list(requests), filters, count=True))

    async def topics(self, locale: str) -> list[tuple[int, str]]:
        """Every topic (id, title in `locale`), for choosing one, in title order."""
        return sorted(
            ((topic_id, title) for topic_id, (title, _lang) in (await self._titles(locale)).items()),
            key=lambda item: item[1].casefold(),
        )

    async def _titles(self, locale: str) -> dict[int, tuple[str, str]]:
        rows = await ExchangeTopic.select(ExchangeTopic.id, ExchangeTopic.content)
        titles = {}
        for row in rows:
            content = content_for(row["content"], locale)
            titles[row["id"]] = (content["title"], content["lang"])
        return titles
