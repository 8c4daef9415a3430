"""Residents' side: make a report (once, whatever the retries), follow it by its private link, add to it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import asyncpg
from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.notifications import triggers as push_triggers
from backend.reports.schemas import (
    GRADING,
    InformationOutcome,
    MessageView,
    ReportView,
    Submission,
    SubmitResult,
)
from backend.reports.services import derived_token, digest, new_key, new_reference, week_start
from backend.reports.tables import Referral, Report, ReportContact, ReportMessage
from backend.settings import Settings

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
REFERENCE_ATTEMPTS = 5


class ReportingService:
    """Reports made by residents without an account."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any], renderer: EmailRenderer) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer

    def token_for(self, key: str) -> str:
        """The private link's token for a submission key (shown on the form before it is sent)."""
        return derived_token(self.settings.secret_key, key)

    async def submit(self, submission: Submission) -> SubmitResult:
        """Store a report, its contact details apart, and the police referral asked for; committed on return.

        The same idempotency key always answers the same report: a form sent twice, or a queued submission
        sent again when the phone comes back online, makes one report.
        """
        key = submission.request_key or new_key()
        request_hash = digest(f"report:{key}")
        token = self.token_for(key)
        existing = await self._by_request(request_hash)
        if existing is not None:
            return SubmitResult(reference=existing, token=token, replayed=True)
        now = self.clock.now()
        for _attempt in range(REFERENCE_ATTEMPTS):
            try:
                async with write_transaction(self.engine):
                    existing = await self._by_request(request_hash)
                    if existing is not None:
                        return SubmitResult(reference=existing, token=token, replayed=True)
                    reference = new_reference()
                    await self._insert(submission, reference, token, request_hash, now)
                return SubmitResult(reference=reference, token=token)
            except _UNIQUE_VIOLATIONS:
                # Either the reference was taken (try another) or a concurrent retry of this submission won.
                existing = await self._by_request(request_hash)
                if existing is not None:
                    return SubmitResult(reference=existing, token=token, replayed=True)
        raise RuntimeError("could not allocate a report reference")

    async def _by_request(self, request_hash: str) -> str | None:
        row = await Report.select(Report.reference).where(Report.request_key == request_hash).first()
        return str(row["reference"]) if row else None

    async def _insert(
        self, submission: Submission, reference: str, token: str, request_hash: str, now: datetime
    ) -> None:
        rows = await Report.insert(
            Report(
                reference=reference,
                token_hash=digest(token),
                request_key=request_hash,
                category=submission.category,
                hate_kind=submission.hate_kind,
                district_code=submission.district_code,
                division_code=submission.division_code,
                outcode=submission.outcode,
                place_description=submission.place_description,
                occurred_period=submission.occurred_period,
                description=submission.description,
                impact=submission.impact,
                source=submission.source,
                grading=GRADING.get(submission.source, ""),
                police_opt_in=submission.police_opt_in,
                locale=submission.locale,
                week_start=week_start(now, self.settings.time_zone),
                created_at=now,
                updated_at=now,
            )
        ).returning(Report.id)
        report_id = rows[0]["id"]
        await push_triggers.report_made(report_id, submission.device_token)
        if submission.email or submission.phone:
            await ReportContact.insert(
                ReportContact(report_id=report_id, email=submission.email, phone=submission.phone, created_at=now)
            )
        if submission.police_opt_in:
            # The resident's explicit consent is the referral's basis; an officer makes it and records when.
            await Referral.insert(
                Referral(
                    report_id=report_id,
                    recipient="police",
                    recipient_name="Thames Valley Police",
                    basis="consent",
                    status="requested",
                    created_at=now,
                )
            )
            await audit.record(
                "reports.police_opt_in",
                actor=None,
                actor_label="reporter",
                actor_role="resident",
                subject_type="tension_report",
                subject_id=report_id,
            )
        if submission.email:
            payload = self.renderer.render(
                "report_receipt",
                to=submission.email,
                locale=submission.locale,
                reference=reference,
                link=f"{self.settings.base_url}/reports/r/{token}",
            )
            await enqueue(EMAIL, f"report-receipt:{report_id}", payload)

    async def view(self, token: str) -> ReportView | None:
        """The report this token belongs to (and only that one), with its replies; no contact details."""
        row = await (
            Report.select(
                Report.id,
                Report.reference,
                Report.category,
                Report.status,
                Report.outcome,
                Report.created_at,
                Report.description,
            )
            .where(Report.token_hash == digest(token))
            .first()
        )
        if row is None:
            return None
        messages = await (
            ReportMessage.select(ReportMessage.author, ReportMessage.body, ReportMessage.created_at)
            .where(ReportMessage.report_id == row["id"])
            .order_by(ReportMessage.id)
        )
        return ReportView(
            reference=row["reference"],
            category=row["category"],
            status=row["status"],
            outcome=row["outcome"],
            created_at=row["created_at"],
            description=row["description"],
            messages=[MessageView(**message) for message in messages],
        )

    async def add_information(self, token: str, text: str, request_key: str | None = None) -> InformationOutcome:
        """Add the reporter's further information to their report; committed on return.

        With a request key (the form's nonce, the API's Idempotency-Key) the same words sent again, one after
        the other or at the same moment (a double tap, the offline queue sending again), are added once and
        answer as the first did. The same key with other words is refused rather than dropped.
        """
        row = await Report.select(Report.id).where(Report.token_hash == digest(token)).first()
        if row is None:
            return InformationOutcome.NOT_FOUND
        report_id = int(row["id"])
        key = digest(f"report-information:{report_id}:{request_key}") if request_key else None
        if key is not None and (replay := await self._information_replay(key, text)) is not None:
            return replay
        try:
            async with write_transaction(self.engine):
                if key is not None and (replay := await self._information_replay(key, text)) is not None:
                    return replay  # on SQLite the first of two at once has committed before this one starts
                now = self.clock.now()
                await ReportMessage.insert(
                    ReportMessage(report_id=report_id, author="reporter", body=text, request_key=key, created_at=now)
                )
                await Report.update({Report.updated_at: now}).where(Report.id == report_id)
        except _UNIQUE_VIOLATIONS:
            # On PostgreSQL the other of two at once committed first: this one answers as that one did.
            replay = await self._information_replay(key, text) if key is not None else None
            if replay is None:
                raise
            return replay
        return InformationOutcome.ADDED

    async def _information_replay(self, key: str, text: str) -> InformationOutcome | None:
        """What an earlier submission with this key became, if there was one."""
        row = await ReportMessage.select(ReportMessage.body).where(ReportMessage.request_key == key).first()
        if row is None:
            return None
        return InformationOutcome.REPLAYED if row["body"] == text else InformationOutcome.KEY_REUSED
