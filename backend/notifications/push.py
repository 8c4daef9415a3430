"""Web push: the API other domains call, the messages, and the fan-out from an audience to one outbox job per
device.

Other domains call, inside the transaction that makes the change::

    from backend.notifications.push import Audience, queue_push
    from backend.notifications import topics

    await queue_push(
        Audience(topic=topics.PARTNER_BOOKINGS, organisation_id=event.organisation_id),
        "partner_booking",                      # a key of MESSAGES: its title/body are translated per device
        {"title": {"en": "…", "pl": "…"}, "places": 2},   # per language, plain, {"when": iso} or {"ltr": code}
        url="/partner/events/12",               # the page the notification opens
        dedupe_key=f"booking:{booking_id}",     # the same key never queues twice
    )

`queue_push` writes one `push_fanout` job. The worker turns it into one `push` job per matching device
(`push:<dedupe key>:<subscription id>`), each rendered in that device's language; `backend.notifications.sender`
delivers those. Only devices that chose the audience's topic receive anything.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.support import NullTranslations

from backend.accounts.audiences import members_of, users_with_role
from backend.core import outbox
from backend.core.i18n import N_, format_when, load_translations
from backend.core.roles import Role
from backend.notifications import topics
from backend.notifications.tables import PushSubscription
from backend.settings import RTL_LOCALES, SUPPORTED_LOCALES, Settings

PUSH = outbox.PUSH
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
FANOUT = "push_fanout"
SETTINGS_PATH = "/notifications/settings"
FANOUT_PAGE = 1000
SETTINGS_LABEL = N_("Notification settings")
LTR_START, LTR_END = "\u2066", "\u2069"  # isolate a left-to-right run (a time, a date) inside right-to-left text
FIRST_STRONG = "\u2068"  # isolate text in another language (its direction from its first letter), ended by LTR_END


@dataclass(frozen=True)
class Message:
    """A kind of notification: its translatable title and body (with %(name)s placeholders) and its delivery."""

    title: str
    body: str
    delivery: str


MESSAGES: dict[str, Message] = {
    "booking_reminder": Message(N_("Tomorrow: %(title)s"), N_("Your booking starts at %(when)s."), topics.REMINDER),
    "exchange_reminder": Message(
        N_("Listening Exchange soon"), N_("Your Listening Exchange starts at %(when)s."), topics.REMINDER
    ),
    "report_update": Message(N_("Your report has an update"), N_("%(summary)s"), topics.UPDATE),
    "new_event": Message(N_("New event: %(title)s"), N_("%(when)s, %(place)s"), topics.NEWS),
    "you_said_we_did": Message(N_("You said, we did"), N_("%(summary)s"), topics.NEWS),
    "officer_urgent_report": Message(
        N_("New level %(level)s report"), N_("A report needs triage: %(area)s."), topics.ALERT
    ),
    "officer_overdue_triage": Message(
        N_("Triage overdue"), N_("Reports waiting longer than they should: %(count)s."), topics.ALERT
    ),
    "partner_booking": Message(N_("New booking: %(title)s"), N_("Places booked: %(places)s."), topics.UPDATE),
    "partner_cancellation": Message(N_("Booking cancelled: %(title)s"), N_("Places freed: %(places)s."), topics.UPDATE),
    "partner_event_approved": Message(N_("Event approved"), N_("%(title)s is now published."), topics.UPDATE),
    "partner_event_rejected": Message(N_("Event not approved"), N_("%(title)s was not approved."), topics.UPDATE),
    "test": Message(N_("Notifications are on"), N_("This is how Hearby will tell you things."), topics.UPDATE),
}


@dataclass(frozen=True)
class Audience:
    """Who may receive a message: the devices that chose `topic`, narrowed by any of the filters given.

    - `device_ids`: these subscriptions only (e.g. the device a report was made from);
    - `user_ids`, `role`, `organisation_id`: devices linked to these people (signed in when they subscribed);
    - `areas`: devices that follow any of these areas; `categories`: devices that follow any of these categories
      or none (a device that chose no category hears of every kind) — both must hold when both are given.
    """

    topic: str
    device_ids: tuple[int, ...] | None = None
    user_ids: tuple[int, ...] | None = None
    role: str | None = None
    organisation_id: int | None = None
    areas: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.topic not in topics.TOPICS:
            raise ValueError(f"unknown push topic {self.topic!r}")
        if not all(_KEY.match(value) for value in (*self.areas, *self.categories)):
            raise ValueError("areas and categories are codes or ids: letters, digits, - and _")

    @classmethod
    def from_payload(cls, value: dict[str, Any]) -> Audience:
        """Read back an audience stored in a job's payload."""

        def ints(name: str) -> tuple[int, ...] | None:
            found = value.get(name)
            return None if found is None else tuple(int(item) for item in found)

        return cls(
            topic=str(value["topic"]),
            device_ids=ints("device_ids"),
            user_ids=ints("user_ids"),
            role=value.get("role"),
            organisation_id=value.get("organisation_id"),
            areas=tuple(str(item) for item in value.get("areas", ())),
            categories=tuple(str(item) for item in value.get("categories", ())),
        )


