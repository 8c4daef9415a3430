"""Path parameters and helpers the bookings pages and API share (nonces, idempotency keys, details)."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Annotated, Any

from litestar import Request
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
)

from backend.bookings.schemas import (
    BookingRequest,
    check_booking_details,
)
from backend.core.auth import CurrentUser
from backend.core.forms import Form
from backend.core.i18n import request_locale
from backend.events.capacity import OccurrenceForBooking

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]


NO_STORE = {"Cache-Control": "no-store"}
# The empty booking form of a visitor who is not signed in holds nothing personal: the phone may keep it
# (the service worker does) so that it opens offline, but asks again each time it is online.
SEEN_FORM = {"Cache-Control": "private, no-cache"}


NONCE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")


def render_page(
    name: str, status_code: int = 200, *, headers: dict[str, str] | None = None, **context: Any
) -> Template:
    """A page that is not cached unless `headers` say so (it is personal, or carries what was typed)."""
    context.setdefault("form", Form())
    return Template(f"bookings/{name}.html", context=context, status_code=status_code, headers=headers or NO_STORE)


def see_other(path: str) -> Redirect:
    """A redirect after a POST, to a page to GET (303)."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def nonce_of(form: Form) -> str:
    """The form's nonce (kept across re-renders, so a double submit is one booking), or a new one."""
    value = form.values.get("nonce", "")
    return value if NONCE.match(value) else secrets.token_urlsafe(24)


def read_booking_details(
    request: Request[Any, Any, Any], form: Form, occurrence: OccurrenceForBooking, user: CurrentUser | None
) -> BookingRequest | None:
    """Check the booking form with `check_booking_details`; field errors keep what was typed. None on errors."""
    if user is not None:  # signed in: name and email are optional, the account's are used
        form.values["name"] = form.values.get("name") or user.display_name or user.email.partition("@")[0]
        form.values["email"] = form.values.get("email") or user.email
    details, problems = check_booking_details(
        form.values.get("name", ""),
        form.values.get("email", ""),
        form.values.get("places", ""),
        form.values.get("access_needs", ""),
        limit=max(1, occurrence.per_booking_limit),
    )
    for field, (message, params) in problems.items():
        form.add_error(request, field, message, **params)
    if details is None:
        return None
    return BookingRequest(
        name=details.name,
        email=details.email,
        places=details.places,
        access_needs=details.access_needs,
        locale=request_locale(request),
        user_id=user.id if user else None,
        request_key=nonce_of(form),
    )


def replace_places(occurrence: OccurrenceForBooking, places_left: int) -> OccurrenceForBooking:
    """The same occurrence with another count of places left (what the page shows after a refusal)."""
    return replace(occurrence, places_left=places_left)
