"""The roles a person can hold. One person may hold several."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who may do what. Residents need no account to browse, book or report."""

    RESIDENT = "resident"
    PARTNER = "partner"
    FACILITATOR = "facilitator"
    OFFICER = "officer"
    MEMBER = "member"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.PARTNER, Role.FACILITATOR, Role.OFFICER, Role.MEMBER, Role.ADMIN})
# These roles see personal or special-category data, so they must use two-factor authentication.
TWO_FACTOR_ROLES = frozenset({Role.OFFICER, Role.MEMBER, Role.ADMIN})
