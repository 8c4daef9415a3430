"""What the engagement domain takes in and hands out: views for pages, requests for services, API bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from backend.core.i18n import N_

MAX_QUESTION = 300
MAX_HINT = 500
MAX_OPTION = 120
MAX_OPTIONS = 10
MAX_ANSWER = 2000
MAX_REASON = 500
MAX_UPDATE = 2000
MAX_URL = 500
MAX_LABEL = 120
MAX_LINKS = 3
MAX_FEEDBACK = 2000
MAX_QUOTED = 500
MAX_PAGE = 300
SUPPRESS_BELOW = 5  # any count below this is shown as "fewer than 5"


class Kind(StrEnum):
    """What sort of answer a question asks for."""

    OPEN = "open"
    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"


class Consent(StrEnum):
    """What the author wants done with their free text."""

    PUBLISH = "publish"
    PUBLISH_NO_AREA = "publish_no_area"
    PRIVATE = "private"


class Status(StrEnum):
    """Where an answer stands. PRIVATE answers are never shown publicly."""

    PENDING = "pending"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    PRIVATE = "private"


class FeedbackKind(StrEnum):
    """Feedback on Hearby from the footer."""

    USEFUL = "useful"
    NOT_USEFUL = "not_useful"
    PROBLEM = "problem"
    TRANSLATION = "translation"


KIND_LABELS = {
    Kind.OPEN: N_("Open text"),
    Kind.SINGLE: N_("Choose one"),
    Kind.MULTIPLE: N_("Choose any"),
    Kind.RANKING: N_("Rank in order of priority"),
}
CONSENT_LABELS = {
    Consent.PUBLISH: N_("Publish my answer with my area"),
    Consent.PUBLISH_NO_AREA: N_("Publish my answer without my area"),
    Consent.PRIVATE: N_("Do not publish my answer"),
}
FEEDBACK_LABELS = {
    FeedbackKind.USEFUL: N_("Yes, this page is useful"),
    FeedbackKind.NOT_USEFUL: N_("No, this page is not useful"),
    FeedbackKind.PROBLEM: N_("Report a problem with this page"),
    FeedbackKind.TRANSLATION: N_("Suggest a better translation"),
}
# The drivers of cohesion officers tag answers with (and "something else").
THEMES = {
    "shared_identity": N_("Shared identity and belonging"),
    "trust": N_("Trust in each other and in institutions"),
    "community_sector": N_("A strong community sector"),
    "social_mixing": N_("Social mixing"),
    "inclusive_engagement": N_("Inclusive engagement"),
    "reducing_tension": N_("Reducing tension"),
    "other": N_("Something else"),
}


@dataclass(frozen=True)
class QuestionView:
    """A question in one language (falling back to English, with `text_locale` saying which)."""

    id: int
    kind: str
    text: str
    hint: str
    options: list[str]
    text_locale: str
    opens_at: datetime
    closes_at: datetime | None
    area_codes: list[str]
    is_open: bool
    withdrawn: bool


@dataclass(frozen=True)
class AnswerRequest:
    """A checked answer, ready to store."""

    question_id: int
    choices: list[int]
    text: str
    area_code: str
    consent: str
    locale: str
    user_id: int | None = None
    request_key: str | None = None


class AnswerOutcome(StrEnum):
    """What became of an answer."""

    SAVED = "saved"
    REPLAYED = "replayed"
    NOT_FOUND = "not_found"
    CLOSED = "closed"


@dataclass(frozen=True)
class AnswerResult:
    """The outcome, and the stored answer's id and status when it was saved (or replayed)."""

    outcome: AnswerOutcome
    answer_id: int | None = None
    status: str = ""


@dataclass(frozen=True)
class PublicAnswer:
    """An answer as the public sees it: the published (perhaps redacted) text and, if allowed, the area."""

    id: int
    text: str
    area_name: str
    locale: str
    redacted: bool
    created_at: datetime


@dataclass(frozen=True)
class StaffAnswer:
    """An answer as officers see it."""

    id: int
    question_id: int
    question_text: str
    kind: str
    choices: list[str]
    text: str
    published_text: str
    area_code: str
    area_name: str
    consent: str
    status: str
    redacted: bool
    locale: str
    themes: list[str]
    created_at: datetime


