"""Shapes and vocabularies of the reports domain: categories and harm types, states, levels, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import msgspec

from backend.core.i18n import N_

MAX_DESCRIPTION = 5000
MAX_IMPACT = 2000
MAX_PLACE = 300
MAX_POSTCODE = 10
MAX_EMAIL = 320
MAX_PHONE = 30
MAX_MESSAGE = 3000
MAX_REASON = 1000


class Category(StrEnum):
    """What a resident reports (the form's first step)."""

    RUMOUR = "rumour"
    ONLINE_HATE = "online_hate"
    HATE_INCIDENT = "hate_incident"
    GROUP_TENSION = "group_tension"
    UNSAFE_SPACE = "unsafe_space"
    FLAGS_SYMBOLS = "flags_symbols"
    PROTEST = "protest"
    SERVICES_UNFAIRNESS = "services_unfairness"
    OTHER = "other"


CATEGORY_LABELS: dict[str, str] = {
    Category.RUMOUR: N_("A rumour or misinformation"),
    Category.ONLINE_HATE: N_("Online hate or extremist content"),
    Category.HATE_INCIDENT: N_("A hate incident"),
    Category.GROUP_TENSION: N_("Tension or conflict between groups"),
    Category.UNSAFE_SPACE: N_("An unsafe or contested space"),
    Category.FLAGS_SYMBOLS: N_("Flags, symbols or graffiti"),
    Category.PROTEST: N_("A protest or gathering causing worry"),
    Category.SERVICES_UNFAIRNESS: N_("Pressure on services or a sense of unfairness (cost of living, housing)"),
    Category.OTHER: N_("Something else"),
}

# The council's harm types each category counts towards.
HARM_TYPES: dict[str, tuple[str, ...]] = {
    Category.RUMOUR: ("information",),
    Category.ONLINE_HATE: ("information", "social"),
    Category.HATE_INCIDENT: ("social", "tension_triggers"),
    Category.GROUP_TENSION: ("social", "tension_triggers"),
    Category.UNSAFE_SPACE: ("structural", "social"),
    Category.FLAGS_SYMBOLS: ("political", "tension_triggers"),
    Category.PROTEST: ("political", "tension_triggers"),
    Category.SERVICES_UNFAIRNESS: ("economic", "institutional"),
    Category.OTHER: ("tension_triggers",),
}
HARM_TYPE_LABELS: dict[str, str] = {
    "information": N_("Information"),
    "institutional": N_("Institutional"),
    "economic": N_("Economic"),
    "social": N_("Social"),
    "political": N_("Political"),
    "structural": N_("Structural"),
    "tension_triggers": N_("Tension triggers"),
}

HATE_KINDS: dict[str, str] = {
    "race": N_("Race or ethnicity"),
    "religion": N_("Religion or belief"),
    "disability": N_("Disability"),
    "sexual_orientation": N_("Sexual orientation"),
    "transgender": N_("Transgender identity"),
    "other": N_("Something else"),
}

PERIODS: dict[str, str] = {
    "today": N_("Today"),
    "this_week": N_("In the last 7 days"),
    "this_month": N_("In the last month"),
    "earlier": N_("Longer ago"),
    "ongoing": N_("It is still happening"),
}

# What the resident said about how they know, and the source grading it becomes.
SOURCES: dict[str, str] = {
    "experienced": N_("It happened to me"),
    "saw": N_("I saw or heard it myself"),
    "heard": N_("Someone told me, or I read about it"),
}
GRADING: dict[str, str] = {"experienced": "experienced", "saw": "evidenced", "heard": "potential"}
GRADING_LABELS: dict[str, str] = {
    "experienced": N_("Experienced"),
    "evidenced": N_("Evidenced"),
    "potential": N_("Potential"),
}


class Status(StrEnum):
    """Where a report is on the desk."""

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


STATUS_LABELS: dict[str, str] = {
    Status.NEW: N_("New"),
    Status.TRIAGED: N_("Triaged"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.REFERRED: N_("Referred"),
    Status.CLOSED: N_("Closed"),
}
# Moves an officer may make (closing and reopening have their own actions).
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.TRIAGED,),
    Status.TRIAGED: (Status.IN_PROGRESS, Status.REFERRED),
    Status.IN_PROGRESS: (Status.REFERRED,),
    Status.REFERRED: (Status.IN_PROGRESS,),
}
OUTCOMES: dict[str, str] = {
    "resolved": N_("Resolved"),
    "no_further_action": N_("No further action"),
    "duplicate": N_("Duplicate"),
    "referred_on": N_("Referred on"),
    "not_enough_information": N_("Not enough information"),
}

# Tension levels: descriptor, and the days an officer has to act.
LEVELS: dict[int, str] = {
    1: N_("1 – Low: isolated, no sign of spreading"),
    2: N_("2 – Moderate: some concern in one community"),
    3: N_("3 – Elevated: spreading, or repeated incidents"),
    4: N_("4 – High: likely to lead to disorder or harm"),
    5: N_("5 – Critical: disorder or serious harm happening or imminent"),
}
DUE_DAYS: dict[int, int] = {1: 28, 2: 14, 3: 7, 4: 2, 5: 1}

REFERRAL_RECIPIENTS: dict[str, str] = {
    "police": N_("Thames Valley Police"),
    "district": N_("A district council"),
    "school": N_("A school"),
    "housing": N_("Housing"),
    "partner": N_("A partner organisation"),
}
REFERRAL_BASES: dict[str, str] = {
    "consent": N_("The reporter's consent"),
    "public_task": N_("Public task"),
    "crime_prevention": N_("Preventing or detecting crime"),
    "vital_interests": N_("Someone's safety (vital interests)"),
}

