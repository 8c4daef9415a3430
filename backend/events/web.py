"""Small helpers the events pages share: the signed-in partner or officer, the time zone, form problems, pages."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.params import PathParameter
from litestar.response import Template

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import Form, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import request_locale, translate
from backend.core.roles import Role
from backend.events.event_form import LIST_FIELDS, TEXT_FIELDS, parse_event_form
from backend.events.schemas import ACCESSIBILITY, LANGUAGES, RECURRENCES, SUITS, EventIn
from backend.events.services import EventsService
from backend.events.views import Problems

NO_STORE = {"Cache-Control": "no-store"}


PARTNER = requires_roles(Role.PARTNER)


STAFF = requires_roles(Role.OFFICER, Role.ADMIN)


def zone_of(request: Request[Any, Any, Any]) -> ZoneInfo:
    """The site's time zone (forms are read and shown in local time)."""
    return ZoneInfo(request.app.state["settings"].time_zone)


def signed_in_user(request: Request[Any, Any, Any]) -> CurrentUser:
    """The signed-in partner or officer (the guards let no one else in)."""
    user = current_user(request)
    assert user is not None  # the guards let only signed-in people through
    return user


def add_problems(request: Request[Any, Any, Any], form: Form, problems: Problems) -> None:
    """Show a service's problems as translated field errors."""
    for name, (message, params) in problems.items():
        form.add_error(request, name, message, **params)


def render_page(name: str, status_code: int = 200, **context: Any) -> Template:
    """An events page, never cached (it is personal or carries a form)."""
    context.setdefault("form", Form())
    return Template(f"events/{name}.html", context=context, status_code=status_code, headers=NO_STORE)


Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


async def read_event_form(request: Request[Any, Any, Any]) -> tuple[Form, EventIn]:
    """Read the posted event form; what cannot be understood is a field error, the rest an EventIn to check."""
    form = await read_form(request, *TEXT_FIELDS, list_names=LIST_FIELDS)
    data, problems = parse_event_form(form.values, form.lists, zone_of(request), request.app.state["clock"].now())
    add_problems(request, form, problems)
    return form, data


def merge_problems(request: Request[Any, Any, Any], form: Form, problems: Problems) -> None:
    """Add the service's problems, unless a field could not even be read (then its own error stands)."""
    unreadable = set(form.errors)
    if unreadable & {"starts_at", "ends_at"}:
        problems = {k: v for k, v in problems.items() if k not in {"starts_at", "ends_at", "recurrence_until"}}
    add_problems(request, form, {k: v for k, v in problems.items() if k not in unreadable})


async def form_context(request: Request[Any, Any, Any], events: EventsService) -> dict[str, Any]:
    """Choices for the event form, translated for this request."""
    user = signed_in_user(request)
    locale = request_locale(request)
    return {
        "organisations": [o for o in await events.reader.partner_organisations(user) if o.verified],
        "categories": [(c.slug, c.name(locale)) for c in await events.categories.all()],
        "recurrences": [(code, translate(request, label)) for code, label in RECURRENCES],
        "language_options": [(c.code, translate(request, c.label)) for c in LANGUAGES],
        "suits_options": [(c.code, translate(request, c.label)) for c in SUITS],
        "accessibility_options": [(c.code, translate(request, c.label)) for c in ACCESSIBILITY],
    }
