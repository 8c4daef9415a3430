"""The names the access tables use: PUBLIC (anyone, signed out included), SIGNED_IN (anyone signed in), and the
role names of `backend.core.roles.Role`."""

from __future__ import annotations

PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
PARTNER = "partner"
FACILITATOR = "facilitator"
OFFICER = "officer"
MEMBER = "member"
ADMIN = "admin"
