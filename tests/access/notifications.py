"""Notifications: the developer mail pages (open where DEV_TOOLS is on, as in tests; a 404 otherwise) and the
admins' list of emails that failed for good."""

from __future__ import annotations

from tests.access.roles import ADMIN, PUBLIC

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/dev/mail"): frozenset({PUBLIC}),
    ("GET", "/dev/mail/{job_id:int}"): frozenset({PUBLIC}),
    ("GET", "/admin/outbox/dead"): frozenset({ADMIN}),
    ("POST", "/admin/outbox/{job_id:int}/retry"): frozenset({ADMIN}),
}
