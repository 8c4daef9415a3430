"""Vocabularies and input/output shapes of the events domain.

The multi-valued vocabularies (accessibility, who it suits, languages spoken) are stored on an event
as integer bit sets: each entry has a fixed bit position that must never change once data exists
(add new entries at the end with a new bit). `mask_of(...)`/`codes_of(...)` convert between codes
and bit sets; discovery filters with a portable `(column & mask) = mask`.
Labels are marked with `N_` and translated when rendered (`translate(request, label)` or `_()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.core.i18n import N_


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a vocabulary: a stable code, its bit position, and an English label (`N_`)."""

    code: str
    bit: int
    label: str

    @property
    def mask(self) -> int:
        """This entry's bit as an integer mask."""
        return 1 << self.bit


# Accessibility features of a venue (or of the event itself: BSL, childcare).
ACCESSIBILITY: tuple[Choice, ...] = (
    Choice("step_free", 0, N_("Step-free access")),
    Choice("hearing_loop", 1, N_("Hearing loop")),
    Choice("bsl", 2, N_("BSL interpretation")),
    Choice("quiet_space", 3, N_("Quiet space")),
    Choice("accessible_toilet", 4, N_("Accessible toilet")),
    Choice("changing_places", 5, N_("Changing Places toilet")),
    Choice("prayer_space", 6, N_("Prayer or reflection space")),
    Choice("childcare", 7, N_("Childcare or crèche")),
    Choice("parking", 8, N_("Parking")),
    Choice("public_transport", 9, N_("Near public transport")),
)

# Who an event particularly suits.
SUITS: tuple[Choice, ...] = (
    Choice("families", 0, N_("Families")),
    Choice("young_people", 1, N_("Young people")),
    Choice("older_people", 2, N_("Older people")),
)

# Languages spoken at the event (not the site's languages: any language a partner may offer).
LANGUAGES: tuple[Choice, ...] = (
    Choice("en", 0, N_("English")),
    Choice("pl", 1, N_("Polish")),
    Choice("ur", 2, N_("Urdu")),
    Choice("ar", 3, N_("Arabic")),
    Choice("bn", 4, N_("Bengali")),
    Choice("pa", 5, N_("Punjabi")),
    Choice("so", 6, N_("Somali")),
    Choice("ro", 7, N_("Romanian")),
    Choice("pt", 8, N_("Portuguese")),
    Choice("es", 9, N_("Spanish")),
    Choice("fr", 10, N_("French")),
    Choice("zh", 11, N_("Chinese")),
    Choice("bsl", 12, N_("British Sign Language")),
    Choice("uk", 13, N_("Ukrainian")),
    Choice("ps", 14, N_("Pashto")),
    Choice("fa", 15, N_("Persian (Farsi)")),
    Choice("ti", 16, N_("Tigrinya")),
    Choice("ku", 17, N_("Kurdish")),
    Choice("gu", 18, N_("Gujarati")),
    Choice("ta", 19, N_("Tamil")),
    Choice("tr", 20, N_("Turkish")),
    Choice("it", 21, N_("Italian")),
)

ACCESSIBILITY_CODES = tuple(choice.code for choice in ACCESSIBILITY)
SUITS_CODES = tuple(choice.code for choice in SUITS)
LANGUAGE_CODES = tuple(choice.code for choice in LANGUAGES)

# Recurrence of a series; "none" is a single occurrence.
RECURRENCES: tuple[tuple[str, str], ...] = (
    ("none", N_("Does not repeat")),
    ("weekly", N_("Every week")),
    ("fortnightly", N_("Every two weeks")),
    ("monthly", N_("Every month")),
)
RECURRENCE_CODES = tuple(code for code, _ in RECURRENCES)
MAX_OCCURRENCES = 52

