"""Notifications: the developer mail pages (open where DEV_TOOLS is on, as in tests; a 404 otherwise), the
admins' list of emails that failed for good, and web push (no account needed: a device subscribes, and its
settings page is reached with its own cookie; the service worker reads the public key to subscribe again when the
browser replaces a subscription)."""

from __future__ import annotations

from tests.access.roles import ADMIN, PUBLIC

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/dev/mail"): frozenset({PUBLIC}),
    ("GET", "/dev/mail/{job_id:int}"): frozenset({PUBLIC}),
    ("GET", "/admin/outbox/dead"): frozenset({ADMIN}),
    ("POST", "/admin/outbox/{job_id:int}/retry"): frozenset({ADMIN}),
    ("GET", "/notifications"): frozenset({PUBLIC}),
    ("GET", "/notifications/settings"): frozenset({PUBLIC}),
    ("POST", "/notifications/settings"): frozenset({PUBLIC}),
    ("POST", "/notifications/settings/stop"): frozenset({PUBLIC}),
    ("POST", "/api/v1/push/subscriptions"): frozenset({PUBLIC}),
    ("GET", "/api/v1/push/key"): frozenset({PUBLIC}),
}
