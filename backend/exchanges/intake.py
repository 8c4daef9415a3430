"""Booking: a resident's request (stances, consent, before-questionnaire, slots, needs), its private link,
changing slots and withdrawing."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from piccolo.engine.base import Engine

from backend.core.clock import Clock
from backend.core.db import raw_rows, write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.exchanges.calendar import exchange_ics
from backend.exchanges.common import (
    BEFORE,
    CONFIRMED,
    WAITING,
    WITHDRAWN,
    Intake,
    SlotView,
    content_for,
    digest,
    json_list,
    keyed,
    local_day,
    new_reference,
    person_key,
    request_token,
    slot_view,
)
from backend.exchanges.tables import (
    ExchangeAvailability,
    ExchangePair,
    ExchangeRequest,
    ExchangeSlot,
    ExchangeStance,
    ExchangeSurvey,
    ExchangeTopic,
)
from backend.notifications import triggers as push_triggers
from backend.settings import Settings

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


# A resident's requests with their topics' text, in one statement (the account page asks on every visit).
_REQUESTS_OF_USER_SQL = (
    "SELECT r.reference, r.status, t.content FROM exchange_request r "
    "LEFT JOIN exchange_topic t ON t.id = r.topic_id WHERE r.user_id = {} ORDER BY r.id"
)


class IntakeOutcome(StrEnum):
    """How a request ended."""

    CREATED = "created"
    REPLAYED = "replayed"
    NOT_FOUND = "not_found"
    SLOTS_GONE = "slots_gone"  # every chosen slot closed or filled meanwhile
    KEY_REUSED = "key_reused"


@dataclass(frozen=True)
class IntakeResult:
    """The request made (its reference and private token), or why not."""

    outcome: IntakeOutcome
    reference: str = ""
    token: str = ""
    closed_slots: tuple[int, ...] = ()


@dataclass(frozen=True)
class RequestStatus:
    """What the private link shows."""

    id: int
    reference: str
    topic_id: int
    topic_slug: str
    topic_title: str
    status: str
    first_name: str
    locale: str
    languages: list[str]
    needs: list[str]
    slot_ids: list[int]
    created_at: datetime
    told_unmatched: int
    pair_id: int | None
    slot: SlotView | None  # the matched slot (with the link on the day)
    stances: list[int]
    waves_answered: list[str]
    arm: str


class IntakeService:
    """Making, reading, changing and withdrawing requests."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"

    async def usable_slots(self, topic_id: int, slot_ids: list[int]) -> list[int]:
        """Those of the chosen slots still open for requests (before the cut-off, on this topic)."""
        if not slot_ids:
            return []
        rows = await ExchangeSlot.select(ExchangeSlot.id).where(
            ExchangeSlot.id.is_in(slot_ids),
            ExchangeSlot.topic_id == topic_id,
            ExchangeSlot.status == "open",
            ExchangeSlot.cut_off_at > self.clock.now(),
            ExchangeSlot.leader_id.is_null(),
        )
        return sorted(row["id"] for row in rows)

    async def create(self, intake: Intake) -> IntakeResult:
        """Store the request, its stances, the before-questionnaire and the slots, and email the link; once per key."""
        request_hash = (
            keyed(self.settings.secret_key, "exchange-intake", intake.request_key) if intake.request_key else None
        )
        if request_hash:
            replay = await self._replay(request_hash, intake)
            if replay is not None:
                return replay
        topic = await ExchangeTopic.select().where(ExchangeTopic.id == intake.topic_id).first()
        if topic is None or not topic["published"]:
            return IntakeResult(IntakeOutcome.NOT_FOUND)
        usable = await self.usable_slots(intake.topic_id, intake.slot_ids)
        if not usable:
            return IntakeResult(IntakeOutcome.SLOTS_GONE, closed_slots=tuple(intake.slot_ids))
        reference = new_reference()
        token = request_token(self.settings.secret_key, reference)
        text = content_for(topic["content"], intake.locale)
        email = self.renderer.render(
            "exchange_notice",
            to=intake.email,
            locale=intake.locale,
            kind="received",
            first_name=intake.first_name,
            topic_title=text["title"],
            reference=reference,
            link=self._url(f"/exchanges/requests/{token}"),
        )
        try:
            request_id = await self._insert(intake, reference, token, request_hash, usable, email)
        except _UNIQUE_VIOLATIONS:  # the same key raced past the check on PostgreSQL
            request_id = None
        if request_id is None:
            replay = await self._replay(request_hash or "", intake)
            return replay or IntakeResult(IntakeOutcome.KEY_REUSED)
        closed = tuple(sorted(set(intake.slot_ids) - set(usable)))
        return IntakeResult(IntakeOutcome.CREATED, reference=reference, token=token, closed_slots=closed)

    async def _insert(  # noqa: PLR0917 - the parts of one request, prepared before the write lock
        self,
        intake: Intake,
        reference: str,
        token: str,
        request_hash: str | None,
        usable: list[int],
        email: dict[str, str],
    ) -> int | None:
        """Insert the request and its parts in one write transaction; None when its key was already used."""
        now = self.clock.now()
        async with write_transaction(self.engine):
            if request_hash and await ExchangeRequest.exists().where(ExchangeRequest.request_key == request_hash):
                return None
            rows = await ExchangeRequest.insert(
                ExchangeRequest(
                    reference=reference,
                    topic_id=intake.topic_id,
                    token_hash=digest(token),
                    request_key=request_hash,
                    participant_key=person_key(self.settings.secret_key, intake.email),
                    email=intake.email,
                    first_name=intake.first_name,
                    user_id=intake.user_id,
                    locale=intake.locale,
                    languages=intake.languages,
                    needs=intake.needs,
                    status=WAITING,
                    consented_at=now,
                    created_at=now,
                )
            ).returning(ExchangeRequest.id)
            request_id = int(rows[0]["id"])
            await push_triggers.exchange_request_made(request_id, intake.device_token)
            await ExchangeStance.insert(ExchangeStance(request_id=request_id, answers=intake.stances))
            await ExchangeSurvey.insert(
                ExchangeSurvey(
                    request_id=request_id,
                    wave=BEFORE,
                    wave_key=f"{request_id}:{BEFORE}",
                    thermometer=intake.thermometer,
                    understanding=intake.understanding,
                    willingness=intake.willingness,
                    answered_at=now,
                )
            )
            await self._set_slots(request_id, usable)
            await enqueue(EMAIL, f"exchange-received:{request_id}", email)
        return request_id

    async def _replay(self, request_hash: str, intake: Intake) -> IntakeResult | None:
        row = (
            await ExchangeRequest.select(
                ExchangeRequest.reference, ExchangeRequest.topic_id, ExchangeRequest.participant_key
            )
            .where(ExchangeRequest.request_key == request_hash)
            .first()
        )
        if row is None:
            return None
        if row["topic_id"] != intake.topic_id or row["participant_key"] != person_key(
            self.settings.secret_key, intake.email
        ):
            return IntakeResult(IntakeOutcome.KEY_REUSED)
        token = request_token(self.settings.secret_key, row["reference"])
        return IntakeResult(IntakeOutcome.REPLAYED, reference=row["reference"], token=token)

    async def _set_slots(self, request_id: int, slot_ids: list[int]) -> None:
        await ExchangeAvailability.delete().where(ExchangeAvailability.request_id == request_id)
        if slot_ids:
            await ExchangeAvailability.insert(
                *[
                    ExchangeAvailability(request_id=request_id, slot_id=slot_id, pair_key=f"{request_id}:{slot_id}")
                    for slot_id in slot_ids
                ]
            )

    # --- the private link ------------------------------------------------------------------------------

    async def request_id_for(self, token: str) -> int | None:
        """The request a token opens (never another's)."""
        row = (
            await ExchangeRequest.select(ExchangeRequest.id).where(ExchangeRequest.token_hash == digest(token)).first()
        )
        return int(row["id"]) if row else None

    async def status(self, token: str, locale: str) -> RequestStatus | None:
        """The request behind a private link, with its match; the online link only on the day."""
        row = await ExchangeRequest.select().where(ExchangeRequest.token_hash == digest(token)).first()
        if row is None:
            return None
        return await self._status(row, locale)

    async def status_by_id(self, request_id: int, locale: str) -> RequestStatus | None:
        """The same, by id (services only)."""
        row = await ExchangeRequest.select().where(ExchangeRequest.id == request_id).first()
        return await self._status(row, locale) if row else None

    async def _status(self, row: dict[str, Any], locale: str) -> RequestStatus:
        topic = await ExchangeTopic.select().where(ExchangeTopic.id == row["topic_id"]).first()
        text = content_for(topic["content"] if topic else {}, locale)
        slots = await ExchangeAvailability.select(ExchangeAvailability.slot_id).where(
            ExchangeAvailability.request_id == row["id"]
        )
        pair = (
            await ExchangePair.select()
            .where(
                (ExchangePair.request_a == row["id"]) | (ExchangePair.request_b == row["id"]),
                ExchangePair.status == CONFIRMED,
            )
            .order_by(ExchangePair.id, ascending=False)
            .first()
        )
        slot = None
        if pair is not None:
            slot_row = await ExchangeSlot.select().where(ExchangeSlot.id == pair["slot_id"]).first()
            if slot_row is not None:
                on_the_day = self._on_the_day(slot_row["starts_at"], slot_row["ends_at"])
                slot = slot_view(slot_row, with_link=on_the_day)
        stance = await ExchangeStance.select().where(ExchangeStance.request_id == row["id"]).first()
        waves = await ExchangeSurvey.select(ExchangeSurvey.wave).where(ExchangeSurvey.request_id == row["id"])
        return RequestStatus(
            id=row["id"],
            reference=row["reference"],
            topic_id=row["topic_id"],
            topic_slug=topic["slug"] if topic else "",
            topic_title=text["title"],
            status=row["status"],
            first_name=row["first_name"],
            locale=row["locale"],
            languages=[str(code) for code in json_list(row["languages"])],
            needs=[str(code) for code in json_list(row["needs"])],
            slot_ids=sorted(s["slot_id"] for s in slots),
            created_at=row["created_at"],
            told_unmatched=row["told_unmatched"],
            pair_id=pair["id"] if pair else None,
            slot=slot,
            stances=[int(s) for s in json_list(stance["answers"])] if stance else [],
            waves_answered=[w["wave"] for w in waves],
            arm=row["arm"],
        )

    def _on_the_day(self, starts_at: datetime, ends_at: datetime) -> bool:
        now = self.clock.now()
        zone = self.settings.time_zone
        return local_day(now, zone) == local_day(starts_at, zone) and now <= ends_at

    async def calendar(self, token: str, locale: str) -> bytes | None:
        """The matched session's `.ics` (None when not matched)."""
        status = await self.status(token, locale)
        if status is None or status.slot is None:
            return None
        return exchange_ics(status.slot, status.topic_title, base_url=self.settings.base_url, now=self.clock.now())

    async def change_slots(self, token: str, slot_ids: list[int]) -> list[int] | None:
        """Replace the slots a waiting request could attend; None when the link is not valid or not waiting."""
        row = (
            await ExchangeRequest.select(ExchangeRequest.id, ExchangeRequest.topic_id, ExchangeRequest.status)
            .where(ExchangeRequest.token_hash == digest(token))
            .first()
        )
        if row is None or row["status"] != WAITING:
            return None
        usable = await self.usable_slots(row["topic_id"], slot_ids)
        if usable:
            async with write_transaction(self.engine):
                await self._set_slots(row["id"], usable)
        return usable

    async def withdraw(self, token: str) -> tuple[int, int | None] | None:
        """Withdraw: delete the stance and survey answers and the slots; returns (request id, freed pair id)."""
        row = (
            await ExchangeRequest.select(ExchangeRequest.id).where(ExchangeRequest.token_hash == digest(token)).first()
        )
        if row is None:
            return None
        request_id = int(row["id"])
        async with write_transaction(self.engine):
            await ExchangeRequest.update(
                {ExchangeRequest.status: WITHDRAWN, ExchangeRequest.withdrawn_at: self.clock.now()}
            ).where(ExchangeRequest.id == request_id)
            await ExchangeStance.delete().where(ExchangeStance.request_id == request_id)
            await ExchangeSurvey.delete().where(ExchangeSurvey.request_id == request_id)
            await ExchangeAvailability.delete().where(ExchangeAvailability.request_id == request_id)
        pair = (
            await ExchangePair.select(ExchangePair.id)
            .where(
                (ExchangePair.request_a == request_id) | (ExchangePair.request_b == request_id),
                ExchangePair.status == CONFIRMED,
            )
            .first()
        )
        return request_id, (pair["id"] if pair else None)

    async def requests_of_user(self, user_id: int, locale: str) -> list[tuple[str, str, str]]:
        """A signed-in resident's requests: (reference, topic title, status)."""
        rows = await raw_rows(ExchangeRequest._meta.db, _REQUESTS_OF_USER_SQL, user_id)
        return [(row["reference"], content_for(row["content"] or {}, locale)["title"], row["status"]) for row in rows]