# Event statuses, with the label shown to partners and officers.
EVENT_STATUSES: tuple[tuple[str, str], ...] = (
    ("draft", N_("Draft")),
    ("pending", N_("Waiting for approval")),
    ("published", N_("Published")),
    ("rejected", N_("Rejected")),
    ("hidden", N_("Hidden by an officer")),
    ("cancelled", N_("Cancelled")),
)
STATUS_LABELS = dict(EVENT_STATUSES)

# Site languages a partner may translate the title and description into.
TRANSLATION_LOCALES: tuple[str, ...] = ("en", "pl", "ur")

# Default categories: (slug, {locale: name}). Officers add and rename more in /officer/categories.
CATEGORIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("community-meal", {"en": "Community meal", "pl": "Wspólny posiłek", "ur": "کمیونٹی کھانا"}),
    ("coffee-morning", {"en": "Coffee morning", "pl": "Poranna kawa", "ur": "صبح کی کافی"}),
    ("advice", {"en": "Advice and support", "pl": "Porady i wsparcie", "ur": "مشورہ اور مدد"}),
    ("language", {"en": "Language and conversation", "pl": "Język i rozmowa", "ur": "زبان اور گفتگو"}),
    ("health", {"en": "Health and wellbeing", "pl": "Zdrowie i dobre samopoczucie", "ur": "صحت اور تندرستی"}),
    ("arts", {"en": "Arts and crafts", "pl": "Sztuka i rękodzieło", "ur": "فنون اور دستکاری"}),
    ("music", {"en": "Music and dance", "pl": "Muzyka i taniec", "ur": "موسیقی اور رقص"}),
    ("sport", {"en": "Sport and exercise", "pl": "Sport i ćwiczenia", "ur": "کھیل اور ورزش"}),
    ("faith", {"en": "Faith and culture", "pl": "Wiara i kultura", "ur": "عقیدہ اور ثقافت"}),
    ("families", {"en": "Children and families", "pl": "Dzieci i rodziny", "ur": "بچے اور خاندان"}),
    ("volunteering", {"en": "Volunteering", "pl": "Wolontariat", "ur": "رضاکاری"}),
    ("environment", {"en": "Environment and gardening", "pl": "Środowisko i ogrodnictwo", "ur": "ماحول اور باغبانی"}),
    ("digital", {"en": "Digital skills", "pl": "Umiejętności cyfrowe", "ur": "ڈیجیٹل مہارتیں"}),
    ("meeting", {"en": "Public meeting", "pl": "Spotkanie publiczne", "ur": "عوامی اجلاس"}),
)


def mask_of(codes: list[str] | tuple[str, ...] | set[str], vocabulary: tuple[Choice, ...]) -> int:
    """The bit set for these codes (unknown codes are ignored)."""
    wanted = set(codes)
    mask = 0
    for choice in vocabulary:
        if choice.code in wanted:
            mask |= choice.mask
    return mask


def codes_of(mask: int, vocabulary: tuple[Choice, ...]) -> list[str]:
    """The codes set in a bit set, in vocabulary order (worked out once per vocabulary and bit set: every
    result card asks for three)."""
    key = (id(vocabulary), mask)
    codes = _CODES_OF.get(key)
    if codes is None:
        codes = _CODES_OF[key] = tuple(choice.code for choice in vocabulary if mask & choice.mask)
    return list(codes)


# By the vocabulary's identity (each is a module constant) and a bit set: at most 2^bits entries each.
_CODES_OF: dict[tuple[int, int], tuple[str, ...]] = {}


def choices_of(mask: int, vocabulary: tuple[Choice, ...]) -> list[Choice]:
    """The entries set in a bit set, in vocabulary order."""
    return [choice for choice in vocabulary if mask & choice.mask]


def label_of(code: str, vocabulary: tuple[Choice, ...]) -> str:
    """The untranslated label of a code (the code itself when unknown)."""
    for choice in vocabulary:
        if choice.code == code:
            return choice.label
    return code


