"""Casework on reports: redaction, rumour threads with their counter-message, and referrals outside the council.

Releasing unredacted text outside the council needs a second officer: such a referral waits for another
officer's approval before it counts as made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Count

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.reports.desk import SUBJECT, DeskError
from backend.reports.schemas import REFERRAL_BASES, REFERRAL_RECIPIENTS
from backend.reports.spread import Spread, thread_spread
from backend.reports.tables import Referral, Report, ReportContact, RumourThread
from backend.settings import Settings

AWAITING_APPROVAL = "awaiting_approval"
REQUESTED = "requested"  # the reporter asked for it (police opt-in); an officer makes it
MADE = "made"


@dataclass(frozen=True)
class ThreadView:
    """A rumour thread for its page: the thread, its reports (oldest first, no text), their spread."""

    thread: dict[str, Any]
    reports: list[dict[str, Any]]
    spread: Spread


class CaseworkService:
    """Redaction, rumour threads and referrals."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer

    async def redact(self, report_id: int, officer: CurrentUser, description: str, impact: str, reason: str) -> None:
        """Keep a redacted copy of the free text for sharing and quoting; the original stays, for admins only."""
        if not reason:
            raise DeskError("reason")
        async with write_transaction(self.engine):
            if not await Report.exists().where(Report.id == report_id):
                raise DeskError("not_found")
            await Report.update(
                {
                    Report.redacted_description: description,
                    Report.redacted_impact: impact,
                    Report.redaction_reason: reason,
                    Report.redacted_by: officer.id,
                    Report.updated_at: self.clock.now(),
                }
            ).where(Report.id == report_id)
            await audit.record(
                "reports.redacted", actor=officer, subject_type=SUBJECT, subject_id=report_id, reason=reason
            )

    # --- rumour threads --------------------------------------------------------------------------------

    async def threads(self) -> list[dict[str, Any]]:
        """Every rumour thread, newest first, with how many reports it links."""
        rows = await RumourThread.select().order_by(RumourThread.id, ascending=False)
        counts = {
            row["thread_id"]: row["n"]
            for row in await Report.select(Report.thread_id, Count(Report.id, alias="n"))
            .where(Report.thread_id.is_not_null())
            .group_by(Report.thread_id)
        }
        return [{**row, "reports": counts.get(row["id"], 0)} for row in rows]

    async def thread(self, thread_id: int) -> ThreadView | None:
        """A thread, its reports (no text) and how they spread over time and area."""
        row = await RumourThread.select().where(RumourThread.id == thread_id).first()
        if row is None:
            return None
        reports = await (
            Report.select(Report.id, Report.reference, Report.created_at, Report.district_code, Report.division_code)
            .where(Report.thread_id == thread_id)
            .order_by(Report.created_at)
        )
        made = [(report["created_at"], report["division_code"] or report["district_code"]) for report in reports]
        return ThreadView(row, reports, thread_spread(made, self.settings.time_zone))

    async def start_thread(self, officer: CurrentUser, title: str, claim: str, report_id: int | None) -> int:
        """Open a rumour thread (about one claim), optionally linking a first report."""
        async with write_transaction(self.engine):
            rows = await RumourThread.insert(
                RumourThread(title=title, claim=claim, created_by=officer.id, created_at=self.clock.now())
            ).returning(RumourThread.id)
            thread_id = int(rows[0]["id"])
            await audit.record(
                "reports.thread_started", actor=officer, subject_type="rumour_thread", subject_id=thread_id
            )
            if report_id is not None:
                await self._link(officer, report_id, thread_id)
        return thread_id

    async def link(self, officer: CurrentUser, report_id: int, thread_id: int) -> None:
        """Link a report to a thread about the same claim."""
        async with write_transaction(self.engine):
            if not await RumourThread.exists().where(RumourThread.id == thread_id):
                raise DeskError("not_found")
            await self._link(officer, report_id, thread_id)

    async def _link(self, officer: CurrentUser, report_id: int, thread_id: int) -> None:
        updated = await Report.update({Report.thread_id: thread_id}).where(Report.id == report_id).returning(Report.id)
        if not updated:
            raise DeskError("not_found")
        await audit.record(
            "reports.linked", actor=officer, subject_type=SUBJECT, subject_id=report_id, details={"thread": thread_id}
        )

    async def publish_counter_message(self, officer: CurrentUser, thread_id: int, message: str) -> int:
        """Record the factual counter-message published, and tell every linked reporter who left an email."""
        now = self.clock.now()
        told = 0
        async with write_transaction(self.engine):
            updated = (
                await RumourThread.update(
                    {RumourThread.counter_message: message, RumourThread.counter_published_at: now}
                )
                .where(RumourThread.id == thread_id)
                .returning(RumourThread.id)
            )
            if not updated:
                raise DeskError("not_found")
            reports = await Report.select(Report.id, Report.locale, Report.reference).where(
                Report.thread_id == thread_id
            )
            by_id = {row["id"]: row for row in reports}
            contacts = await ReportContact.select(ReportContact.report_id, ReportContact.email).where(
                ReportContact.report_id.is_in(list(by_id) or [0]), ReportContact.email != ""
            )
            for contact in contacts:
                report = by_id[contact["report_id"]]
                payload = self.renderer.render(
                    "report_reply",
                    to=contact["email"],
                    locale=report["locale"],
                    reference=report["reference"],
                    message_body=message,
                )
                if await enqueue(EMAIL, f"report-counter:{thread_id}:{report['id']}:{now.isoformat()}", payload):
                    told += 1
            await audit.record(
                "reports.counter_message",
                actor=officer,
                subject_type="rumour_thread",
                subject_id=thread_id,
                details={"told": told},
            )
        return told

    # --- referrals -------------------------------------------------------------------------------------

    async def refer(
        self,
        officer: CurrentUser,
        report_id: int,
        *,
        recipient: str,
        recipient_name: str,
        shared: str,
        basis: str,
        unredacted: bool,
    ) -> str:
        """Record a referral. With unredacted text it waits for a second officer; otherwise it is made now."""
        if recipient not in REFERRAL_RECIPIENTS or basis not in REFERRAL_BASES:
            raise DeskError("invalid")
        now = self.clock.now()
        status = AWAITING_APPROVAL if unredacted else MADE
        async with write_transaction(self.engine):
            if not await Report.exists().where(Report.id == report_id):
                raise DeskError("not_found")
            rows = await Referral.insert(
                Referral(
                    report_id=report_id,
                    recipient=recipient,
                    recipient_name=recipient_name,
                    shared=shared,
                    basis=basis,
                    unredacted=unredacted,
                    status=status,
                    referred_by=officer.id,
                    created_at=now,
                    made_at=None if unredacted else now,
                )
            ).returning(Referral.id)
            await audit.record(
                "reports.referral_requested" if unredacted else "reports.referred",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=report_id,
                details={"referral": rows[0]["id"], "recipient": recipient, "basis": basis, "unredacted": unredacted},
            )
        return status

    async def approve_referral(self, officer: CurrentUser, referral_id: int) -> None:
        """A second officer approves releasing unredacted text (never the officer who asked)."""
        async with write_transaction(self.engine):
            row = await Referral.select().where(Referral.id == referral_id).first()
            if row is None:
                raise DeskError("not_found")
            if row["status"] != AWAITING_APPROVAL:
                raise DeskError("not_allowed")
            if row["referred_by"] == officer.id:
                raise DeskError("second_officer")
            await Referral.update(
                {Referral.status: MADE, Referral.approved_by: officer.id, Referral.made_at: self.clock.now()}
            ).where(Referral.id == referral_id)
            await audit.record(
                "reports.referral_approved",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=row["report_id"],
                details={"referral": referral_id},
            )

    async def make_requested_referral(self, officer: CurrentUser, referral_id: int, shared: str) -> None:
        """Pass on a report the reporter asked us to give the police (their consent is the basis)."""
        async with write_transaction(self.engine):
            row = await Referral.select().where(Referral.id == referral_id).first()
            if row is None or row["status"] != REQUESTED:
                raise DeskError("not_allowed")
            await Referral.update(
                {
                    Referral.status: MADE,
                    Referral.referred_by: officer.id,
                    Referral.shared: shared,
                    Referral.made_at: self.clock.now(),
                }
            ).where(Referral.id == referral_id)
            await audit.record(
                "reports.referred",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=row["report_id"],
                details={"referral": referral_id, "recipient": row["recipient"], "basis": row["basis"]},
            )
