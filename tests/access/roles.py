"""Names used by the access tables: PUBLIC (anyone, signed out included), SIGNED_IN, and each role."""

from __future__ import annotations

PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
PARTNER = "partner"
FACILITATOR = "facilitator"
OFFICER = "officer"
MEMBER = "member"
ADMIN = "admin"
