"""Names used by the authorisation tables in tests/access/ (one module per domain)."""

from __future__ import annotations

PUBLIC = "public"  # anyone, signed out included
SIGNED_IN = "signed_in"  # any signed-in person
RESIDENT, PARTNER, FACILITATOR, OFFICER, MEMBER, ADMIN = (
    "resident",
    "partner",
    "facilitator",
    "officer",
    "member",
    "admin",
)
