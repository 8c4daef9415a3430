"""Sessions and attendance: a facilitator's slots and pairs, attendance marks and notes; the after and
follow-up questionnaires residents answer by their private link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.roles import Role
from backend.exchanges.common import (
    AFTER,
    ATTENDANCE,
    CONFIRMED,
    CONTROL,
    FOLLOW_UP,
    FOLLOW_UP_AFTER,
    MATCHED,
    NO_SHOW,
    WAITING,
    SlotView,
    digest,
    json_list,
    slot_view,
)
from backend.exchanges.tables import ExchangeLeader, ExchangePair, ExchangeRequest, ExchangeSlot, ExchangeSurvey
from backend.settings import Settings


@dataclass(frozen=True)
class Participant:
    """What a facilitator may know of a participant: first name, languages, access needs. Nothing else."""

    request_id: int
    first_name: str
    languages: list[str]
    needs: list[str]
    attendance: str


@dataclass(frozen=True)
class PairForFacilitator:
    """A pair in a slot."""

    id: int
    first: Participant
    second: Participant | None
    leader_name: str
    note: str


@dataclass(frozen=True)
class SurveyAnswers:
    """One wave's answers."""

    thermometer: int
    understanding: int
    willingness: int
    heard: int | None = None
    understand_better: int | None = None
    comment: str = ""
    comment_shared: bool = False  # the researchers may read the comment (without the name)
    comment_to_council: bool = False  # council officers may read it (without the name) in their feedback view