# ---- Input and output shapes ----------------------------------------------------------------

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=150)]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
ShortText = Annotated[str, msgspec.Meta(max_length=150)]
Address = Annotated[str, msgspec.Meta(max_length=300)]
Url = Annotated[str, msgspec.Meta(max_length=500)]
Postcode = Annotated[str, msgspec.Meta(max_length=10)]
PositiveId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class TranslationIn(msgspec.Struct):
    """A title and description in another site language."""

    locale: Literal["en", "pl", "ur"]
    title: Annotated[str, msgspec.Meta(max_length=150)] = ""
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class EventIn(msgspec.Struct):
    """An event as a partner posts or edits it (the JSON API body; the HTML form maps to it)."""

    organisation_id: PositiveId
    title: Title
    description: Description
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    starts_at: datetime
    ends_at: datetime
    is_online: bool = False
    online_url: Url = ""
    venue_name: ShortText = ""
    address: Address = ""
    postcode: Postcode = ""
    recurrence: Literal["none", "weekly", "fortnightly", "monthly"] = "none"
    recurrence_until: datetime | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    per_booking_limit: Annotated[int, msgspec.Meta(ge=1, le=50)] = 4
    cost_pence: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0
    cost_note: Annotated[str, msgspec.Meta(max_length=200)] = ""
    languages: list[str] = msgspec.field(default_factory=list)
    suits: list[str] = msgspec.field(default_factory=list)
    accessibility: list[str] = msgspec.field(default_factory=list)
    translations: list[TranslationIn] = msgspec.field(default_factory=list)
    original_locale: Literal["en", "pl", "ur"] = "en"


class OccurrenceOut(msgspec.Struct):
    """One date of an event, as the partner API returns it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    capacity: int | None
    places_left: int | None
    changed_alone: bool
    sequence: int


class PartnerEventOut(msgspec.Struct):
    """An event as its partner sees it through the API."""

    id: int
    organisation_id: int
    status: str
    title: str
    description: str
    category: str
    is_online: bool
    online_url: str
    venue_name: str
    address: str
    postcode: str
    capacity: int | None
    per_booking_limit: int
    cost_pence: int
    cost_note: str
    languages: list[str]
    suits: list[str]
    accessibility: list[str]
    recurrence: str
    recurrence_until: datetime | None
    sequence: int
    has_pending_changes: bool
    decision_reason: str
    occurrences: list[OccurrenceOut]


class CancelIn(msgspec.Struct):
    """Why a date, or the whole event, is cancelled (told to everyone booked; up to 1000 characters, as on the
    pages)."""

    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class OccurrenceChangeIn(msgspec.Struct):
    """The new start and end of one date (the rest of the series is unchanged). Give each with its offset
    (`2026-12-02T14:00:00+00:00`, or `+01:00` in summer time); a time without one is read as UTC."""

    starts_at: datetime
    ends_at: datetime


class AttendeesMessageIn(msgspec.Struct):
    """A message to everyone booked on one date: a subject (up to 150 characters) and a message (up to 5000).

    Both are required (the schema says so) and trimmed; one that is blank or too long comes back as a field
    error, as on the page.
    """

    subject: str
    message: str


class AttendeeOut(msgspec.Struct):
    """One confirmed booking on a date, as the partner's attendee list shows it."""

    booking_id: int
    name: str
    email: str
    places: int
    access_needs: str
    booked_at: datetime


class MessagedOut(msgspec.Struct):
    """How many people booked on the date were sent the message (one email each, through the outbox)."""

    messaged: int


class ApiFieldError(msgspec.Struct):
    """One field's problem (the app error handler's shape)."""

    key: str | None
    source: str | None
    message: str


class ApiErrorOut(msgspec.Struct):
    """An error answer, the same shape as the app's error handler; `errors` names each field's problem."""

    status_code: int
    detail: str
    errors: list[ApiFieldError] = msgspec.field(default_factory=list)