@dataclass(frozen=True)
class PushJob:
    """What one `push` job carries: the device, and the notification already in the device's language."""

    subscription_id: int
    message_key: str
    title: str
    body: str
    url: str
    tag: str
    locale: str
    ttl: int
    urgency: str
    data: dict[str, Any] = field(default_factory=dict)

    def notification(self) -> bytes:
        """The JSON the service worker receives (kept small: push services accept about 4 KB)."""
        document = {
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "tag": self.tag,
            "lang": self.locale,
            "dir": "rtl" if self.locale in RTL_LOCALES else "ltr",
            "settings_url": SETTINGS_PATH,
            "settings_label": self.data.get("settings_label", ""),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


async def queue_push(
    audience: Audience,
    message_key: str,
    params: dict[str, Any],
    url: str,
    *,
    dedupe_key: str,
    due_at: datetime | None = None,
) -> bool:
    """Queue a notification for an audience (see the module docstring). True if queued, False if this
    `dedupe_key` was queued before. `url` is a path on this site; the notification's tag is the dedupe key,
    so a repeat (a re-send after a crash) replaces the first on the phone instead of showing twice."""
    if message_key not in MESSAGES:
        raise ValueError(f"unknown push message {message_key!r}")
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a push URL is a path on this site")
    payload = {
        "audience": asdict(audience),
        "message_key": message_key,
        "params": params,
        "url": url,
        "dedupe_key": dedupe_key,
    }
    return await outbox.enqueue(FANOUT, f"{FANOUT}:{dedupe_key}", payload, due_at=due_at)


# --- The worker's side: from an audience to one job per device ------------------------------------------


@functools.cache
def catalogues() -> dict[str, NullTranslations]:
    """Every site language's translations (loaded once per process)."""
    return load_translations()


def render(message_key: str, params: dict[str, Any], locale: str, settings: Settings) -> tuple[str, str, str]:
    """A message's title and body in one language, its parameters chosen and formatted for that language, and
    the label of the notification's settings button."""
    message = MESSAGES[message_key]
    locale = locale if locale in SUPPORTED_LOCALES else settings.default_locale
    translations = catalogues()[locale]
    values = {name: _param(value, locale, settings) for name, value in params.items()}
    title = translations.gettext(message.title) % _Missing(values)
    body = translations.gettext(message.body) % _Missing(values)
    return title[:120], body[:400], translations.gettext(SETTINGS_LABEL)


class _Missing(dict[str, Any]):
    """Formatting values where a placeholder the caller did not give shows as empty, never an error."""

    def __missing__(self, key: str) -> str:
        return ""


def _param(value: Any, locale: str, settings: Settings) -> str:
    if isinstance(value, dict) and "when" in value:
        moment = datetime.fromisoformat(str(value["when"]))
        text = format_when(moment, "full", ZoneInfo(settings.time_zone), locale)
        return f"{LTR_START}{text}{LTR_END}" if locale in RTL_LOCALES else text
    if isinstance(value, dict) and "ltr" in value:  # a code, a reference: isolated inside right-to-left text
        text = str(value["ltr"])
        return f"{LTR_START}{text}{LTR_END}" if locale in RTL_LOCALES else text
    if isinstance(value, dict):
        own = value.get(locale)
        if own:
            return str(own)
        text = str(value.get("en") or next(iter(value.values()), ""))  # another language's text: isolated in RTL
        return f"{FIRST_STRONG}{text}{LTR_END}" if text and locale in RTL_LOCALES else text
    return str(value)


def tag_for(dedupe_key: str) -> str:
    """The notification tag (and Web Push `Topic`: at most 32 base64url characters) of a message."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


async def _recipient_user_ids(audience: Audience) -> set[int] | None:
    """The people an audience names (None: it names nobody in particular, every device of the topic)."""
    if audience.user_ids is None and audience.role is None and audience.organisation_id is None:
        return None
    found: set[int] = set(audience.user_ids or ())
    if audience.role is not None:
        found |= set(await users_with_role(Role(audience.role)))
    if audience.organisation_id is not None:
        found |= set(await members_of(audience.organisation_id))
    return found


def _contains(column: Any, value: str) -> Any:
    """Rows whose comma-wrapped list holds this value (a key checked by `Audience`: no `%` or `,`; a `_`
    matches itself among our keys)."""
    return column.like(f"%,{value},%")


def _any_of(conditions: list[Any]) -> Any:
    either = conditions[0]
    for other in conditions[1:]:
        either |= other
    return either


async def fan_out(payload: dict[str, Any], settings: Settings, now: datetime) -> int:
    """Turn a `push_fanout` job into one `push` job per matching device; returns how many were added.

    Idempotent: the keys are `push:<dedupe key>:<subscription id>`, so a fan-out run again after a crash adds
    only what is missing."""
    audience = Audience.from_payload(payload["audience"])
    message_key = str(payload["message_key"])
    delivery = topics.DELIVERY[MESSAGES[message_key].delivery]
    dedupe_key = str(payload["dedupe_key"])
    user_ids = await _recipient_user_ids(audience)
    if user_ids is not None and not user_ids:
        return 0
    condition = _contains(PushSubscription.topics, audience.topic)
    if audience.device_ids is not None:
        condition &= PushSubscription.id.is_in(list(audience.device_ids) or [0])
    if user_ids is not None:
        condition &= PushSubscription.user_id.is_in(sorted(user_ids))
    if audience.areas:  # follows one of these areas
        condition &= _any_of([_contains(PushSubscription.areas, area) for area in audience.areas])
    if audience.categories:  # follows one of these categories, or no category (every kind)
        every_kind: Any = PushSubscription.categories == ","
        condition &= _any_of([every_kind, *(_contains(PushSubscription.categories, c) for c in audience.categories)])
    tag = tag_for(dedupe_key)
    rendered: dict[str, dict[str, Any]] = {}
    added, last_id = 0, 0
    while True:
        rows = await (
            PushSubscription.select(PushSubscription.id, PushSubscription.locale)
            .where(condition & (PushSubscription.id > last_id))
            .order_by(PushSubscription.id)
            .limit(FANOUT_PAGE)
        )
        if not rows:
            return added
        jobs = []
        for row in rows:
            locale = row["locale"]
            if locale not in rendered:  # one PushJob per language, copied for each device
                title, body, settings_label = render(message_key, payload.get("params") or {}, locale, settings)
                job = PushJob(
                    subscription_id=0,
                    message_key=message_key,
                    title=title,
                    body=body,
                    url=str(payload["url"]),
                    tag=tag,
                    locale=locale,
                    ttl=delivery.ttl,
                    urgency=delivery.urgency,
                    data={"settings_label": settings_label},
                )
                rendered[locale] = asdict(job)
            jobs.append((f"{PUSH}:{dedupe_key}:{row['id']}", {**rendered[locale], "subscription_id": row["id"]}))
        added += await outbox.enqueue_many(PUSH, jobs, due_at=now, max_attempts=delivery.max_attempts)
        last_id = rows[-1]["id"]
