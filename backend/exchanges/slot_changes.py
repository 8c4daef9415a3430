"""Changes officers make to a session after it was set up: editing it, and cancelling it.

Editing (`edit_slot`) covers what the set-up form gave — time, cut-off, in person (venue, postcode, area,
access) or online (the meeting link), facilitator, pairs, languages and interpreter — but not the topic or the
community leader, which the pairs already matched belong to. A cancelled session, or one that has started, is
not changed. Checked against the database, in the transaction that saves: the facilitator must be free (no
other open session of theirs overlapping the new time), and the pairs already matched must still fit (no fewer
pairs than are matched, a shared language or the interpreter, the access each person needs, nobody busy in
another exchange at the new time — the matcher's own rules). Every saved change is audited. When the time or
the place changes, everyone matched is told by email in their own language with an updated `.ics` (its
SEQUENCE is the session's, bumped by every change), and so is the facilitator; the reminders and the after and
follow-up invitations move with the time, and the cut-off's matching run with the cut-off (`timing.py`). A
facilitator given or relieved of the session is told too. Saving what is already there (a double submit, a
retry) changes nothing and tells nobody; of two edits saved at once only one applies (each update requires the
sequence it read).

Cancelling (`cancel_slot`): the session's pairs are freed, the people matched to it go back to the pool and are
told by email in their own language, and the cancellation is audited — all in one transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.accounts.audiences import contact_of
from backend.bookings.ics import ics_attachment
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.core.outbox import EMAIL, enqueue
from backend.exchanges import timing
from backend.exchanges.calendar import exchange_ics
from backend.exchanges.common import CANCELLED, CONFIRMED, MATCHED, WAITING, SlotView, content_for, json_list, slot_view
from backend.exchanges.matching import Candidate, SlotSpec, can_attend, can_talk
from backend.exchanges.pairing import PairingService
from backend.exchanges.setup import SessionDetails
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSlot, ExchangeTopic

# A field's problem: a message to translate, and its parameters.
Problems = dict[str, tuple[str, dict[str, Any]]]
TIME = ("starts_at", "ends_at")
PLACE = ("online", "venue", "postcode", "area")


class NotEditableError(Exception):
    """The session cannot be changed (cancelled, or already started); `reason` is a message to translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def not_editable(slot: SlotView, now: datetime) -> str | None:
    """Why a session cannot be changed any more (a message to translate), or None."""
    if slot.status == "cancelled":
        return N_("This session is cancelled, so it cannot be changed.")
    if slot.starts_at <= now:
        return N_("This session has started or taken place, so it cannot be changed.")
    return None


