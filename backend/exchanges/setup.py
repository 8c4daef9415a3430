"""Setting up: officers' topics, slots and community leaders; the read side residents browse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.people import people_with_role
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.roles import Role
from backend.exchanges.common import (
    LeaderView,
    SlotView,
    TopicView,
    json_list,
    slot_view,
    topic_view,
)
from backend.exchanges.tables import ExchangeLeader, ExchangeSlot, ExchangeTopic
from backend.exchanges.timing import schedule_cut_off
from backend.settings import Settings

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A URL-safe slug from a title."""
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "topic"


@dataclass(frozen=True)
class TopicInput:
    """A topic as an officer enters it: English plus optional translations."""

    content: dict[str, dict[str, Any]]
    min_disagreement: int
    control_share: int = 0
    slug: str = ""


@dataclass(frozen=True)
class SessionDetails:
    """What an officer sets about a session (when it is set up, and when it is edited)."""

    starts_at: datetime
    ends_at: datetime
    cut_off_at: datetime
    online: bool
    venue: str
    postcode: str
    area: str
    features: list[str]
    online_link: str
    facilitator_id: int | None
    facilitator_name: str
    pairs_capacity: int
    languages: list[str]
    interpreter: bool


@dataclass(frozen=True)
class SlotInput(SessionDetails):
    """A slot as an officer enters it: its session's details, the topic, and the leader who runs it (if any)."""

    topic_id: int
    leader_id: int | None = None


@dataclass(frozen=True)
class LeaderInput:
    """A community leader as an officer enters them."""

    topic_id: int
    name: str
    role_title: str
    stances: list[int]
    statement: str


