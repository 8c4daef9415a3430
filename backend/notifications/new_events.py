"""New events in the areas and categories a device follows.

The events service calls `event_published(event_id, now)` (one line, inside the transaction that first publishes
an event: a trusted partner posting, or an officer approving). That queues one `new_event` job, key
`new_event:<event id>`, held for `HOLD` so a partner who puts a mistake right, or an officer who hides the event,
is in time. When the job runs, the event is read again (`events.upcoming.findable_event`): nothing is sent for an
event that is no longer published, cancelled, hidden, or has no date still to come. Otherwise one push is queued
for the devices that chose `new_events` and follow the event's place and kind (see `audience_for`), each in the
device's language, with the event's page; the dedupe key `new-event:<event id>` makes it once per event and device.

What a device follows (its settings page): areas — a district (every division in it), a county division, or
"online" for events held online — and, optionally, categories (none chosen: every kind of event). A device that
follows no area hears of no new event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.areas.services import AreasService
from backend.core import outbox
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.core.outbox import ClaimedJob
from backend.events.categories import category_views
from backend.events.upcoming import FindableEvent, findable_event
from backend.notifications import topics
from backend.notifications.delivery import JobContext
from backend.notifications.push import Audience, catalogues, queue_push
from backend.notifications.tables import PushSubscription

ANNOUNCE = "new_event"
HOLD = timedelta(minutes=10)
ONLINE = "online"  # the area code a device follows to hear of events held online
ONLINE_LABEL = N_("Online")


def _engine() -> Engine[Any]:
    engine: Engine[Any] = PushSubscription._meta.db
    return engine


async def event_published(event_id: int, now: datetime) -> bool:
    """An event was published for the first time: announce it to the devices that follow its area and kind,
    after the hold (inside the caller's transaction). False if it was announced before."""
    return await outbox.enqueue(ANNOUNCE, f"{ANNOUNCE}:{event_id}", {"event_id": event_id}, due_at=now + HOLD)


def audience_for(event: FindableEvent) -> Audience | None:
    """The devices that chose new events and follow the event's district or division (or "online" for an online
    event), and its category or no category at all. None for an event with no place to follow."""
    if event.is_online:
        areas: tuple[str, ...] = (ONLINE,)
    else:
        areas = tuple(code for code in (event.district_code, event.division_code) if code)
    if not areas:
        return None
    return Audience(topic=topics.NEW_EVENTS, areas=areas, categories=(str(event.category_id),))


def _place(event: FindableEvent) -> dict[str, str]:
    if event.is_online:
        return {locale: catalogue.gettext(ONLINE_LABEL) for locale, catalogue in catalogues().items()}
    return {"ltr": event.venue_name}


async def announce(job: ClaimedJob, context: JobContext) -> None:
    """Queue the new event's push, if residents can still find it (idempotent: the push's dedupe key)."""
    event_id = int(job.payload["event_id"])
    now = context.clock.now()
    async with write_transaction(_engine()):
        event = await findable_event(event_id, now)
        audience = audience_for(event) if event is not None else None
        if event is None or audience is None:
            return
        await queue_push(
            audience,
            "new_event",
            {"title": event.titles, "when": {"when": event.starts_at.isoformat()}, "place": _place(event)},
            url=f"/events/{event_id}",
            dedupe_key=f"new-event:{event_id}",
            due_at=now,
        )


# --- What a device can follow (its settings page) ------------------------------------------------------


@dataclass(frozen=True)
class District:
    """A district a device can follow, with its divisions (code, name)."""

    code: str
    name: str
    divisions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class FollowChoices:
    """The areas (districts with their divisions, and online) and the categories (id, name) a device can follow."""

    districts: list[District]
    categories: list[tuple[str, str]]

    @property
    def area_codes(self) -> frozenset[str]:
        """Every area code that may be followed."""
        codes = {ONLINE}
        for district in self.districts:
            codes.add(district.code)
            codes.update(code for code, _name in district.divisions)
        return frozenset(codes)

    @property
    def category_ids(self) -> frozenset[str]:
        """Every category that may be followed."""
        return frozenset(code for code, _name in self.categories)


async def follow_choices(engine: Engine[Any], locale: str) -> FollowChoices:
    """What a device can follow, with the categories' names in `locale` (English where there is none)."""
    areas = AreasService(engine)
    divisions = await areas.list_divisions()
    districts = [
        District(
            district.code,
            district.name,
            [(item.code, item.name) for item in divisions if item.district.code == district.code],
        )
        for district in await areas.list_districts()
    ]
    categories = [
        (str(category.id), category.names.get(locale) or category.names.get("en") or category.slug)
        for category in await category_views()
    ]
    return FollowChoices(districts, categories)
