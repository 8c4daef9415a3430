"""Helpers the engagement controllers share: pages that are never cached, redirects, nonces, field errors."""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Request
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from backend.core.forms import Form
from backend.engagement.services import FieldErrors

NO_STORE = {"Cache-Control": "no-store"}
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")


def page(name: str, status_code: int = 200, **context: Any) -> Template:
    """An engagement page that is never cached (it carries a form and a nonce, or is for staff)."""
    context.setdefault("form", Form())
    return Template(f"engagement/{name}.html", context=context, status_code=status_code, headers=NO_STORE)


def see_other(path: str) -> Redirect:
    """Post/redirect/get."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def nonce(form: Form) -> str:
    """The form's nonce (kept across re-renders, so a double submit stores one answer), or a new one."""
    value = form.values.get("nonce", "")
    return value if NONCE.match(value) else secrets.token_urlsafe(24)


def add_errors(request: Request[Any, Any, Any], form: Form, errors: FieldErrors) -> None:
    """Put a service's field errors (message ids) on the form, translated."""
    for name, (message, params) in errors.items():
        form.add_error(request, name, message, **params)