@dataclass(frozen=True)
class CountCell:
    """A count, suppressed below five (`shown` is None then)."""

    shown: int | None

    @property
    def suppressed(self) -> bool:
        """True when the count is below the threshold and must not be shown."""
        return self.shown is None


@dataclass(frozen=True)
class ThemeCounts:
    """Counts of tagged answers by theme (rows) and area (columns), each suppressed below five."""

    areas: list[tuple[str, str]]  # (code, name); "" is "no area given"
    rows: list[tuple[str, list[CountCell], CountCell]]  # theme, by area, total


@dataclass(frozen=True)
class UpdateView:
    """A "You said, we did" entry in one language (`*_locale` says which language each text is in)."""

    id: int
    heard: str
    heard_locale: str
    did: str
    did_locale: str
    links: list[dict[str, str]]
    happened_on: date
    created_at: datetime


@dataclass(frozen=True)
class UpdateRequest:
    """A checked new entry."""

    heard: dict[str, str]
    did: dict[str, str]
    links: list[dict[str, str]]
    happened_on: date


@dataclass(frozen=True)
class SiteFeedbackRequest:
    """Checked feedback on a page of Hearby."""

    kind: str
    page: str
    locale: str
    text: str
    quoted: str
    request_key: str | None = None


FEEDBACK_SOURCES = ("site", "event", "exchange")
FEEDBACK_PER_PAGE = 25
MAX_FEEDBACK_PAGE = 1000  # the furthest page the officers' view goes back to (25,000 items)


@dataclass(frozen=True)
class FeedbackItem:
    """One row of the officers' feedback view: feedback on Hearby, on an event (from bookings), or a comment
    after a Listening Exchange (from exchanges: only one its author let council officers read, never with who
    wrote it)."""

    source: str  # site, event, exchange
    kind: str
    created_at: datetime
    text: str
    page: str = ""
    locale: str = ""
    quoted: str = ""
    rating: int | None = None
    event_title: str = ""
    event_id: int | None = None
    organisation_name: str = ""
    hidden: bool = False
    topic_title: str = ""
    topic_lang: str = ""


@dataclass(frozen=True)
class FeedbackQuery:
    """The officers' filters. Some belong to one source: the kind and page to feedback on Hearby, the event and
    partner to events, the topic to exchanges; the language to Hearby and exchanges (the language the person
    used). A filter that does not apply to a source leaves that source out."""

    source: str = ""
    kind: str = ""
    locale: str = ""
    page: str = ""
    event_id: int | None = None
    organisation_id: int | None = None
    topic_id: int | None = None
    since: datetime | None = None  # from this moment
    until: datetime | None = None  # before this moment
    text: str = ""

    def sources(self) -> list[str]:
        """The sources these filters can match."""
        site_only = bool(self.kind or self.page)
        event_only = self.event_id is not None or self.organisation_id is not None
        exchange_only = self.topic_id is not None
        wanted = {
            "site": not (event_only or exchange_only),
            "event": not (site_only or exchange_only or self.locale),
            "exchange": not (site_only or event_only),
        }
        return [source for source in FEEDBACK_SOURCES if wanted[source] and self.source in {"", source}]


@dataclass(frozen=True)
class FeedbackPage:
    """One page of the officers' feedback view, newest first."""

    items: list[FeedbackItem]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class FeedbackChoices:
    """What the officers' filters offer: events with comments, their partners, exchange topics (id, name)."""

    events: list[tuple[int, str]]
    partners: list[tuple[int, str]]
    topics: list[tuple[int, str]]


@dataclass
class QuestionDraft:
    """A question as an officer writes it (checked by the controller)."""

    kind: str
    content: dict[str, dict[str, object]] = field(default_factory=dict)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    area_codes: list[str] = field(default_factory=list)


# ---- The JSON API ----------------------------------------------------------------------------------------

