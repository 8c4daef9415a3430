"""The officers' desk: the queue, reading a report, triage, moving it through its states, replies.

Every action writes an audit entry in its own transaction; so does every view of a hate-incident report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Count

from backend.accounts.people import people_with_role
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.core.roles import Role
from backend.notifications import triggers as push_triggers
from backend.reports.schemas import (
    CATEGORY_LABELS,
    DUE_DAYS,
    GRADING_LABELS,
    LEVELS,
    NEXT_STATUSES,
    OUTCOMES,
    REPLY_TEMPLATES,
    Category,
    DeskReport,
    MessageView,
    Officer,
    QueueFilters,
    QueueRow,
    Status,
)
from backend.reports.tables import Referral, Report, ReportContact, ReportMessage
from backend.settings import Settings

PAGE_SIZE = 50
SUBJECT = "tension_report"


@dataclass(frozen=True)
class Triage:
    """What an officer decides at triage."""

    category: str
    district_code: str
    division_code: str
    tension_level: int
    grading: str
    assignee_id: int | None
    keep_assignee: bool = False  # the desk page assigns in a form of its own; the API's triage assigns too


class DeskError(Exception):
    """An action that does not apply to the report as it is (the message id says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DeskService:
    """What officers do with reports."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer

    # --- the queue -------------------------------------------------------------------------------------

    def _conditions(self, filters: QueueFilters, officer: CurrentUser) -> list[Any]:
        conditions: list[Any] = []
        if filters.status:
            conditions.append(Report.status == filters.status)
        if filters.category:
            conditions.append(Report.category == filters.category)
        if filters.district:
            conditions.append(Report.district_code == filters.district)
        if filters.division:
            conditions.append(Report.division_code == filters.division)
        if filters.level is not None:
            conditions.append(Report.tension_level == filters.level)
        if filters.assignee == "me":
            conditions.append(Report.assignee_id == officer.id)
        elif filters.assignee == "none":
            conditions.append(Report.assignee_id.is_null())
        elif filters.assignee.isdigit():
            conditions.append(Report.assignee_id == int(filters.assignee))
        if filters.older_than_days is not None:
            conditions.append(Report.created_at < self.clock.now() - timedelta(days=filters.older_than_days))
        return conditions

    async def queue(self, filters: QueueFilters, officer: CurrentUser) -> tuple[list[QueueRow], int, dict[str, int]]:
        """Reports matching the filters (most urgent first), how many match, and counts by status."""
        conditions = self._conditions(filters, officer)
        query = Report.select(
            Report.id,
            Report.reference,
            Report.category,
            Report.status,
            Report.tension_level,
            Report.district_code,
            Report.division_code,
            Report.assignee_id,
            Report.due_at,
            Report.created_at,
        )
        count = Report.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        page = max(1, filters.page)
        rows = (
            await query.order_by(Report.tension_level, ascending=False)
            .order_by(Report.created_at)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        others = list(self._conditions(QueueFilters(**{**filters.__dict__, "status": ""}), officer))
        by_status = Report.select(Report.status, Count(alias="n")).group_by(Report.status)
        for condition in others:
            by_status = by_status.where(condition)
        counts = {row["status"]: row["n"] for row in await by_status}
        return [QueueRow(**row) for row in rows], await count, counts

    # --- assignment ------------------------------------------------------------------------------------

    async def officers(self) -> list[Officer]:
        """Everyone a report can be assigned to: active accounts with the officer role, by name."""
        return [Officer(id=person_id, name=name) for person_id, name, _email in await people_with_role(Role.OFFICER)]

    async def _check_assignee(self, assignee_id: int | None) -> None:
        if assignee_id is not None and all(person.id != assignee_id for person in await self.officers()):
            raise DeskError("not_an_officer")

    async def assign(self, report_id: int, officer: CurrentUser, assignee_id: int | None) -> bool:
        """Assign the report to an officer (or to nobody); the due date stays. False when nothing changed."""
        await self._check_assignee(assignee_id)
        async with write_transaction(self.engine):
            row = await Report.select(Report.status, Report.assignee_id).where(Report.id == report_id).first()
            if row is None:
                raise DeskError("not_found")
            if row["status"] == Status.CLOSED:
                raise DeskError("closed")
            if row["assignee_id"] == assignee_id:
                return False
            await Report.update({Report.assignee_id: assignee_id, Report.updated_at: self.clock.now()}).where(
                Report.id == report_id
            )
            await _record_assignment(officer, report_id, row["assignee_id"], assignee_id)
        return True

    # --- one report ------------------------------------------------------------------------------------

    async def report(self, report_id: int, officer: CurrentUser) -> DeskReport | None:
        """One report for the desk. Admins also see the original of redacted text; hate-incident views are audited."""
        row = await Report.select().where(Report.id == report_id).first()
        if row is None:
            return None
        if row["category"] == Category.HATE_INCIDENT:
            async with write_transaction(self.engine):
                await audit.record("reports.viewed", actor=officer, subject_type=SUBJECT, subject_id=report_id)
        messages = await (
            ReportMessage.select(ReportMessage.author, ReportMessage.body, ReportMessage.created_at)
            .where(ReportMessage.report_id == report_id)
            .order_by(ReportMessage.id)
        )
        referrals = await Referral.select().where(Referral.report_id == report_id).order_by(Referral.id)
        has_contact = await ReportContact.exists().where(ReportContact.report_id == report_id)
        redacted = row["redacted_description"] is not None
        admin = Role.ADMIN in officer.roles
        return DeskReport(
            id=row["id"],
            reference=row["reference"],
            category=row["category"],
            hate_kind=row["hate_kind"],
            district_code=row["district_code"],
            division_code=row["division_code"],
            outcode=row["outcode"],
            place_description=row["place_description"],
            occurred_period=row["occurred_period"],
            description=row["redacted_description"] if redacted else row["description"],
            impact=row["redacted_impact"] if redacted and row["redacted_impact"] is not None else row["impact"],
            source=row["source"],
            grading=row["grading"],
            police_opt_in=row["police_opt_in"],
            status=row["status"],
            outcome=row["outcome"],
            tension_level=row["tension_level"],
            assignee_id=row["assignee_id"],
            due_at=row["due_at"],
            thread_id=row["thread_id"],
            locale=row["locale"],
            created_at=row["created_at"],
            has_contact=has_contact,
            redacted=redacted,
            original_description=row["description"] if redacted and admin else None,
            original_impact=row["impact"] if redacted and admin else None,
            redaction_reason=row["redaction_reason"],
            messages=[MessageView(**message) for message in messages],
            referrals=referrals,
        )

    async def _status(self, report_id: int) -> str | None:
        row = await Report.select(Report.status).where(Report.id == report_id).first()
        return str(row["status"]) if row else None

    async def triage(self, report_id: int, officer: CurrentUser, decision: Triage) -> None:
        """Confirm category and area, set the tension level (which sets the due date), grading and assignee."""
        if decision.category not in CATEGORY_LABELS or decision.tension_level not in LEVELS:
            raise DeskError("invalid")
        if decision.grading and decision.grading not in GRADING_LABELS:
            raise DeskError("invalid")
        if not decision.keep_assignee:
            await self._check_assignee(decision.assignee_id)
        now = self.clock.now()
        async with write_transaction(self.engine):
            current = await Report.select(Report.status, Report.assignee_id).where(Report.id == report_id).first()
            if current is None:
                raise DeskError("not_found")
            status = current["status"]
            if status == Status.CLOSED:
                raise DeskError("closed")
            values: dict[Any, Any] = {
                Report.category: decision.category,
                Report.tension_level: decision.tension_level,
                Report.due_at: now + timedelta(days=DUE_DAYS[decision.tension_level]),
                Report.updated_at: now,
            }
            assignee = current["assignee_id"] if decision.keep_assignee else decision.assignee_id
            values[Report.assignee_id] = assignee
            if decision.district_code or decision.division_code:
                values[Report.district_code] = decision.district_code
                values[Report.division_code] = decision.division_code
            if decision.grading:
                values[Report.grading] = decision.grading
            if status == Status.NEW:
                values[Report.status] = Status.TRIAGED
                await push_triggers.report_changed(report_id, Status.TRIAGED, now.isoformat())
            await Report.update(values).where(Report.id == report_id)
            await push_triggers.report_triaged(
                report_id, decision.tension_level, decision.division_code or decision.district_code
            )
            await audit.record(
                "reports.triaged",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=report_id,
                details={
                    "category": decision.category,
                    "level": decision.tension_level,
                    "division": decision.division_code,
                    "district": decision.district_code,
                    "grading": decision.grading,
                    "assignee": assignee,
                },
            )
            if current["assignee_id"] != assignee:
                await _record_assignment(officer, report_id, current["assignee_id"], assignee)

    async def move(self, report_id: int, officer: CurrentUser, status: str, reason: str = "") -> None:
        """Move a report along: triaged -> in progress -> referred (and back to in progress)."""
        now = self.clock.now()
        async with write_transaction(self.engine):
            current = await self._status(report_id)
            if current is None:
                raise DeskError("not_found")
            if status not in NEXT_STATUSES.get(current, ()):
                raise DeskError("not_allowed")
            await Report.update({Report.status: status, Report.updated_at: now}).where(Report.id == report_id)
            await push_triggers.report_changed(report_id, status, now.isoformat())
            await audit.record(
                f"reports.{status}", actor=officer, subject_type=SUBJECT, subject_id=report_id, reason=reason
            )

    async def close(self, report_id: int, officer: CurrentUser, outcome: str, reason: str = "") -> None:
        """Close with an outcome (from any open state)."""
        if outcome not in OUTCOMES:
            raise DeskError("invalid")
        now = self.clock.now()
        async with write_transaction(self.engine):
            current = await self._status(report_id)
            if current is None:
                raise DeskError("not_found")
            if current == Status.CLOSED:
                raise DeskError("closed")
            await Report.update(
                {Report.status: Status.CLOSED, Report.outcome: outcome, Report.closed_at: now, Report.updated_at: now}
            ).where(Report.id == report_id)
            await push_triggers.report_changed(report_id, Status.CLOSED, now.isoformat())
            await audit.record(
                "reports.closed",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=report_id,
                reason=reason,
                details={"outcome": outcome},
            )

    async def reopen(self, report_id: int, officer: CurrentUser, reason: str) -> None:
        """Reopen a closed report (it goes back to in progress; the retention clock stops)."""
        now = self.clock.now()
        async with write_transaction(self.engine):
            current = await self._status(report_id)
            if current is None:
                raise DeskError("not_found")
            if current != Status.CLOSED:
                raise DeskError("not_allowed")
            await Report.update(
                {Report.status: Status.IN_PROGRESS, Report.outcome: "", Report.closed_at: None, Report.updated_at: now}
            ).where(Report.id == report_id)
            await push_triggers.report_changed(report_id, "reopened", now.isoformat())
            await audit.record(
                "reports.reopened", actor=officer, subject_type=SUBJECT, subject_id=report_id, reason=reason
            )

    async def reply(self, report_id: int, officer: CurrentUser, template: str) -> bool:
        """Send a templated reply, in the reporter's language: on their private link, and by email if they gave one.

        Returns True when an email was queued.
        """
        if template not in REPLY_TEMPLATES:
            raise DeskError("invalid")
        now = self.clock.now()
        async with write_transaction(self.engine):
            row = await Report.select(Report.id, Report.locale, Report.reference).where(Report.id == report_id).first()
            if row is None:
                raise DeskError("not_found")
            catalogue = self.renderer.catalogues.get(row["locale"]) or self.renderer.catalogues["en"]
            body = catalogue.gettext(REPLY_TEMPLATES[template])
            inserted = await ReportMessage.insert(
                ReportMessage(
                    report_id=report_id,
                    author="officer",
                    template=template,
                    body=body,
                    author_id=officer.id,
                    created_at=now,
                )
            ).returning(ReportMessage.id)
            contact = (
                await ReportContact.select(ReportContact.email).where(ReportContact.report_id == report_id).first()
            )
            emailed = bool(contact and contact["email"])
            if emailed:
                assert contact is not None
                payload = self.renderer.render(
                    "report_reply",
                    to=contact["email"],
                    locale=row["locale"],
                    reference=row["reference"],
                    message_body=body,
                )
                await enqueue(EMAIL, f"report-reply:{inserted[0]['id']}", payload)
            await push_triggers.report_changed(report_id, "reply", str(inserted[0]["id"]))
            await audit.record(
                "reports.replied",
                actor=officer,
                subject_type=SUBJECT,
                subject_id=report_id,
                details={"template": template, "emailed": emailed},
            )
        return emailed


async def _record_assignment(officer: CurrentUser, report_id: int, before: int | None, after: int | None) -> None:
    """The audit entry for a change of assignee (inside the change's transaction)."""
    await audit.record(
        "reports.assigned",
        actor=officer,
        subject_type=SUBJECT,
        subject_id=report_id,
        details={"from": before, "to": after},
    )
