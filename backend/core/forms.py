"""Small helpers for server-rendered forms: read fields, collect translated errors, keep what was typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from litestar import Request

from backend.core.i18n import N_, translate

# Spaces and control characters are spelt out rather than written `\s`, which Python and JSON Schema (ECMA)
# read differently: the API schemas use this pattern as it is, so clients and the server apply one rule.
# Text with something in it besides spaces (as `str.strip()` sees them, and JSON Schema's `\s`), for API schemas.
NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
EMAIL_PATTERN = re.compile(
    r"^[^@\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff<>\"']{1,64}"
    r"@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$"
)


@dataclass
class Form:
    """What was submitted (kept for re-rendering) and the error for each field (already translated)."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no field has an error."""
        return not self.errors

    def add_error(self, request: Request[Any, Any, Any], name: str, message: str, **params: Any) -> None:
        """Record a translated error for a field (the first error per field wins)."""
        self.errors.setdefault(name, translate(request, message, **params))


async def read_form(request: Request[Any, Any, Any], *names: str, list_names: tuple[str, ...] = ()) -> Form:
    """Read named fields from a posted form, trimming text and dropping anything else."""
    data = await request.form()
    form = Form()
    for name in names:
        raw = data.get(name, "")
        form.values[name] = raw.strip() if isinstance(raw, str) else ""
    for name in list_names:
        form.lists[name] = [value for value in data.getall(name, []) if isinstance(value, str)]
    return form


def check_required(request: Request[Any, Any, Any], form: Form, name: str, message: str) -> str:
    """A required field: record `message` when it is empty."""
    value = form.values.get(name, "")
    if not value:
        form.add_error(request, name, message)
    return value


def check_length(
    request: Request[Any, Any, Any], form: Form, name: str, maximum: int, message: str | None = None
) -> str:
    """Refuse over-long text with a field error rather than a database error. `message` (marked with `N_`,
    with a `%(count)s` placeholder) names the field, as the error summary needs: "Your name must be 120
    characters or fewer"."""
    value = form.values.get(name, "")
    if len(value) > maximum:
        form.add_error(request, name, message or N_("Must be %(count)s characters or fewer"), count=maximum)
    return value


def check_email(request: Request[Any, Any, Any], form: Form, name: str = "email") -> str:
    """A required, well-formed email address (lower-cased)."""
    value = form.values.get(name, "").lower()
    if not value:
        form.add_error(request, name, N_("Enter your email address"))
    elif len(value) > 320 or not EMAIL_PATTERN.match(value):
        form.add_error(request, name, N_("Enter an email address in the correct format, like name@example.com"))
    return value
