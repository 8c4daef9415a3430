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
# From most to least powerful: the role an audit entry names when a person holds several.
PRECEDENCE = (Role.ADMIN, Role.OFFICER, Role.MEMBER, Role.FACILITATOR, Role.PARTNER, Role.RESIDENT)


def primary_role(roles: frozenset[Role]) -> str:
    """The most powerful role held ("" for none)."""
    return next((role.value for role in PRECEDENCE if role in roles), "")
