"""Moderation: the officers' queue of new events and waiting changes, and their decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.accounts.organisations import organisation_contact
from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import json_object, raw_rows, write_transaction
from backend.core.i18n import N_
from backend.core.mail import EmailRenderer
from backend.core.outbox import EMAIL, enqueue
from backend.events import listing
from backend.events.posting import PostingService
from backend.events.reading import EventReader
from backend.events.schedule import aware
from backend.events.schemas import (
    EventIn,
)
from backend.events.tables import Event, EventDecision
from backend.events.validation import MAX_REASON, EventRules
from backend.events.views import (
    DecisionView,
    EventNotFoundError,
    EventView,
    NotAllowedError,
    PlacesTakenError,
    Problems,
    QueueItem,
)
from backend.notifications import new_events, partners
from backend.settings import Settings


class ModerationService:
    """Officers approve, reject or hide events and waiting changes; the partner is told why."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: Engine[Any],
        renderer: EmailRenderer,
        *,
        reader: EventReader,
        rules: EventRules,
        posting: PostingService,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.renderer = renderer
        self.reader = reader
        self.rules = rules
        self.posting = posting

    async def queue(self) -> list[QueueItem]:
        """Events waiting for an officer: new events, then changes to published ones; oldest first."""
        pending = await raw_rows(Event._meta.db, "SELECT * FROM event WHERE status = 'pending' ORDER BY updated_at")
        changed = [
            row for row in await published_with_pending_changes() if json_object(row["pending_changes"]).get("data")
        ]
        items = []
        for kind, views in (("new", await self.reader.views(pending)), ("change", await self.reader.views(changed))):
            for view in views:
                submitted = (
                    datetime.fromisoformat(view.pending_changes["requested_at"])
                    if kind == "change" and view.pending_changes.get("requested_at")
                    else view.created_at
                )
                items.append(
                    QueueItem(
                        event_id=view.id,
                        title=view.title,
                        organisation_name=view.organisation_name,
                        kind=kind,
                        submitted_at=submitted,
                        first_starts_at=view.first.starts_at if view.first else None,
                    )
                )
        return items

    async def decisions(self, event_id: int) -> list[DecisionView]:
        """The officers' decisions on an event, newest first."""
        rows = (
            await EventDecision.select()
            .where(EventDecision.subject_type == "event")
            .where(EventDecision.subject_id == event_id)
            .order_by(EventDecision.id, ascending=False)
        )
        return [
            DecisionView(
                decision=row["decision"],
                reason=row["reason"],
                officer_id=row["officer_id"],
                decided_at=aware(row["decided_at"]),
                changes=json_object(row["changes"]),
            )
            for row in rows
        ]

    async def approve(self, officer: CurrentUser, event_id: int, note: str = "") -> None:
        """Publish a pending event, or apply a waiting change to a published one."""
        view = await self.reader.event(event_id)
        if view is None:
            raise EventNotFoundError
        now = self.clock.now()
        if view.status == "pending":
            async with write_transaction(self.engine):
                await Event.update(
                    {
                        Event.status: "published",
                        Event.published_at: now,
                        Event.decision_reason: "",
                        Event.updated_at: now,
                    }
                ).where(Event.id == event_id)
                await listing.refresh([event_id])
                await self._decide(officer, view, "approved", note, {})
                await new_events.event_published(event_id, now)
            return
        if view.status == "published" and view.has_pending_changes:
            data = msgspec.convert(view.pending_changes["data"], EventIn)
            author = CurrentUser(
                id=int(view.pending_changes.get("requested_by") or 0),
                email="",
                display_name="",
                roles=frozenset(),
                organisation_ids=frozenset({view.organisation_id}),
            )
            problems, place, dates, category_id = await self.rules.check_all(author, data, view)
            problems.pop("starts_at", None)  # the time was in the future when the partner asked
            if problems or category_id is None:
                raise NotAllowedError(N_("This change can no longer be applied; reject it with a reason"))
            try:
                async with write_transaction(self.engine):
                    await self.posting.apply(event_id, data, place, dates, category_id, status="published", now=now)
                    await self._decide(officer, view, "change_approved", note, view.diff)
            except PlacesTakenError as exc:
                raise NotAllowedError(N_("This change can no longer be applied; reject it with a reason")) from exc
            return
        raise NotAllowedError(N_("There is nothing waiting for approval on this event"))

    async def reject(self, officer: CurrentUser, event_id: int, reason: str) -> Problems:
        """Refuse a pending event or a waiting change, with a reason the partner sees and is emailed."""
        if not reason.strip():
            return {"reason": (N_("Enter the reason, so the partner can put it right"), {})}
        if len(reason) > MAX_REASON:
            return {"reason": (N_("Must be %(count)s characters or fewer"), {"count": MAX_REASON})}
        view = await self.reader.event(event_id)
        if view is None:
            raise EventNotFoundError
        now = self.clock.now()
        async with write_transaction(self.engine):
            if view.status == "pending":
                await Event.update(
                    {Event.status: "rejected", Event.decision_reason: reason.strip(), Event.updated_at: now}
                ).where(Event.id == event_id)
                decision = "rejected"
            elif view.status == "published" and view.has_pending_changes:
                await Event.update(
                    {Event.pending_changes: {}, Event.decision_reason: reason.strip(), Event.updated_at: now}
                ).where(Event.id == event_id)
                decision = "change_rejected"
            else:
                raise NotAllowedError(N_("There is nothing waiting for approval on this event"))
            decision_id = await self._decide(officer, view, decision, reason.strip(), view.diff)
            await self._tell_partner(
                view, "event_rejected", decision_id, reason=reason.strip(), change=decision != "rejected"
            )
        return {}

    async def hide(self, officer: CurrentUser, event_id: int, reason: str) -> Problems:
        """Take a published event off the public site, with a reason the partner sees."""
        if not reason.strip():
            return {"hide_reason": (N_("Enter the reason for hiding this event"), {})}
        if len(reason) > MAX_REASON:
            return {"hide_reason": (N_("Must be %(count)s characters or fewer"), {"count": MAX_REASON})}
        view = await self.reader.event(event_id)
        if view is None:
            raise EventNotFoundError
        if view.status != "published":
            raise NotAllowedError(N_("Only a published event can be hidden"))
        now = self.clock.now()
        async with write_transaction(self.engine):
            await Event.update(
                {
                    Event.status: "hidden",
                    Event.decision_reason: reason.strip(),
                    Event.sequence: view.sequence + 1,
                    Event.updated_at: now,
                }
            ).where(Event.id == event_id)
            await listing.refresh([event_id])
            decision_id = await self._decide(officer, view, "hidden", reason.strip(), {})
            await self._tell_partner(view, "event_hidden", decision_id, reason=reason.strip(), change=False)
        return {}

    async def _decide(
        self, officer: CurrentUser, view: EventView, decision: str, reason: str, changes: dict[str, Any]
    ) -> int:
        rows = await EventDecision.insert(
            EventDecision(
                subject_type="event",
                subject_id=view.id,
                decision=decision,
                reason=reason,
                officer_id=officer.id,
                changes=changes,
                decided_at=self.clock.now(),
            )
        ).returning(EventDecision.id)
        await audit.record(
            f"event.{decision}",
            actor=officer,
            subject_type="event",
            subject_id=view.id,
            reason=reason,
            details={"fields": sorted(changes)} if changes else None,
        )
        await partners.event_decided(view.organisation_id, view.id, view.title, decision, int(rows[0]["id"]))
        return int(rows[0]["id"])

    async def _tell_partner(self, view: EventView, template: str, decision_id: int, **context: Any) -> None:
        """Email the organisation's contact address (through the outbox, in this transaction)."""
        contact = await organisation_contact(view.organisation_id)
        if contact is None:
            return
        name, email = contact
        payload = self.renderer.render(
            template,
            to=email,
            locale=self.settings.default_locale,
            title=view.title,
            organisation=name,
            dashboard_url=f"{self.settings.base_url}/partner/events",
            **context,
        )
        await enqueue(EMAIL, f"{template}:{view.id}:{decision_id}", payload)


async def published_with_pending_changes() -> list[dict[str, Any]]:
    """Published events with a change waiting for an officer (read by the database, not by scanning every event)."""
    # Portable (JSON has no <> on PostgreSQL). The empty object goes in as a parameter: a literal '{}' in the
    # SQL would be read as a placeholder, and the filter would let every published event through.
    return await raw_rows(
        Event._meta.db,
        "SELECT * FROM event WHERE status = 'published' AND CAST(pending_changes AS TEXT) NOT IN ({}, {}) "
        "ORDER BY updated_at",
        "{}",
        "",
    )
