"""Helpers the accounts pages share: beginning a session (or its pending second step), emailed-link forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from backend.accounts.credentials import password_problem
from backend.accounts.services import AccountsService
from backend.accounts.sign_in import PendingSignIn
from backend.core.auth import SESSION_SEEN, SESSION_STARTED, SESSION_USER_ID, SESSION_VERSION
from backend.core.forms import Form, check_email, read_form
from backend.core.i18n import N_, request_locale
from backend.core.security import client_address
from backend.core.sessions import ROTATE_FLAG

NO_STORE = {"Cache-Control": "no-store"}


def render_page(name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Template:
    """A page that is never cached (it is personal or carries a form)."""
    context.setdefault("form", Form())
    return Template(
        f"accounts/{name}.html", context=context, status_code=status_code, headers={**NO_STORE, **(headers or {})}
    )


def now_seconds(request: Request[Any, Any, Any]) -> float:
    """The app clock's time, in seconds (what sessions record)."""
    return float(request.app.state["clock"].now().timestamp())


def begin_session(request: Request[Any, Any, Any], user_id: int, auth_version: int) -> None:
    """Start a signed-in session under a new id."""
    now = now_seconds(request)
    request.session.clear()
    request.session.update(
        {
            SESSION_USER_ID: user_id,
            SESSION_VERSION: auth_version,
            SESSION_STARTED: now,
            SESSION_SEEN: now,
            ROTATE_FLAG: True,
        }
    )


def begin_pending(request: Request[Any, Any, Any], pending: PendingSignIn) -> Redirect:
    """Password accepted; the second step is still to come (not signed in yet): remember it, go to it."""
    request.session.clear()
    request.session.update({**pending.as_session(), ROTATE_FLAG: True})
    return Redirect(path=pending.page)


def request_password(request: Request[Any, Any, Any], form: Form) -> str:
    """The password exactly as typed (not trimmed: spaces can be part of it)."""
    value = form.values.get("password", "")
    if not value:
        form.add_error(request, "password", N_("Enter your password"))
    return value


async def email_a_link(
    request: Request[Any, Any, Any],
    form_page: str,
    minutes: int,
    send: Callable[[str, str, str], Awaitable[None]],
    accounts: AccountsService,
) -> Response[Any]:
    """The shared shape of "email me a link": validate, throttle per client, send, answer the same way."""
    form = await read_form(request, "email")
    email = check_email(request, form)
    if not form.ok:
        return render_page(form_page, status_code=400, form=form)
    client = client_address(request)
    wait = await accounts.links.link_requests_exhausted(email, client)
    if wait is not None:
        minutes_left = max(1, wait // 60)
        form.add_error(
            request, "email", N_("Too many requests. Try again in %(minutes)s minutes"), minutes=minutes_left
        )
        return render_page(form_page, 429, {"Retry-After": str(wait)}, form=form)
    await send(email, request_locale(request), client)
    return render_page("check_email", email=email, minutes=minutes)


def check_new_password(request: Request[Any, Any, Any], form: Form, email: str, name: str) -> None:
    """A new password and its confirmation: the rules of `password_problem`, and the two must match."""
    password = form.values.get("password", "")
    if not password:
        form.add_error(request, "password", N_("Enter a new password"))
        return
    problem = password_problem(password, email=email, name=name)
    if problem:
        form.add_error(request, "password", problem)
    elif password != form.values.get("confirm", ""):
        form.add_error(request, "confirm", N_("The passwords do not match"))


Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]

UserId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]

OrganisationId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
