"""The exchanges' JSON API bodies (msgspec). Service views live in common.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.core.forms import EMAIL_PATTERN

# Item types are enumerations (the OpenAPI schema shows an enumeration, not a range inside a list).
Stance = Literal[1, 2, 3, 4, 5]
Seven = Annotated[int, msgspec.Meta(ge=1, le=7)]
Hundred = Annotated[int, msgspec.Meta(ge=0, le=100)]
Language = Literal["en", "pl", "ur", "pa", "ar", "ro", "bn", "so"]  # common.LANGUAGES
Need = Literal["step_free", "hearing_loop", "quiet_room", "accessible_toilet", "parking"]  # common.ACCESS


class TopicOut(msgspec.Struct):
    """A topic in the request's language (`lang` says which language the text is in)."""

    slug: str
    title: str
    summary: str
    statements: list[str]
    min_disagreement: int
    lang: str


class SlotOut(msgspec.Struct):
    """A session residents may choose. The online link is never listed: it is shown to the pair on the day."""

    id: int
    starts_at: datetime
    ends_at: datetime
    cut_off_at: datetime
    online: bool
    venue: str
    postcode: str
    area: str
    features: list[str]
    facilitator_first_name: str
    pairs_left: int
    languages: list[str]
    interpreter: bool


class RequestIn(msgspec.Struct):
    """A request: stances (one per statement, 1-5), consent and age confirmed, the before-questionnaire,
    the sessions one could attend, languages, access needs, first name, email."""

    topic: Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern="^[a-z0-9-]+$")]
    stances: Annotated[list[Stance], msgspec.Meta(min_length=3, max_length=5)]
    consent: Literal[True]
    adult: Literal[True]
    thermometer: Hundred
    understanding: Seven
    willingness: Seven
    slots: Annotated[list[int], msgspec.Meta(min_length=1, max_length=50)]
    languages: Annotated[list[Language], msgspec.Meta(min_length=1, max_length=8)]
    first_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=EMAIL_PATTERN.pattern)]
    needs: Annotated[list[Need], msgspec.Meta(max_length=5)] = msgspec.field(default_factory=list)


class RequestCreatedOut(msgspec.Struct):
    """The reference and the private token (shown now, and emailed)."""

    reference: str
    token: str
    status_url: str


class MatchOut(msgspec.Struct):
    """The matched session: never the other person's details."""

    starts_at: datetime
    ends_at: datetime
    online: bool
    venue: str
    postcode: str
    area: str
    facilitator_first_name: str
    online_link: str  # empty except on the day


class StatusOut(msgspec.Struct):
    """A request's status by its private token."""

    reference: str
    topic: str
    status: str
    slots: list[int]
    match: MatchOut | None


class RunOut(msgspec.Struct):
    """What a matching run did."""

    slot_id: int
    pairs: int
    unmatched: int
    control: int
    run_id: str


class MarkIn(msgspec.Struct):
    """One participant's attendance."""

    participant: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    mark: Annotated[str, msgspec.Meta(pattern="^(attended|no_show|late_cancel)$")]


class AttendanceIn(msgspec.Struct):
    """Attendance for a pair, and an optional note to officers."""

    marks: Annotated[list[MarkIn], msgspec.Meta(max_length=2)]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class CellOut(msgspec.Struct):
    """A count or mean; `value` is null and `suppressed` true when fewer than 5 people are behind it."""

    n_label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    suppressed: bool = False


class EvaluationOut(msgspec.Struct):
    """The dashboard's aggregates; every cell behind fewer than 5 people is suppressed."""

    requests: CellOut
    matched: CellOut
    attended: CellOut
    no_shows: CellOut
    control: CellOut
    mean_disagreement: float | None
    changes: dict[str, dict[str, dict[str, CellOut]]]
    attrition: dict[str, CellOut]


class ApiError(msgspec.Struct):
    """An error answer."""

    status_code: int
    detail: str
    code: str = ""
