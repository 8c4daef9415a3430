"""The names the access tables use."""

from __future__ import annotations

PUBLIC = frozenset({"anonymous", "resident", "partner", "facilitator", "officer", "member", "admin"})
SIGNED_IN = frozenset({"resident", "partner", "facilitator", "officer", "member", "admin"})
OFFICERS = frozenset({"officer", "admin"})
FACILITATORS = frozenset({"facilitator", "officer", "admin"})
