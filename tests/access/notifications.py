"""Who may reach the notifications domain's routes (see tests/access/roles.py for the names).

Web push needs no account: a device subscribes, and its settings page is reached with its own cookie."""

from __future__ import annotations

from tests.access.roles import PUBLIC

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/notifications"): frozenset({PUBLIC}),
    ("GET", "/notifications/settings"): frozenset({PUBLIC}),
    ("POST", "/notifications/settings"): frozenset({PUBLIC}),
    ("POST", "/notifications/settings/stop"): frozenset({PUBLIC}),
    ("POST", "/api/v1/push/subscriptions"): frozenset({PUBLIC}),
}