AnswerText = Annotated[str, msgspec.Meta(max_length=MAX_ANSWER)]
AreaCode = Annotated[str, msgspec.Meta(max_length=12, pattern=r"^[A-Za-z0-9]*$")]
ConsentValue = Annotated[str, msgspec.Meta(pattern=r"^(publish|publish_no_area|private)$")]
# The HTML forms' rule (backend.core.forms.EMAIL_PATTERN) without `\s`, which JSON Schema (ECMA) and Python read
# differently; the API applies the forms' rule too, answering 409 in the rare case they disagree.
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=6, max_length=320, pattern=r"^[^@\x00-\x20\x7f<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$"
    ),
]
ThemeName = Literal[
    "shared_identity", "trust", "community_sector", "social_mixing", "inclusive_engagement", "reducing_tension", "other"
]


class QuestionOut(msgspec.Struct):
    """A question in the requested language."""

    id: int
    kind: str
    text: str
    hint: str
    options: list[str]
    language: str
    opens_at: datetime
    closes_at: datetime | None
    area_codes: list[str]
    is_open: bool


class AnswerIn(msgspec.Struct):
    """An answer: option indexes (in priority order for a ranking), free text, area, and what to do with the text.

    `consent` is `publish` (with the area), `publish_no_area`, or `private` (never shown publicly).
    """

    choices: Annotated[list[int], msgspec.Meta(max_length=MAX_OPTIONS)] = []
    text: AnswerText = ""
    area_code: AreaCode = ""
    consent: ConsentValue = "private"


class AnswerCreatedOut(msgspec.Struct):
    """The stored answer: `pending` means it waits for moderation before being published."""

    id: int
    status: str


class PublicAnswerOut(msgspec.Struct):
    """A published answer (the text as moderated; the area only when the author allowed it)."""

    id: int
    text: str
    area_name: str
    language: str
    redacted: bool
    created_at: datetime


class UpdateOut(msgspec.Struct):
    """A "You said, we did" entry."""

    id: int
    heard: str
    did: str
    language: str
    links: list[dict[str, str]]
    happened_on: date


class FollowIn(msgspec.Struct):
    """Follow "You said, we did" by email (a confirmation link is sent first)."""

    email: Email


class FeedbackIn(msgspec.Struct):
    """Feedback on a page of Hearby."""

    kind: Annotated[str, msgspec.Meta(pattern=r"^(useful|not_useful|problem|translation)$")]
    page: Annotated[str, msgspec.Meta(max_length=MAX_PAGE, pattern=r"^/")] = "/"
    text: Annotated[str, msgspec.Meta(max_length=MAX_FEEDBACK)] = ""
    quoted: Annotated[str, msgspec.Meta(max_length=MAX_QUOTED)] = ""


class StaffAnswerOut(msgspec.Struct):
    """An answer as officers see it."""

    id: int
    question_id: int
    text: str
    published_text: str
    area_code: str
    consent: str
    status: str
    redacted: bool
    language: str
    themes: list[str]
    created_at: datetime


class PublishIn(msgspec.Struct):
    """Publish an answer; send `text` with part redacted (and a `reason`) to publish less than was written."""

    text: Annotated[str, msgspec.Meta(max_length=MAX_ANSWER)] | None = None
    reason: Annotated[str, msgspec.Meta(max_length=MAX_REASON)] = ""


class HideIn(msgspec.Struct):
    """Hide an abusive answer (the reason is required)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REASON, pattern=r"\S")]


class ThemesIn(msgspec.Struct):
    """The themes an answer is about (replaces its tags)."""

    themes: Annotated[list[ThemeName], msgspec.Meta(max_length=len(THEMES))]


class ThemeCountOut(msgspec.Struct):
    """A count of tagged answers for a theme in an area; `count` is null when it is below 5 (suppressed)."""

    theme: str
    area_code: str
    count: int | None
    suppressed: bool


class FieldError(msgspec.Struct):
    """Which field failed and why (translated)."""

    key: str | None
    source: str | None
    message: str


class ApiError(msgspec.Struct):
    """An error (the same shape as the app's error handler): a translated `detail`, a machine-readable `code`,
    and a translated message per field."""

    status_code: int
    detail: str
    code: str = ""
    errors: list[FieldError] = msgspec.field(default_factory=list)
