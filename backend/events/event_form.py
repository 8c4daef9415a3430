"""The event form as text: its fields shown from an `EventIn`, and read back into one (no web objects here).

The pages read the posted form (`web.read_event_form`) and pass its text to `parse_event_form`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from backend.core.forms import Form
from backend.core.i18n import N_
from backend.events.schedule import local_date_input, local_input, parse_local, parse_local_date
from backend.events.schemas import (
    RECURRENCES,
    EventIn,
    TranslationIn,
)
from backend.events.views import Problems

TEXT_FIELDS = (
    "organisation_id",
    "title",
    "description",
    "original_locale",
    "title_pl",
    "description_pl",
    "title_ur",
    "description_ur",
    "category",
    "attendance",
    "online_url",
    "venue_name",
    "address",
    "postcode",
    "starts_at",
    "ends_at",
    "recurrence",
    "recurrence_until",
    "capacity",
    "per_booking_limit",
    "cost",
    "cost_note",
)


LIST_FIELDS = ("languages", "suits", "accessibility")


FORM_TRANSLATIONS = ("pl", "ur")


def form_of(data: EventIn, zone: ZoneInfo) -> Form:
    """A form filled from an event (the edit page)."""
    translations = {t.locale: t for t in data.translations}
    values = {
        "organisation_id": str(data.organisation_id),
        "title": data.title,
        "description": data.description,
        "original_locale": data.original_locale,
        "category": data.category,
        "attendance": "online" if data.is_online else "in_person",
        "online_url": data.online_url,
        "venue_name": data.venue_name,
        "address": data.address,
        "postcode": data.postcode,
        "starts_at": local_input(data.starts_at, zone),
        "ends_at": local_input(data.ends_at, zone),
        "recurrence": data.recurrence,
        "recurrence_until": local_date_input(data.recurrence_until, zone) if data.recurrence != "none" else "",
        "capacity": "" if data.capacity is None else str(data.capacity),
        "per_booking_limit": str(data.per_booking_limit),
        "cost": "" if not data.cost_pence else f"{data.cost_pence // 100}.{data.cost_pence % 100:02d}",
        "cost_note": data.cost_note,
    }
    for locale in FORM_TRANSLATIONS:
        item = translations.get(locale)  # type: ignore[call-overload]
        values[f"title_{locale}"] = item.title if item else ""
        values[f"description_{locale}"] = item.description if item else ""
    return Form(
        values=values,
        lists={"languages": list(data.languages), "suits": list(data.suits), "accessibility": list(data.accessibility)},
    )


def _whole_number(values: dict[str, str], problems: Problems, name: str, default: int | None) -> int | None:
    raw = values.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.setdefault(name, (N_("Enter a whole number, like 20"), {}))
        return default


def _pence(values: dict[str, str], problems: Problems) -> int:
    raw = values.get("cost", "").replace("£", "").replace(",", "").strip()
    if not raw:
        return 0
    wrong: tuple[str, dict[str, Any]] = (N_("Enter the cost in pounds, like 3.50, or leave it empty if it is free"), {})
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        problems.setdefault("cost", wrong)
        return 0
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        problems.setdefault("cost", wrong)
        return 0
    return int(amount * 100)


def _when(values: dict[str, str], problems: Problems, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    starts = parse_local(values["starts_at"], zone) if values["starts_at"] else None
    ends = parse_local(values["ends_at"], zone) if values["ends_at"] else None
    if not values["starts_at"]:
        problems.setdefault("starts_at", (N_("Enter the date and time the event starts"), {}))
    elif starts is None:
        problems.setdefault("starts_at", (N_("Enter a real date and time, like 2026-12-01 18:30"), {}))
    if not values["ends_at"]:
        problems.setdefault("ends_at", (N_("Enter the date and time the event ends"), {}))
    elif ends is None:
        problems.setdefault("ends_at", (N_("Enter a real date and time, like 2026-12-01 20:00"), {}))
    return starts, ends


def parse_event_form(
    values: dict[str, str], lists: dict[str, list[str]], zone: ZoneInfo, now: datetime
) -> tuple[EventIn, Problems]:
    """Read the event form's text (trimmed values of TEXT_FIELDS, lists of LIST_FIELDS) into an EventIn.

    What cannot be understood (a date that is not a date, a number that is not a number) is a problem for
    its field; the rest of the rules are the services' (`EventRules`), applied to the EventIn.
    """
    problems: Problems = {}
    for name in TEXT_FIELDS:
        maximum = 5000 if name.startswith("description") else 500
        if len(values.get(name, "")) > maximum:
            problems.setdefault(name, (N_("Must be %(count)s characters or fewer"), {"count": maximum}))
    values = {name: values.get(name, "") for name in TEXT_FIELDS}
    starts, ends = _when(values, problems, zone)
    until = None
    if values["recurrence_until"]:
        until = parse_local_date(values["recurrence_until"], zone)
        if until is None:
            problems.setdefault("recurrence_until", (N_("Enter a real date, like 2027-03-31"), {}))
    recurrence = values["recurrence"] or "none"
    if recurrence not in {code for code, _ in RECURRENCES}:
        problems.setdefault("recurrence", (N_("Choose how often the event happens"), {}))
        recurrence = "none"
    original = values["original_locale"] if values["original_locale"] in {"en", "pl", "ur"} else "en"
    organisation_id = _whole_number(values, problems, "organisation_id", 0) or 0
    data = EventIn(
        organisation_id=organisation_id,
        title=values["title"],
        description=values["description"],
        category=values["category"],
        starts_at=starts or now,
        ends_at=ends or (starts or now),
        is_online=values["attendance"] == "online",
        online_url=values["online_url"],
        venue_name=values["venue_name"],
        address=values["address"],
        postcode=values["postcode"],
        recurrence=recurrence,  # type: ignore[arg-type]
        recurrence_until=until,
        capacity=_whole_number(values, problems, "capacity", None),
        per_booking_limit=_whole_number(values, problems, "per_booking_limit", 4) or 0,
        cost_pence=_pence(values, problems),
        cost_note=values["cost_note"],
        languages=lists.get("languages", []),
        suits=lists.get("suits", []),
        accessibility=lists.get("accessibility", []),
        translations=[
            TranslationIn(locale=locale, title=values[f"title_{locale}"], description=values[f"description_{locale}"])  # type: ignore[arg-type]
            for locale in FORM_TRANSLATIONS
            if values[f"title_{locale}"] or values[f"description_{locale}"]
        ],
        original_locale=original,  # type: ignore[arg-type]
    )
    return data, problems
