"""What every part of the exchanges domain shares: vocabularies, tokens, job kinds, plain views of rows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale

from backend.core.db import json_object
from backend.core.i18n import N_
from backend.settings import SUPPORTED_LOCALES

# Request statuses.
WAITING = "waiting"
MATCHED = "matched"
CONTROL = "control"
WITHDRAWN = "withdrawn"
# Pair statuses.
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
# Attendance marks.
ATTENDED = "attended"
NO_SHOW = "no_show"
LATE_CANCEL = "late_cancel"
ATTENDANCE = (ATTENDED, NO_SHOW, LATE_CANCEL)
ATTENDANCE_LABELS = {ATTENDED: N_("Attended"), NO_SHOW: N_("Did not come"), LATE_CANCEL: N_("Cancelled late")}
# Survey waves.
BEFORE = "before"
AFTER = "after"
FOLLOW_UP = "follow_up"
WAVES = (BEFORE, AFTER, FOLLOW_UP)
FOLLOW_UP_AFTER = timedelta(weeks=4)

# Outbox job kinds (handlers in jobs.py).
CUT_OFF = "exchanges.cut_off"
REMINDER = "exchanges.reminder"
SURVEY_INVITE = "exchanges.survey_invite"
REMINDERS_BEFORE = (timedelta(hours=24), timedelta(hours=2))

# Languages a person may hold an exchange in (their names come from CLDR, in the reader's language).
LANGUAGES = ("en", "pl", "ur", "pa", "ar", "ro", "bn", "so")
# Access needs a person may have, and the same words for what a venue offers.
ACCESS = {
    "step_free": N_("Step-free access"),
    "hearing_loop": N_("Hearing loop"),
    "quiet_room": N_("A quiet room"),
    "accessible_toilet": N_("Accessible toilet"),
    "parking": N_("Parking nearby"),
}

MIN_STATEMENTS = 3
MAX_STATEMENTS = 5
SCALE = (1, 2, 3, 4, 5)
SCALE_LABELS = {
    1: N_("Strongly disagree"),
    2: N_("Disagree"),
    3: N_("Neither agree nor disagree"),
    4: N_("Agree"),
    5: N_("Strongly agree"),
}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def language_name(code: str, locale: str) -> str:
    """A language's name in the reader's language ("polski", "Polish", "پولش")."""
    try:
        return str(Locale.parse(locale).languages.get(code, code))
    except (ValueError, TypeError):
        return code


def digest(value: str) -> str:
    """SHA-256 hex of a token (tokens are stored only as digests)."""
    return hashlib.sha256(value.encode()).hexdigest()


def keyed(secret: str, purpose: str, value: str) -> str:
    """An HMAC of `value` for a purpose: tokens that can be derived again, and pseudonymous person keys."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def request_token(secret: str, reference: str) -> str:
    """The private link's token of a request (derived from its reference, so emails can carry it later)."""
    mac = hmac.new(secret.encode(), f"exchange-request:{reference}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def person_key(secret: str, email: str) -> str:
    """The same key for every request by one email address (never the address itself)."""
    return keyed(secret, "exchange-person", email.strip().lower())


def new_reference() -> str:
    """A short reference people can read out on the phone: `LX-` and 8 characters."""
    return "LX-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def content_for(content: Any, locale: str) -> dict[str, Any]:
    """A topic's text in the locale, falling back to English field by field."""
    data = json_object(content)
    english = data.get("en", {})
    local = data.get(locale, {}) if locale in SUPPORTED_LOCALES else {}
    statements = local.get("statements") or english.get("statements") or []
    return {
        "title": local.get("title") or english.get("title", ""),
        "summary": local.get("summary") or english.get("summary", ""),
        "statements": list(statements),
        "lang": locale if local.get("title") else "en",
    }


def json_list(value: Any) -> list[Any]:
    """A JSON column holding a list (both engines may hand it back as text)."""
    if isinstance(value, str):
        decoded = json.loads(value or "[]")
        return decoded if isinstance(decoded, list) else []
    return list(value) if isinstance(value, list | tuple) else []


def local_day(moment: datetime, zone: str) -> str:
    """The calendar day of a moment where the council is (for "on the day")."""
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


@dataclass(frozen=True)
class TopicView:
    """A topic in one language."""

    id: int
    slug: str
    title: str
    summary: str
    statements: list[str]
    min_disagreement: int
    control_share: int
    lang: str
    published: bool = True


@dataclass(frozen=True)
class SlotView:
    """A slot as residents and staff see it (the online link only where allowed)."""

    id: int
    topic_id: int
    starts_at: datetime
    ends_at: datetime
    cut_off_at: datetime
    online: bool
    venue: str
    postcode: str
    area: str
    features: list[str]
    facilitator_id: int | None
    facilitator_name: str
    pairs_capacity: int
    pairs_taken: int
    languages: list[str]
    interpreter: bool
    leader_id: int | None
    status: str
    matched_at: datetime | None
    online_link: str = ""
    sequence: int = 0  # bumped by every change an officer saves (the .ics SEQUENCE)

    @property
    def pairs_left(self) -> int:
        """Pairs still free."""
        return max(0, self.pairs_capacity - self.pairs_taken)


@dataclass(frozen=True)
class LeaderView:
    """A community leader on a topic."""

    id: int
    topic_id: int
    name: str
    role_title: str
    stances: list[int]
    statement: str


@dataclass
class Intake:
    """Everything a resident gives when asking for an exchange (validated)."""

    topic_id: int
    stances: list[int]
    thermometer: int
    understanding: int
    willingness: int
    slot_ids: list[int]
    languages: list[str]
    needs: list[str]
    first_name: str
    email: str
    locale: str
    user_id: int | None = None
    request_key: str | None = None
    device_token: str | None = None  # the push settings cookie of the device it came from (never stored)
    extra: dict[str, Any] = field(default_factory=dict)


def slot_view(row: dict[str, Any], *, with_link: bool = False) -> SlotView:
    """A slot row as a view."""
    return SlotView(
        id=row["id"],
        topic_id=row["topic_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        cut_off_at=row["cut_off_at"],
        online=bool(row["online"]),
        venue=row["venue"],
        postcode=row["postcode"],
        area=row["area"],
        features=[str(f) for f in json_list(row["features"])],
        facilitator_id=row["facilitator_id"],
        facilitator_name=row["facilitator_name"],
        pairs_capacity=row["pairs_capacity"],
        pairs_taken=row["pairs_taken"],
        languages=[str(code) for code in json_list(row["languages"])],
        interpreter=bool(row["interpreter"]),
        leader_id=row["leader_id"],
        status=row["status"],
        matched_at=row["matched_at"],
        online_link=row["online_link"] if with_link else "",
        sequence=int(row.get("sequence") or 0),
    )


def topic_view(row: dict[str, Any], locale: str) -> TopicView:
    """A topic row as a view in a language."""
    text = content_for(row["content"], locale)
    return TopicView(
        id=row["id"],
        slug=row["slug"],
        title=text["title"],
        summary=text["summary"],
        statements=text["statements"],
        min_disagreement=row["min_disagreement"],
        control_share=row["control_share"],
        lang=text["lang"],
        published=bool(row["published"]),
    )
