"""Matching: run the matcher for a slot (at its cut-off, or when an officer asks), write its pairs without ever
overfilling the slot, tell everyone honestly; book a leader's slot first come first served; cancel and re-offer.

Never overfill, even with two runs at once: each pair is written in a write transaction that first moves
both requests from `waiting` to `matched` with conditional updates and then takes one of the slot's pairs
with `UPDATE … SET pairs_taken = pairs_taken + 1 WHERE pairs_taken < pairs_capacity`. A run that loses a race
for a person or the last pair writes nothing for that pair (PostgreSQL re-checks the condition after the
other transaction commits; SQLite's IMMEDIATE transactions run one at a time).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.bookings.ics import ics_attachment
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.exchanges import timing
from backend.exchanges.calendar import exchange_ics
from backend.exchanges.common import (
    CANCELLED,
    CONFIRMED,
    CONTROL,
    FOLLOW_UP_AFTER,
    MATCHED,
    WAITING,
    SlotView,
    content_for,
    json_list,
    request_token,
    slot_view,
)
from backend.exchanges.intake import IntakeService
from backend.exchanges.matching import Candidate, Pair, SlotSpec, disagreement, match_slot
from backend.exchanges.sessions import SessionsService
from backend.exchanges.tables import (
    ExchangeAvailability,
    ExchangeLeader,
    ExchangePair,
    ExchangeRequest,
    ExchangeSlot,
    ExchangeStance,
    ExchangeTopic,
)
from backend.notifications import triggers as push_triggers
from backend.settings import Settings

# In the pool: those waiting, and the wait-list control once their wait is over (`pool` checks the date).
POOLED = [WAITING, CONTROL]


@dataclass(frozen=True)
class RunResult:
    """What a matching run did."""

    slot_id: int
    pairs: int
    unmatched: int
    control: int
    run_id: str


@dataclass(frozen=True)
class MatchPlan:
    """What a run intends to write: computed from one reading of the slot and its pool."""

    slot: SlotView
    topic: dict[str, Any]
    candidates: list[Candidate]
    pairs: list[Pair]
    control: int
    run_id: str


class PairingService:
    """Matching runs, leader bookings, cancellations and the emails they cause."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.intake = IntakeService(settings, clock, engine, renderer)

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"

    # --- the pool --------------------------------------------------------------------------------------

    async def pool(self, slot: SlotView) -> list[Candidate]:
        """Waiting requests that chose this slot (not held back as controls), as the matcher needs them."""
        now = self.clock.now()
        chosen = await ExchangeAvailability.select(ExchangeAvailability.request_id).where(
            ExchangeAvailability.slot_id == slot.id
        )
        ids = [row["request_id"] for row in chosen]
        if not ids:
            return []
        rows = await ExchangeRequest.select().where(
            ExchangeRequest.id.is_in(ids),
            ExchangeRequest.status.is_in(POOLED),
            ExchangeRequest.topic_id == slot.topic_id,
        )
        rows = [r for r in rows if r["control_until"] is None or r["control_until"] <= now]
        if not rows:
            return []
        stances = {
            s["request_id"]: [int(v) for v in json_list(s["answers"])]
            for s in await ExchangeStance.select().where(ExchangeStance.request_id.is_in([r["id"] for r in rows]))
        }
        people = list({r["participant_key"] for r in rows})
        busy = await self._busy(people)
        partners = await self._previous_partners(slot.topic_id, people)
        return [
            Candidate(
                id=row["id"],
                person=row["participant_key"],
                stances=tuple(stances.get(row["id"], [])),
                languages=frozenset(str(c) for c in json_list(row["languages"])),
                needs=frozenset(str(c) for c in json_list(row["needs"])),
                busy=tuple(busy.get(row["participant_key"], [])),
                previous_partners=frozenset(partners.get(row["participant_key"], set())),
            )
            for row in rows
            if stances.get(row["id"])
        ]

    async def _keys_of(self, request_ids: set[int]) -> dict[int, str]:
        if not request_ids:
            return {}
        rows = await ExchangeRequest.select(ExchangeRequest.id, ExchangeRequest.participant_key).where(
            ExchangeRequest.id.is_in(list(request_ids))
        )
        return {row["id"]: row["participant_key"] for row in rows}

    async def _busy(self, people: list[str]) -> dict[str, list[tuple[datetime, datetime]]]:
        """When each person already has an exchange (any topic)."""
        requests = await ExchangeRequest.select(ExchangeRequest.id, ExchangeRequest.participant_key).where(
            ExchangeRequest.participant_key.is_in(people)
        )
        owner = {row["id"]: row["participant_key"] for row in requests}
        if not owner:
            return {}
        pairs = await ExchangePair.select(ExchangePair.slot_id, ExchangePair.request_a, ExchangePair.request_b).where(
            ExchangePair.status == CONFIRMED,
            ExchangePair.request_a.is_in(list(owner)) | ExchangePair.request_b.is_in(list(owner)),
        )
        slot_ids = list({p["slot_id"] for p in pairs})
        times = {
            s["id"]: (s["starts_at"], s["ends_at"])
            for s in (
                await ExchangeSlot.select(ExchangeSlot.id, ExchangeSlot.starts_at, ExchangeSlot.ends_at).where(
                    ExchangeSlot.id.is_in(slot_ids)
                )
                if slot_ids
                else []
            )
        }
        busy: dict[str, list[tuple[datetime, datetime]]] = {}
        for pair in pairs:
            for request_id in (pair["request_a"], pair["request_b"]):
                if request_id in owner and pair["slot_id"] in times:
                    busy.setdefault(owner[request_id], []).append(times[pair["slot_id"]])
        return busy

    async def _previous_partners(self, topic_id: int, people: list[str]) -> dict[str, set[str]]:
        """Whom each person has already been paired with on this topic (from the pairs' keys)."""
        rows = await ExchangePair.select(ExchangePair.pair_key).where(ExchangePair.topic_id == topic_id)
        wanted = set(people)
        partners: dict[str, set[str]] = {}
        for row in rows:
            _topic, first, second = row["pair_key"].split(":", 2)
            if first in wanted:
                partners.setdefault(first, set()).add(second)
            if second in wanted:
                partners.setdefault(second, set()).add(first)
        return partners

    # --- a run -----------------------------------------------------------------------------------------

    async def run_matching(
        self, slot_id: int, officer: CurrentUser | None = None, *, at_cut_off: bool = False
    ) -> RunResult:
        """Match a slot's pool now; write the pairs; tell those matched and, at the cut-off, those left over."""
        plan = await self.plan(slot_id, at_cut_off=at_cut_off)
        if plan is None:
            return RunResult(slot_id, 0, 0, 0, "")
        return await self.commit(plan, officer, at_cut_off=at_cut_off)

    async def plan(self, slot_id: int, *, at_cut_off: bool = False) -> MatchPlan | None:
        """Read the slot and its pool and compute the pairs (nothing written, except the wait-list draw at a
        cut-off). None when the slot cannot be matched (cancelled, a leader's, or already started)."""
        slot_row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
        if slot_row is None or slot_row["status"] != "open" or slot_row["leader_id"] is not None:
            return None
        slot = slot_view(slot_row, with_link=True)
        if slot.starts_at <= self.clock.now():
            return None
        if at_cut_off and not timing.cut_off_due(slot.cut_off_at, slot.matched_at, self.clock.now()):
            return None  # the cut-off was moved later (its run is queued for then), or its run was made
        topic = await ExchangeTopic.select().where(ExchangeTopic.id == slot.topic_id).first()
        assert topic is not None
        candidates = await self.pool(slot)
        control = 0
        if at_cut_off and topic["control_share"] > 0:
            candidates, control = await self._randomise(slot, candidates, topic["control_share"])
        spec = SlotSpec(
            id=slot.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=slot.pairs_left,
            threshold=topic["min_disagreement"],
            languages=frozenset(slot.languages),
            interpreter=slot.interpreter,
            features=frozenset(slot.features),
            online=slot.online,
        )
        return MatchPlan(slot, topic, candidates, match_slot(spec, candidates), control, secrets.token_hex(8))

    async def commit(
        self, plan: MatchPlan, officer: CurrentUser | None = None, *, at_cut_off: bool = False
    ) -> RunResult:
        """Write a plan's pairs, each only if both people are still waiting and the slot still has room."""
        written: set[int] = set()
        keys = {c.id: c.person for c in plan.candidates}
        pairs = 0
        for pair in plan.pairs:
            if await self._write_pair(plan.slot, plan.topic, pair, keys, plan.run_id):
                written |= {pair.a, pair.b}
                pairs += 1
        unmatched = [c.id for c in plan.candidates if c.id not in written]
        async with write_transaction(self.engine):
            if at_cut_off:
                await ExchangeSlot.update({ExchangeSlot.matched_at: self.clock.now()}).where(
                    ExchangeSlot.id == plan.slot.id
                )
                still_waiting = await ExchangeRequest.select(ExchangeRequest.id).where(
                    ExchangeRequest.id.is_in(unmatched or [0]), ExchangeRequest.status == WAITING
                )
                for row in still_waiting:
                    await self._tell_unmatched(row["id"], plan.slot.id)
            await audit.record(
                "exchanges.matching_run",
                actor=officer,
                actor_label="" if officer else "scheduled",
                actor_role="" if officer else "system",
                subject_type="exchange_slot",
                subject_id=plan.slot.id,
                details={"pairs": pairs, "pool": len(plan.candidates), "control": plan.control, "run": plan.run_id},
            )
        return RunResult(plan.slot.id, pairs, len(unmatched), plan.control, plan.run_id)

    async def _randomise(self, slot: SlotView, candidates: list[Candidate], share: int) -> tuple[list[Candidate], int]:
        """Assign not-yet-randomised requests to the wait-list control with probability `share`%."""
        draw = random.SystemRandom()
        rows = (
            await ExchangeRequest.select(ExchangeRequest.id, ExchangeRequest.arm).where(
                ExchangeRequest.id.is_in([c.id for c in candidates])
            )
            if candidates
            else []
        )
        fresh = {row["id"] for row in rows if not row["arm"]}
        held: set[int] = set()
        until = slot.ends_at + FOLLOW_UP_AFTER + timedelta(days=1)
        async with write_transaction(self.engine):
            for request_id in sorted(fresh):
                controlled = draw.randrange(100) < share
                values: dict[Any, Any] = {ExchangeRequest.arm: "control" if controlled else "offered"}
                if controlled:
                    values.update({ExchangeRequest.status: CONTROL, ExchangeRequest.control_until: until})
                    held.add(request_id)
                done = (
                    await ExchangeRequest.update(values)
                    .where(
                        ExchangeRequest.id == request_id, ExchangeRequest.status == WAITING, ExchangeRequest.arm == ""
                    )
                    .returning(ExchangeRequest.id)
                )
                if done and controlled:
                    await timing.schedule_surveys(request_id, slot.id, slot.ends_at)
                    await self._notice(request_id, "control", f"exchange-control:{request_id}", slot_id=slot.id)
                elif not done:
                    held.discard(request_id)
        return [c for c in candidates if c.id not in held], len(held)

    async def _write_pair(
        self, slot: SlotView, topic: dict[str, Any], pair: Pair, keys: dict[int, str], run_id: str
    ) -> bool:
        """One pair, atomically: both people still waiting and a pair still free, or nothing at all."""
        first, second = sorted((keys[pair.a], keys[pair.b]))
        pair_key = f"{topic['id']}:{first}:{second}"
        async with write_transaction(self.engine):
            taken = (
                await ExchangeRequest.update(
                    {ExchangeRequest.status: MATCHED, ExchangeRequest.last_slot_at: slot.starts_at}
                )
                .where(ExchangeRequest.id.is_in([pair.a, pair.b]), ExchangeRequest.status.is_in(POOLED))
                .returning(ExchangeRequest.id)
            )
            if len(taken) != 2 or await ExchangePair.exists().where(ExchangePair.pair_key == pair_key):
                await self._undo(taken)
                return False
            seat = (
                await ExchangeSlot.update({ExchangeSlot.pairs_taken: ExchangeSlot.pairs_taken + 1})
                .where(
                    ExchangeSlot.id == slot.id,
                    ExchangeSlot.pairs_taken < ExchangeSlot.pairs_capacity,
                    ExchangeSlot.status == "open",
                )
                .returning(ExchangeSlot.id)
            )
            if not seat:
                await self._undo(taken)
                return False
            rows = await ExchangePair.insert(
                ExchangePair(
                    slot_id=slot.id,
                    topic_id=topic["id"],
                    request_a=pair.a,
                    request_b=pair.b,
                    pair_key=pair_key,
                    disagreement=pair.disagreement,
                    status=CONFIRMED,
                    run_id=run_id,
                    created_at=self.clock.now(),
                )
            ).returning(ExchangePair.id)
            pair_id = int(rows[0]["id"])
            for request_id in (pair.a, pair.b):
                await self._confirm(request_id, pair_id, slot)
        return True

    async def _undo(self, taken: list[dict[str, Any]]) -> None:
        if taken:
            await ExchangeRequest.update({ExchangeRequest.status: WAITING}).where(
                ExchangeRequest.id.is_in([row["id"] for row in taken])
            )

    # --- emails ----------------------------------------------------------------------------------------

    async def _request_row(self, request_id: int) -> dict[str, Any] | None:
        row: dict[str, Any] | None = await ExchangeRequest.select().where(ExchangeRequest.id == request_id).first()
        return row

    async def _notice(
        self,
        request_id: int,
        kind: str,
        key: str,
        *,
        slot_id: int | None = None,
        due_at: datetime | None = None,
        attach: bool = False,
    ) -> None:
        """Render one notice in the person's language and put it in the outbox (inside the caller's transaction)."""
        row = await self._request_row(request_id)
        if row is None or not row["email"]:
            return
        payload = await self.render_notice(row, kind, slot_id=slot_id, attach=attach)
        await enqueue(EMAIL, key, payload, due_at=due_at)

    async def render_notice(
        self,
        row: dict[str, Any],
        kind: str,
        *,
        slot_id: int | None = None,
        attach: bool = False,
        was: SlotView | None = None,
    ) -> dict[str, Any]:
        """The email payload for a notice to one person (never their partner's details or answers)."""
        topic = await ExchangeTopic.select().where(ExchangeTopic.id == row["topic_id"]).first()
        text = content_for(topic["content"] if topic else {}, row["locale"])
        slot = None
        if slot_id is not None:
            slot_row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
            slot = slot_view(slot_row) if slot_row else None
        token = request_token(self.settings.secret_key, row["reference"])
        payload: dict[str, Any] = dict(
            self.renderer.render(
                "exchange_notice",
                to=row["email"],
                locale=row["locale"],
                kind=kind,
                first_name=row["first_name"],
                topic_title=text["title"],
                reference=row["reference"],
                slot=slot,
                was=was,
                link=self._url(f"/exchanges/requests/{token}"),
                after_link=self._url(f"/exchanges/requests/{token}/survey/after"),
                follow_up_link=self._url(f"/exchanges/requests/{token}/survey/follow_up"),
            )
        )
        if attach and slot is not None:
            data = exchange_ics(slot, text["title"], base_url=self.settings.base_url, now=self.clock.now())
            payload["attachments"] = [ics_attachment(data, "listening-exchange.ics")]
        return payload

    async def _confirm(self, request_id: int, pair_id: int, slot: SlotView) -> None:
        """The confirmation (with .ics), the two reminders and the after/follow-up invitations."""
        await self._notice(
            request_id, "matched", f"exchange-matched:{pair_id}:{request_id}", slot_id=slot.id, attach=True
        )
        await timing.schedule_reminders(pair_id, request_id, slot.starts_at, self.clock.now())
        await timing.schedule_surveys(request_id, slot.id, slot.ends_at, pair_id)

    async def _tell_unmatched(self, request_id: int, slot_id: int) -> None:
        """Honestly: no match in this slot; still in the pool for the other slots chosen."""
        await ExchangeRequest.update({ExchangeRequest.told_unmatched: ExchangeRequest.told_unmatched + 1}).where(
            ExchangeRequest.id == request_id
        )
        await self._notice(request_id, "unmatched", f"exchange-unmatched:{request_id}:{slot_id}", slot_id=slot_id)

    async def send_reminder(self, pair_id: int, request_id: int, hours: int) -> None:
        """A reminder, only if the pair still stands (the 2-hour one carries the online link: it is the day)."""
        pair = await ExchangePair.select().where(ExchangePair.id == pair_id).first()
        if pair is None or pair["status"] != CONFIRMED:
            return
        slot = await ExchangeSlot.select(ExchangeSlot.starts_at).where(ExchangeSlot.id == pair["slot_id"]).first()
        if slot is None or not timing.reminder_due(slot["starts_at"], hours, self.clock.now()):
            return  # the session was moved: the reminder queued for its new time will say it
        async with write_transaction(self.engine):
            kind = "reminder_soon" if hours <= 2 else "reminder"
            request = await self._request_row(request_id)
            starts = slot["starts_at"]
            if request and await push_triggers.exchange_reminder(request_id, request["user_id"], starts, hours):
                return  # by push to the resident's devices that asked for reminders; by email otherwise
            key = f"exchange-reminder-email:{pair_id}:{request_id}:{hours}:{timing.moment_key(starts)}"
            await self._notice(request_id, kind, key, slot_id=pair["slot_id"])

    async def send_survey_invite(self, request_id: int, wave: str, pair_id: int) -> None:
        """The after or follow-up invitation, unless withdrawn, cancelled, or the person did not come."""
        row = await self._request_row(request_id)
        if row is None or row["status"] not in {MATCHED, CONTROL, WAITING}:
            return
        if pair_id:
            pair = await ExchangePair.select().where(ExchangePair.id == pair_id).first()
            if pair is None or pair["status"] != CONFIRMED:
                return
            mark = pair["attendance_a"] if pair["request_a"] == request_id else pair["attendance_b"]
            if mark in {"no_show", "late_cancel"}:
                return
            slot = await ExchangeSlot.select(ExchangeSlot.ends_at).where(ExchangeSlot.id == pair["slot_id"]).first()
            if slot is None or not timing.survey_due(slot["ends_at"], wave, self.clock.now()):
                return  # the session was moved later: the invitation queued for its new end will ask
        async with write_transaction(self.engine):
            await self._notice(request_id, f"survey_{wave}", f"exchange-survey-email:{request_id}:{wave}:{pair_id}")

    # --- leaders' slots --------------------------------------------------------------------------------

    async def book_leader_slot(self, token: str, slot_id: int) -> str:  # noqa: PLR0911 - one answer per refusal
        """Book a leader's slot for a waiting request whose stance differs enough: first come, first served.

        Answers "booked", "full", "not_eligible" or "not_found".
        """
        request_id = await self.intake.request_id_for(token)
        slot_row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
        if request_id is None or slot_row is None or slot_row["leader_id"] is None:
            return "not_found"
        request = await self._request_row(request_id)
        leader = await ExchangeLeader.select().where(ExchangeLeader.id == slot_row["leader_id"]).first()
        topic = await ExchangeTopic.select().where(ExchangeTopic.id == slot_row["topic_id"]).first()
        stance = await ExchangeStance.select().where(ExchangeStance.request_id == request_id).first()
        if request is None or leader is None or topic is None or stance is None:
            return "not_found"
        answers = [int(v) for v in json_list(stance["answers"])]
        published = [int(v) for v in json_list(leader["stances"])]
        if request["topic_id"] != topic["id"] or request["status"] != WAITING or len(answers) != len(published):
            return "not_eligible"
        score = disagreement(answers, published)
        if score < topic["min_disagreement"] or slot_row["cut_off_at"] <= self.clock.now():
            return "not_eligible"
        slot = slot_view(slot_row)
        async with write_transaction(self.engine):
            seat = (
                await ExchangeSlot.update({ExchangeSlot.pairs_taken: ExchangeSlot.pairs_taken + 1})
                .where(ExchangeSlot.id == slot_id, ExchangeSlot.pairs_taken < ExchangeSlot.pairs_capacity)
                .returning(ExchangeSlot.id)
            )
            if not seat:
                return "full"
            taken = (
                await ExchangeRequest.update(
                    {ExchangeRequest.status: MATCHED, ExchangeRequest.last_slot_at: slot.starts_at}
                )
                .where(ExchangeRequest.id == request_id, ExchangeRequest.status == WAITING)
                .returning(ExchangeRequest.id)
            )
            if not taken:
                await ExchangeSlot.update({ExchangeSlot.pairs_taken: ExchangeSlot.pairs_taken - 1}).where(
                    ExchangeSlot.id == slot_id
                )
                return "not_eligible"
            rows = await ExchangePair.insert(
                ExchangePair(
                    slot_id=slot_id,
                    topic_id=topic["id"],
                    request_a=request_id,
                    request_b=None,
                    leader_id=leader["id"],
                    pair_key=f"{topic['id']}:{request['participant_key']}:leader-{leader['id']}-{slot_id}",
                    disagreement=score,
                    status=CONFIRMED,
                    created_at=self.clock.now(),
                )
            ).returning(ExchangePair.id)
            await self._confirm(request_id, int(rows[0]["id"]), slot)
        return "booked"

    # --- cancelling ------------------------------------------------------------------------------------

    async def cancel_pair(self, pair_id: int, leaving_request: int | None, *, rematch: bool = True) -> int | None:
        """Cancel a pair: free its place, put the other person back in the pool and offer them a new match."""
        partner: int | None = None
        slot_id = 0
        async with write_transaction(self.engine):
            pair = (
                await ExchangePair.update({ExchangePair.status: CANCELLED, ExchangePair.cancelled_at: self.clock.now()})
                .where(ExchangePair.id == pair_id, ExchangePair.status == CONFIRMED)
                .returning(ExchangePair.slot_id, ExchangePair.request_a, ExchangePair.request_b)
            )
            if not pair:
                return None
            slot_id = pair[0]["slot_id"]
            await ExchangeSlot.update({ExchangeSlot.pairs_taken: ExchangeSlot.pairs_taken - 1}).where(
                ExchangeSlot.id == slot_id, ExchangeSlot.pairs_taken > 0
            )
            for request_id in (pair[0]["request_a"], pair[0]["request_b"]):
                if request_id is None or request_id == leaving_request:
                    continue
                partner = request_id
                await ExchangeRequest.update({ExchangeRequest.status: WAITING}).where(
                    ExchangeRequest.id == request_id, ExchangeRequest.status == MATCHED
                )
                # Still available for this slot, so the next run can offer them someone else in it.
                await ExchangeAvailability.insert(
                    ExchangeAvailability(request_id=request_id, slot_id=slot_id, pair_key=f"{request_id}:{slot_id}")
                ).on_conflict(target=ExchangeAvailability.pair_key, action="DO NOTHING")
                await self._notice(
                    request_id,
                    "partner_cancelled",
                    f"exchange-partner-cancelled:{pair_id}:{request_id}",
                    slot_id=slot_id,
                )
        if rematch and partner is not None:
            await self.run_matching(slot_id)
        return partner

    async def mark_attendance(self, pair_id: int, marks: dict[int, str], note: str, user: CurrentUser) -> int | None:
        """Record attendance (audited); whoever came while their partner did not is told and goes back in the pool.

        Returns the slot id (None when the pair is not this person's to mark).
        """
        sessions = SessionsService(self.settings, self.clock, self.engine)
        pair = await ExchangePair.select(ExchangePair.slot_id).where(ExchangePair.id == pair_id).first()
        done, re_offer = await sessions.mark(pair_id, marks, note, user)
        if not done or pair is None:
            return None
        if re_offer:
            async with write_transaction(self.engine):
                for request_id in re_offer:
                    await self._notice(request_id, "partner_no_show", f"exchange-no-show:{pair_id}:{request_id}")
        return int(pair["slot_id"])

    async def withdraw(self, token: str) -> bool:
        """Withdraw a request: its stance and survey data are deleted and any match is freed (and re-offered)."""
        result = await self.intake.withdraw(token)
        if result is None:
            return False
        request_id, pair_id = result
        if pair_id is not None:
            await self.cancel_pair(pair_id, request_id)
        return True