class SessionsService:
    """Attendance and questionnaires."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    async def slot_for_staff(self, slot_id: int, user: CurrentUser) -> SlotView | None:
        """A slot the facilitator runs (officers and admins see every slot)."""
        row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
        if row is None:
            return None
        if row["facilitator_id"] != user.id and not user.has_any(frozenset({Role.OFFICER, Role.ADMIN})):
            return None
        return slot_view(row, with_link=True)

    async def pairs(self, slot_id: int) -> list[PairForFacilitator]:
        """The slot's confirmed pairs, with what facilitators may see."""
        pairs = await ExchangePair.select().where(ExchangePair.slot_id == slot_id, ExchangePair.status == CONFIRMED)
        ids = [p["request_a"] for p in pairs] + [p["request_b"] for p in pairs if p["request_b"]]
        rows = {
            r["id"]: r for r in (await ExchangeRequest.select().where(ExchangeRequest.id.is_in(ids)) if ids else [])
        }
        leaders = {
            row["id"]: row["name"] for row in await ExchangeLeader.select(ExchangeLeader.id, ExchangeLeader.name)
        }

        def person(request_id: int, mark: str) -> Participant:
            row = rows.get(request_id, {})
            return Participant(
                request_id=request_id,
                first_name=row.get("first_name", ""),
                languages=[str(c) for c in json_list(row.get("languages", []))],
                needs=[str(c) for c in json_list(row.get("needs", []))],
                attendance=mark,
            )

        return [
            PairForFacilitator(
                id=p["id"],
                first=person(p["request_a"], p["attendance_a"]),
                second=person(p["request_b"], p["attendance_b"]) if p["request_b"] else None,
                leader_name=leaders.get(p["leader_id"], "") if p["leader_id"] else "",
                note=p["note"],
            )
            for p in sorted(pairs, key=lambda p: p["id"])
        ]

    async def mark(self, pair_id: int, marks: dict[int, str], note: str, user: CurrentUser) -> tuple[bool, list[int]]:
        """Record attendance (audited). Returns (done, requests whose partner did not come: to be re-offered)."""
        pair = await ExchangePair.select().where(ExchangePair.id == pair_id).first()
        if pair is None or pair["status"] != CONFIRMED:
            return False, []
        if await self.slot_for_staff(pair["slot_id"], user) is None:
            return False, []
        values: dict[Any, Any] = {ExchangePair.note: note[:2000]}
        people = {pair["request_a"]: ExchangePair.attendance_a, pair["request_b"]: ExchangePair.attendance_b}
        for request_id, mark in marks.items():
            if request_id in people and request_id is not None and mark in ATTENDANCE:
                values[people[request_id]] = mark
        re_offer: list[int] = []
        async with write_transaction(self.engine):
            await ExchangePair.update(values).where(ExchangePair.id == pair_id)
            await audit.record(
                "exchanges.attendance_marked",
                actor=user,
                subject_type="exchange_pair",
                subject_id=pair_id,
                reason=note[:500],
                details={str(k): v for k, v in marks.items()},
            )
            a, b = pair["request_a"], pair["request_b"]
            if b is not None:
                for absent, partner in ((a, b), (b, a)):
                    if marks.get(absent) == NO_SHOW and marks.get(partner) != NO_SHOW:
                        # The one who came is offered a new match: back in the pool for later slots.
                        done = (
                            await ExchangeRequest.update({ExchangeRequest.status: WAITING})
                            .where(ExchangeRequest.id == partner, ExchangeRequest.status == MATCHED)
                            .returning(ExchangeRequest.id)
                        )
                        if done:
                            re_offer.append(partner)
        return True, re_offer

    # --- questionnaires --------------------------------------------------------------------------------

    async def survey_state(self, token: str, wave: str) -> tuple[int | None, bool, bool]:
        """(request id, open now, already answered) for a wave by private link."""
        row = await ExchangeRequest.select().where(ExchangeRequest.token_hash == digest(token)).first()
        if row is None or wave not in {AFTER, FOLLOW_UP}:
            return None, False, False
        answered = await ExchangeSurvey.exists().where(ExchangeSurvey.wave_key == f"{row['id']}:{wave}")
        return row["id"], await self._open(row, wave), answered

    async def _open(self, row: dict[str, Any], wave: str) -> bool:
        """After: once the person's exchange (or, for the control group, the slot they were held from) ended."""
        if row["status"] not in {MATCHED, CONTROL, WAITING} or not row["consented_at"]:
            return False
        now = self.clock.now()
        ended = None
        pair = (
            await ExchangePair.select()
            .where(
                (ExchangePair.request_a == row["id"]) | (ExchangePair.request_b == row["id"]),
                ExchangePair.status == CONFIRMED,
            )
            .order_by(ExchangePair.id)
            .first()
        )
        if pair is not None:
            mark = pair["attendance_a"] if pair["request_a"] == row["id"] else pair["attendance_b"]
            if mark in {NO_SHOW, "late_cancel"}:
                return False
            slot = await ExchangeSlot.select(ExchangeSlot.ends_at).where(ExchangeSlot.id == pair["slot_id"]).first()
            ended = slot["ends_at"] if slot else None
        elif row["status"] == CONTROL and row["control_until"] is not None:
            ended = row["control_until"] - FOLLOW_UP_AFTER - timedelta(days=1)
        if ended is None:
            return False
        due = ended if wave == AFTER else ended + FOLLOW_UP_AFTER
        return bool(now >= due)

    async def answer(self, request_id: int, wave: str, answers: SurveyAnswers) -> bool:
        """Store one wave once (a second answer changes nothing)."""
        async with write_transaction(self.engine):
            inserted = (
                await ExchangeSurvey.insert(
                    ExchangeSurvey(
                        request_id=request_id,
                        wave=wave,
                        wave_key=f"{request_id}:{wave}",
                        thermometer=answers.thermometer,
                        understanding=answers.understanding,
                        willingness=answers.willingness,
                        heard=answers.heard,
                        understand_better=answers.understand_better,
                        comment=answers.comment[:2000],
                        comment_shared=answers.comment_shared,
                        comment_to_council=answers.comment_to_council,
                        answered_at=self.clock.now(),
                    )
                )
                .on_conflict(target=ExchangeSurvey.wave_key, action="DO NOTHING")
                .returning(ExchangeSurvey.id)
            )
        return bool(inserted)