def _comparable(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def _details_of(slot: SlotView) -> SessionDetails:
    return SessionDetails(**{name: getattr(slot, name) for name in SessionDetails.__dataclass_fields__})


class SlotChangesService:
    """Changes officers make to a session after it was set up."""

    def __init__(self, pairing: PairingService, engine: Engine[Any]) -> None:
        self.pairing = pairing
        self.engine = engine

    # --- editing ---------------------------------------------------------------------------------------

    async def slot_to_edit(self, slot_id: int) -> SlotView | None:
        """A session as the edit form shows it (with its meeting link)."""
        row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
        return slot_view(row, with_link=True) if row else None

    async def edit_slot(self, slot_id: int, details: SessionDetails, officer: CurrentUser) -> Problems:
        """Save an officer's changes to a session; the problems by field when they cannot be saved (nothing is).

        Raises LookupError for no such session, NotEditableError for one that is cancelled or has started.
        """
        now = self.pairing.clock.now()
        async with write_transaction(self.engine):
            before = await self.slot_to_edit(slot_id)
            if before is None:
                raise LookupError(slot_id)
            reason = not_editable(before, now)
            if reason:
                raise NotEditableError(reason)
            if before.leader_id is not None:  # a leader meets one resident
                details = SessionDetails(**{**asdict(details), "pairs_capacity": 1})
            was, wanted = asdict(_details_of(before)), asdict(details)
            changed = [name for name in wanted if _comparable(wanted[name]) != _comparable(was[name])]
            if not changed:
                return {}  # what is already there (a double submit, a retry): nothing to do, nobody to tell
            pairs = await self._matched(slot_id)
            problems = await self._problems(before, details, pairs)
            if problems:
                return problems
            saved = (
                await ExchangeSlot.update(
                    {
                        **{getattr(ExchangeSlot, name): wanted[name] for name in changed},
                        ExchangeSlot.sequence: before.sequence + 1,
                    }
                )
                .where(
                    ExchangeSlot.id == slot_id,
                    ExchangeSlot.sequence == before.sequence,
                    ExchangeSlot.status == "open",
                )
                .returning(ExchangeSlot.id)
            )
            if not saved:  # another edit was saved since this one read the session
                return await self._after_a_race(slot_id, wanted)
            after = await self.slot_to_edit(slot_id)
            if after is None:
                raise LookupError(slot_id)
            told = await self._follow_up(before, after, changed, pairs, now)
            await audit.record(
                "exchanges.slot_changed",
                actor=officer,
                subject_type="exchange_slot",
                subject_id=slot_id,
                details={
                    "changed": changed,
                    "before": {name: str(was[name]) for name in changed},
                    "after": {name: str(wanted[name]) for name in changed},
                    **told,
                },
            )
        return {}

    async def _after_a_race(self, slot_id: int, wanted: dict[str, Any]) -> Problems:
        """The same change saved by the other edit is done; a different one must be looked at again."""
        now_stored = await self.slot_to_edit(slot_id)
        if now_stored is not None and all(
            _comparable(value) == _comparable(getattr(now_stored, name)) for name, value in wanted.items()
        ):
            return {}
        message = N_("Someone else changed this session while you were editing it. Check the details and save again.")
        return {"date": (message, {})}

    async def _matched(self, slot_id: int) -> list[tuple[int, list[dict[str, Any]]]]:
        """The session's confirmed pairs: (pair id, the requests in it)."""
        pairs = await ExchangePair.select(ExchangePair.id, ExchangePair.request_a, ExchangePair.request_b).where(
            ExchangePair.slot_id == slot_id, ExchangePair.status == CONFIRMED
        )
        ids = [p["request_a"] for p in pairs] + [p["request_b"] for p in pairs if p["request_b"] is not None]
        rows = {r["id"]: r for r in await ExchangeRequest.select().where(ExchangeRequest.id.is_in(ids or [0]))}
        return [
            (p["id"], [rows[i] for i in (p["request_a"], p["request_b"]) if i in rows])
            for p in sorted(pairs, key=lambda p: p["id"])
        ]

    async def _problems(
        self, before: SlotView, details: SessionDetails, pairs: list[tuple[int, list[dict[str, Any]]]]
    ) -> Problems:
        """What stops the change: a busy facilitator, fewer pairs than are matched, a matched pair it no longer
        suits (the matcher's rules: language, access, another exchange at that time)."""
        problems: Problems = {}
        if details.facilitator_id is not None and await ExchangeSlot.exists().where(
            ExchangeSlot.facilitator_id == details.facilitator_id,
            ExchangeSlot.id != before.id,
            ExchangeSlot.status == "open",
            ExchangeSlot.starts_at < details.ends_at,
            ExchangeSlot.ends_at > details.starts_at,
        ):
            problems["facilitator_id"] = (
                N_("This facilitator has another session at that time: choose someone else, or another time"),
                {},
            )
        if details.pairs_capacity < before.pairs_taken:
            problems["pairs_capacity"] = (
                N_("Pairs already matched to this session: %(taken)s. Enter at least that many."),
                {"taken": before.pairs_taken},
            )
        spec = SlotSpec(
            id=before.id,
            starts_at=details.starts_at,
            ends_at=details.ends_at,
            capacity=details.pairs_capacity,
            threshold=0,
            languages=frozenset(details.languages),
            interpreter=details.interpreter,
            features=frozenset(details.features),
            online=details.online,
        )
        people = [self._candidate(row) for _pair, rows in pairs for row in rows]
        if any(not can_attend(person, spec) for person in people):
            field = "features" if not details.online else "mode"
            problems.setdefault(field, (N_("Someone matched to this session needs access it would no longer have"), {}))
        for _pair, rows in pairs:
            if len(rows) == 2 and not can_talk(self._candidate(rows[0]), self._candidate(rows[1]), spec):
                problems.setdefault(
                    "languages", (N_("A pair matched to this session would no longer share a language it offers"), {})
                )
        if (details.starts_at, details.ends_at) != (before.starts_at, before.ends_at) and await self._busy_then(
            before.id, [row for _pair, rows in pairs for row in rows], details
        ):
            problems.setdefault(
                "date", (N_("Someone matched to this session has another Listening Exchange at that time"), {})
            )
        return problems

    @staticmethod
    def _candidate(row: dict[str, Any]) -> Candidate:
        return Candidate(
            id=row["id"],
            person=row["participant_key"],
            stances=(),
            languages=frozenset(str(code) for code in json_list(row["languages"])),
            needs=frozenset(str(code) for code in json_list(row["needs"])),
        )

    async def _busy_then(self, slot_id: int, rows: list[dict[str, Any]], details: SessionDetails) -> bool:
        """Whether anyone matched to this session has another confirmed exchange overlapping the new time."""
        people = list({row["participant_key"] for row in rows})
        if not people:
            return False
        mine = [
            row["id"]
            for row in await ExchangeRequest.select(ExchangeRequest.id).where(
                ExchangeRequest.participant_key.is_in(people)
            )
        ]
        others = await ExchangePair.select(ExchangePair.slot_id).where(
            ExchangePair.status == CONFIRMED,
            ExchangePair.slot_id != slot_id,
            ExchangePair.request_a.is_in(mine) | ExchangePair.request_b.is_in(mine),
        )
        slot_ids = list({row["slot_id"] for row in others})
        return bool(slot_ids) and await ExchangeSlot.exists().where(
            ExchangeSlot.id.is_in(slot_ids),
            ExchangeSlot.status == "open",
            ExchangeSlot.starts_at < details.ends_at,
            ExchangeSlot.ends_at > details.starts_at,
        )

    async def _follow_up(
        self,
        before: SlotView,
        after: SlotView,
        changed: list[str],
        pairs: list[tuple[int, list[dict[str, Any]]]],
        now: datetime,
    ) -> dict[str, Any]:
        """Move what is scheduled, and tell who must know (inside the edit's transaction)."""
        moved = any(name in changed for name in TIME)
        elsewhere = any(name in changed for name in PLACE)
        if "cut_off_at" in changed and after.leader_id is None:
            await timing.schedule_cut_off(after.id, after.cut_off_at)
        told = []
        for pair_id, rows in pairs:
            for row in rows:
                if moved:
                    await timing.schedule_reminders(pair_id, row["id"], after.starts_at, now)
                    await timing.schedule_surveys(row["id"], after.id, after.ends_at, pair_id)
                    await ExchangeRequest.update({ExchangeRequest.last_slot_at: after.starts_at}).where(
                        ExchangeRequest.id == row["id"], ExchangeRequest.status == MATCHED
                    )
                if (moved or elsewhere) and row["email"]:
                    payload = await self.pairing.render_notice(
                        row, "slot_changed", slot_id=after.id, attach=True, was=before
                    )
                    await enqueue(EMAIL, f"exchange-slot-changed:{after.id}:{row['id']}:{after.sequence}", payload)
                    told.append(row["id"])
        facilitators = []
        if after.facilitator_id != before.facilitator_id:
            for user_id, kind in ((after.facilitator_id, "assigned"), (before.facilitator_id, "unassigned")):
                if user_id is not None and await self._tell_facilitator(user_id, kind, after, before, len(told)):
                    facilitators.append(user_id)
        elif (
            (moved or elsewhere)
            and after.facilitator_id is not None
            and await self._tell_facilitator(after.facilitator_id, "changed", after, before, len(told))
        ):
            facilitators.append(after.facilitator_id)
        return {"told": told, "facilitators_told": facilitators}

    async def _tell_facilitator(
        self, user_id: int, kind: str, after: SlotView, before: SlotView, matched_told: int
    ) -> bool:
        """Email a facilitator about the session (changed, given to them, or given to someone else), in their
        language, with its .ics unless it is no longer theirs."""
        contact = await contact_of(user_id)
        if contact is None:
            return False
        email, name, locale = contact
        topic = await ExchangeTopic.select(ExchangeTopic.content).where(ExchangeTopic.id == after.topic_id).first()
        title = content_for(topic["content"] if topic else {}, locale)["title"]
        settings = self.pairing.settings
        payload: dict[str, Any] = dict(
            self.pairing.renderer.render(
                "exchange_session_changed",
                to=email,
                locale=locale,
                kind=kind,
                recipient_name=name.split(" ")[0],
                topic_title=title,
                slot=after,
                was=before,
                matched_told=matched_told,
                link=f"{settings.base_url}/facilitator/exchanges/slots/{after.id}",
            )
        )
        if kind != "unassigned":
            data = exchange_ics(after, title, base_url=settings.base_url, now=self.pairing.clock.now())
            payload["attachments"] = [ics_attachment(data, "listening-exchange.ics")]
        await enqueue(EMAIL, f"exchange-session-{kind}:{after.id}:{user_id}:{after.sequence}", payload)
        return True

    # --- cancelling ------------------------------------------------------------------------------------

    async def cancel_slot(self, slot_id: int, officer: CurrentUser, reason: str = "") -> bool:
        """Cancel an open session; False when there is no such open session (already cancelled, say)."""
        now = self.pairing.clock.now()
        async with write_transaction(self.engine):
            cancelled = (
                await ExchangeSlot.update({ExchangeSlot.status: "cancelled", ExchangeSlot.pairs_taken: 0})
                .where(ExchangeSlot.id == slot_id, ExchangeSlot.status == "open")
                .returning(ExchangeSlot.id)
            )
            if not cancelled:
                return False
            pairs = (
                await ExchangePair.update({ExchangePair.status: CANCELLED, ExchangePair.cancelled_at: now})
                .where(ExchangePair.slot_id == slot_id, ExchangePair.status == CONFIRMED)
                .returning(ExchangePair.id, ExchangePair.request_a, ExchangePair.request_b)
            )
            told = []
            for pair in pairs:
                for request_id in (pair["request_a"], pair["request_b"]):
                    if request_id is None:
                        continue
                    await ExchangeRequest.update({ExchangeRequest.status: WAITING}).where(
                        ExchangeRequest.id == request_id, ExchangeRequest.status == MATCHED
                    )
                    row = await ExchangeRequest.select().where(ExchangeRequest.id == request_id).first()
                    if row is None or not row["email"]:
                        continue
                    payload = await self.pairing.render_notice(row, "slot_cancelled", slot_id=slot_id)
                    await enqueue(EMAIL, f"exchange-slot-cancelled:{slot_id}:{request_id}", payload)
                    told.append(request_id)
            await audit.record(
                "exchanges.slot_cancelled",
                actor=officer,
                subject_type="exchange_slot",
                subject_id=slot_id,
                reason=reason[:500],
                details={"pairs": len(pairs), "told": told},
            )
        return True