class SetupService:
    """Topics, slots and leaders."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    # --- topics ----------------------------------------------------------------------------------------

    async def create_topic(self, data: TopicInput, officer: CurrentUser | None) -> int:
        """Add a topic (audited); its slug comes from the English title, made unique."""
        base = data.slug or slugify(data.content["en"]["title"])
        async with write_transaction(self.engine):
            slug = base
            number = 2
            while await ExchangeTopic.exists().where(ExchangeTopic.slug == slug):
                slug = f"{base}-{number}"
                number += 1
            rows = await ExchangeTopic.insert(
                ExchangeTopic(
                    slug=slug,
                    content=data.content,
                    statement_count=len(data.content["en"]["statements"]),
                    min_disagreement=data.min_disagreement,
                    control_share=data.control_share,
                    created_at=self.clock.now(),
                )
            ).returning(ExchangeTopic.id)
            topic_id = int(rows[0]["id"])
            await audit.record(
                "exchanges.topic_created", actor=officer, subject_type="exchange_topic", subject_id=topic_id
            )
        return topic_id

    async def set_control_share(self, topic_id: int, share: int, officer: CurrentUser | None) -> bool:
        """Set the share of eligible requests offered a later slot (the wait-list control), audited."""
        async with write_transaction(self.engine):
            done = await (
                ExchangeTopic.update({ExchangeTopic.control_share: share})
                .where(ExchangeTopic.id == topic_id)
                .returning(ExchangeTopic.id)
            )
            if done:
                await audit.record(
                    "exchanges.control_share_set",
                    actor=officer,
                    subject_type="exchange_topic",
                    subject_id=topic_id,
                    details={"share": share},
                )
        return bool(done)

    async def topics(self, locale: str, *, published_only: bool = True) -> list[TopicView]:
        """Every topic, by title."""
        query = ExchangeTopic.select()
        if published_only:
            query = query.where(ExchangeTopic.published.eq(True))
        views = [topic_view(row, locale) for row in await query.order_by(ExchangeTopic.id)]
        return sorted(views, key=lambda t: t.title.lower())

    async def topic(self, slug: str, locale: str) -> TopicView | None:
        """A published topic by slug."""
        row = await ExchangeTopic.select().where(ExchangeTopic.slug == slug).first()
        return topic_view(row, locale) if row and row["published"] else None

    async def topic_by_id(self, topic_id: int, locale: str) -> TopicView | None:
        """A topic by id."""
        row = await ExchangeTopic.select().where(ExchangeTopic.id == topic_id).first()
        return topic_view(row, locale) if row else None

    # --- slots -----------------------------------------------------------------------------------------

    async def create_slot(self, data: SlotInput, officer: CurrentUser | None) -> int:
        """Add a slot (audited) and book its cut-off's matching run in the outbox."""
        async with write_transaction(self.engine):
            rows = await ExchangeSlot.insert(
                ExchangeSlot(
                    topic_id=data.topic_id,
                    starts_at=data.starts_at,
                    ends_at=data.ends_at,
                    cut_off_at=data.cut_off_at,
                    online=data.online,
                    venue=data.venue,
                    postcode=data.postcode,
                    area=data.area,
                    features=data.features,
                    online_link=data.online_link,
                    facilitator_id=data.facilitator_id,
                    facilitator_name=data.facilitator_name,
                    pairs_capacity=1 if data.leader_id else data.pairs_capacity,
                    pairs_taken=0,
                    languages=data.languages,
                    interpreter=data.interpreter,
                    leader_id=data.leader_id,
                    created_at=self.clock.now(),
                )
            ).returning(ExchangeSlot.id)
            slot_id = int(rows[0]["id"])
            if data.leader_id is None:
                await schedule_cut_off(slot_id, data.cut_off_at)
            await audit.record(
                "exchanges.slot_created", actor=officer, subject_type="exchange_slot", subject_id=slot_id
            )
        return slot_id

    async def slot(self, slot_id: int, *, with_link: bool = False) -> SlotView | None:
        """One slot."""
        row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
        return slot_view(row, with_link=with_link) if row else None

    async def open_slots(self, topic_id: int) -> list[SlotView]:
        """Slots residents may still choose (before the cut-off, not cancelled, not a leader's), by time."""
        rows = await (
            ExchangeSlot.select()
            .where(
                ExchangeSlot.topic_id == topic_id,
                ExchangeSlot.status == "open",
                ExchangeSlot.cut_off_at > self.clock.now(),
                ExchangeSlot.leader_id.is_null(),
            )
            .order_by(ExchangeSlot.starts_at)
        )
        return [slot_view(row) for row in rows]

    async def leader_slots(self, topic_id: int) -> list[tuple[SlotView, LeaderView]]:
        """Leaders' slots still free on a topic, with their leader."""
        rows = await (
            ExchangeSlot.select()
            .where(
                ExchangeSlot.topic_id == topic_id,
                ExchangeSlot.status == "open",
                ExchangeSlot.cut_off_at > self.clock.now(),
                ExchangeSlot.leader_id.is_not_null(),
            )
            .order_by(ExchangeSlot.starts_at)
        )
        leaders = {leader.id: leader for leader in await self.leaders(topic_id)}
        return [
            (slot_view(row), leaders[row["leader_id"]])
            for row in rows
            if row["leader_id"] in leaders and row["pairs_taken"] < row["pairs_capacity"]
        ]

    async def all_slots(self, topic_id: int | None = None) -> list[SlotView]:
        """Every slot (officers), newest first."""
        query = ExchangeSlot.select()
        if topic_id is not None:
            query = query.where(ExchangeSlot.topic_id == topic_id)
        return [slot_view(row) for row in await query.order_by(ExchangeSlot.starts_at, ascending=False)]

    async def facilitator_slots(self, facilitator_id: int) -> list[SlotView]:
        """A facilitator's slots, soonest first."""
        rows = await (
            ExchangeSlot.select().where(ExchangeSlot.facilitator_id == facilitator_id).order_by(ExchangeSlot.starts_at)
        )
        return [slot_view(row) for row in rows]

    async def facilitators(self) -> list[tuple[int, str]]:
        """People who may facilitate: (id, name)."""
        return [(pid, name or email) for pid, name, email in await people_with_role(Role.FACILITATOR)]

    # --- leaders ---------------------------------------------------------------------------------------

    async def create_leader(self, data: LeaderInput, officer: CurrentUser | None) -> int:
        """Add a community leader with their published stance (audited)."""
        async with write_transaction(self.engine):
            rows = await ExchangeLeader.insert(
                ExchangeLeader(
                    topic_id=data.topic_id,
                    name=data.name,
                    role_title=data.role_title,
                    stances=data.stances,
                    statement=data.statement,
                    created_at=self.clock.now(),
                )
            ).returning(ExchangeLeader.id)
            leader_id = int(rows[0]["id"])
            await audit.record(
                "exchanges.leader_created", actor=officer, subject_type="exchange_leader", subject_id=leader_id
            )
        return leader_id

    async def leaders(self, topic_id: int | None = None) -> list[LeaderView]:
        """Leaders, of a topic or all."""
        query = ExchangeLeader.select()
        if topic_id is not None:
            query = query.where(ExchangeLeader.topic_id == topic_id)
        return [
            LeaderView(
                id=row["id"],
                topic_id=row["topic_id"],
                name=row["name"],
                role_title=row["role_title"],
                stances=[int(s) for s in json_list(row["stances"])],
                statement=row["statement"],
            )
            for row in await query.order_by(ExchangeLeader.id)
        ]
