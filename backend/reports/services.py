"""Shared rules of the reports domain: tokens, references, weeks, and checking what a resident typed.

The domain's services are split by intent: `reporting` (residents' reports and their private links),
`desk` (officers' queue and actions), `casework` (redaction, rumour threads, referrals), `insight`
(aggregates, early warning, members' view), `retention` (the daily purge). Each is the only code that
queries the domain's tables for its intent; other domains call these, never the tables.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.areas.schemas import LookupStatus
from backend.areas.services import AreasService
from backend.core.forms import EMAIL_PATTERN
from backend.core.i18n import N_
from backend.reports.schemas import (
    CATEGORY_LABELS,
    HATE_KINDS,
    MAX_DESCRIPTION,
    MAX_EMAIL,
    MAX_IMPACT,
    MAX_PHONE,
    MAX_PLACE,
    MAX_POSTCODE,
    PERIODS,
    SOURCES,
    Category,
    Submission,
)

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{7,30}$")
TOO_LONG = N_("Must be %(count)s characters or fewer")


def digest(value: str) -> str:
    """How tokens and idempotency keys are stored: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def derived_token(secret: str, key: str) -> str:
    """The private link's token, derived from the submission's idempotency key (a replay shows the same link).

    The form shows the link before it is sent, so a report kept on the phone offline already has its link.
    """
    mac = hmac.new(secret.encode(), f"tension-report:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def new_key() -> str:
    """A fresh idempotency key for a form."""
    return secrets.token_urlsafe(24)


def new_reference() -> str:
    """A short reference to quote on the phone: TR- and six characters (31^6 possibilities)."""
    return "TR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def week_start(moment: datetime, zone: str) -> date:
    """The Monday of the week `moment` falls in, in the council's time zone."""
    local = moment.astimezone(ZoneInfo(zone)).date()
    return local - timedelta(days=local.weekday())


async def check_submission(  # noqa: PLR0912, PLR0915 - one check per field, in the form's order
    raw: dict[str, str], areas: AreasService, locale: str
) -> tuple[Submission | None, dict[str, tuple[str, dict[str, object]]]]:
    """Validate a report (from the form or the API). Errors: field -> (message id, parameters)."""
    errors: dict[str, tuple[str, dict[str, object]]] = {}

    def error(name: str, message: str, **params: object) -> None:
        errors.setdefault(name, (message, params))

    category = raw.get("category", "")
    if category not in CATEGORY_LABELS:
        error("category", N_("Choose what you want to report"))
    hate_kind = raw.get("hate_kind", "") if category == Category.HATE_INCIDENT else ""
    if hate_kind and hate_kind not in HATE_KINDS:
        error("hate_kind", N_("Choose what the incident was about"))
    postcode = raw.get("postcode", "")
    division_code = raw.get("division", "")
    district_code = raw.get("district", "")
    outcode = ""
    if len(postcode) > MAX_POSTCODE:
        error("postcode", N_("Enter a postcode, like OX4 1AA, or just its first part, like OX4"))
    elif postcode:
        found = await areas.lookup(postcode)
        if found.status is LookupStatus.INVALID:
            error("postcode", N_("Enter a postcode, like OX4 1AA, or just its first part, like OX4"))
        elif found.location is None:
            error(
                "postcode", N_("We could not find that postcode in Oxfordshire. Choose the area from the list instead")
            )
        else:
            outcode = found.location.outcode
            district_code = found.location.district.code
            division_code = found.location.division.code if found.location.division else division_code
    if not postcode:  # a district or division picked from the list (a postcode's come from the lookup itself)
        if division_code:
            division = await areas.division(division_code)
            if division is None:
                error("area", N_("Choose an area from the list"))
            else:
                district_code = division.district.code
        elif district_code and not any(item.code == district_code for item in await areas.list_districts()):
            error("area", N_("Choose an area from the list"))
    if not (postcode or division_code or district_code) and "postcode" not in errors:
        error("postcode", N_("Enter a postcode or choose the area where it happened"))
    place = raw.get("place_description", "")
    if len(place) > MAX_PLACE:
        error("place_description", TOO_LONG, count=MAX_PLACE)
    period = raw.get("occurred_period", "")
    if period and period not in PERIODS:
        error("occurred_period", N_("Choose when it happened"))
    description = raw.get("description", "")
    if not description:
        error("description", N_("Tell us what happened"))
    elif len(description) > MAX_DESCRIPTION:
        error("description", TOO_LONG, count=MAX_DESCRIPTION)
    impact = raw.get("impact", "")
    if len(impact) > MAX_IMPACT:
        error("impact", TOO_LONG, count=MAX_IMPACT)
    source = raw.get("source", "")
    if source not in SOURCES:
        error("source", N_("Choose how you know about it"))
    email = raw.get("email", "").lower()
    if email and (len(email) > MAX_EMAIL or not EMAIL_PATTERN.match(email)):
        error("email", N_("Enter an email address in the correct format, like name@example.com"))
    phone = raw.get("phone", "")
    if phone and (len(phone) > MAX_PHONE or not PHONE_PATTERN.match(phone)):
        error("phone", N_("Enter a phone number, like 01865 792422"))
    if errors:
        return None, errors
    return (
        Submission(
            category=category,
            hate_kind=hate_kind,
            district_code=district_code,
            division_code=division_code,
            outcode=outcode,
            place_description=place,
            occurred_period=period,
            description=description,
            impact=impact,
            source=source,
            police_opt_in=raw.get("police_opt_in", "") in {"yes", "true", "1"},
            email=email,
            phone=phone,
            locale=locale,
        ),
        {},
    )