# Replies an officer can send; each exists in every site language (the catalogue translates it).
REPLY_TEMPLATES: dict[str, str] = {
    "received": N_(
        "Thank you for your report. An officer has read it and is looking into it. We will write again if we "
        "need more information or when we have done something about it."
    ),
    "more_information": N_(
        "Thank you for your report. Could you tell us more about what happened? You can add information "
        "using your private link."
    ),
    "action_taken": N_(
        "Thank you for your report. We have acted on it with our partners in the area. The report is now closed; "
        "you can still add information using your private link."
    ),
    "referred": N_(
        "Thank you for your report. We have passed it to the organisation best placed to act on it, as you agreed."
    ),
}
REPLY_TEMPLATE_LABELS: dict[str, str] = {
    "received": N_("We are looking into it"),
    "more_information": N_("Please tell us more"),
    "action_taken": N_("We have acted on it"),
    "referred": N_("We have passed it on"),
}


@dataclass
class Submission:
    """A resident's report, validated."""

    category: str
    hate_kind: str
    district_code: str
    division_code: str
    outcode: str
    place_description: str
    occurred_period: str
    description: str
    impact: str
    source: str
    police_opt_in: bool
    email: str
    phone: str
    locale: str
    request_key: str | None = None
    device_token: str | None = None  # the push settings cookie of the device it came from (never stored)


@dataclass(frozen=True)
class SubmitResult:
    """The receipt: a short reference and the private link's token (None when the key was reused)."""

    reference: str
    token: str
    replayed: bool = False


class InformationOutcome(StrEnum):
    """What became of information a reporter added (the form's nonce or the API's key makes a retry harmless)."""

    ADDED = "added"
    REPLAYED = "replayed"  # the same key and the same words again: already added, nothing stored twice
    KEY_REUSED = "key_reused"  # the same key with other words: refused, so nothing is silently dropped
    NOT_FOUND = "not_found"  # no report has this token


@dataclass(frozen=True)
class MessageView:
    """One message on a report, as the reporter or an officer sees it."""

    author: str
    body: str
    created_at: datetime


@dataclass
class ReportView:
    """A report as the reporter sees it through the private link (no contact details)."""

    reference: str
    category: str
    status: str
    outcome: str
    created_at: datetime
    description: str
    messages: list[MessageView] = field(default_factory=list)


@dataclass
class QueueFilters:
    """The desk's filters; empty means any."""

    status: str = ""
    category: str = ""
    district: str = ""
    division: str = ""
    level: int | None = None
    assignee: str = ""  # "", "me", "none", or a user id
    older_than_days: int | None = None
    page: int = 1


@dataclass(frozen=True)
class Officer:
    """Someone a report can be assigned to: an active account with the officer role (never their email)."""

    id: int
    name: str


@dataclass(frozen=True)
class QueueRow:
    """One line of the desk's queue."""

    id: int
    reference: str
    category: str
    status: str
    tension_level: int | None
    district_code: str
    division_code: str
    assignee_id: int | None
    due_at: datetime | None
    created_at: datetime


@dataclass
class DeskReport:
    """A report as officers see it (the original text only for admins)."""

    id: int
    reference: str
    category: str
    hate_kind: str
    district_code: str
    division_code: str
    outcode: str
    place_description: str
    occurred_period: str
    description: str
    impact: str
    source: str
    grading: str
    police_opt_in: bool
    status: str
    outcome: str
    tension_level: int | None
    assignee_id: int | None
    due_at: datetime | None
    thread_id: int | None
    locale: str
    created_at: datetime
    has_contact: bool
    redacted: bool
    original_description: str | None
    original_impact: str | None
    redaction_reason: str
    messages: list[MessageView] = field(default_factory=list)
    referrals: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class WeekCount:
    """How many reports one division had in one week."""

    division_code: str
    week_start: date
    count: int


# --- API shapes ----------------------------------------------------------------------------------------


class ReportIn(msgspec.Struct):
    """A report sent to the API (the same fields as the form)."""

    category: str
    description: str
    postcode: str = ""
    division: str = ""
    district: str = ""
    hate_kind: str = ""
    place_description: str = ""
    occurred_period: str = ""
    impact: str = ""
    source: str = ""
    police_opt_in: bool = False
    email: str = ""
    phone: str = ""


class ReceiptOut(msgspec.Struct):
    """The receipt: the reference, and the private token and link (keep them: they are shown once)."""

    reference: str
    token: str
    status_url: str


class ReportMessageOut(msgspec.Struct):
    """One message on a report."""

    author: str
    body: str
    created_at: datetime


class ReportStatusOut(msgspec.Struct):
    """A report's status as its private token shows it."""

    reference: str
    category: str
    status: str
    outcome: str
    created_at: datetime
    messages: list[ReportMessageOut]


class ReportQueueRowOut(msgspec.Struct):
    """One report in the officers' queue."""

    id: int
    reference: str
    category: str
    status: str
    tension_level: int | None
    district_code: str
    division_code: str
    assignee_id: int | None
    due_at: datetime | None
    created_at: datetime


class ReportQueueOut(msgspec.Struct):
    """A page of the queue, with counts by status."""

    reports: list[ReportQueueRowOut]
    total: int
    counts: dict[str, int]


class ReportTriageIn(msgspec.Struct):
    """An officer's triage of a report."""

    category: str
    tension_level: int
    division: str = ""
    district: str = ""
    grading: str = ""
    assignee_id: int | None = None


class ReportCloseIn(msgspec.Struct):
    """Closing a report, with its outcome."""

    outcome: str


class ReportFieldError(msgspec.Struct):
    """One problem with one field."""

    key: str
    message: str


class ReportApiError(msgspec.Struct):
    """An error answer."""

    status_code: int
    detail: str
    errors: list[ReportFieldError] = msgspec.field(default_factory=list)
