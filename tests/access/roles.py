"""The names the access tables use for who may use a route.

A table's value is a set of these: `frozenset({PUBLIC})` (anyone, signed out included), `frozenset({SIGNED_IN})`
(anyone signed in, whatever their role), or role names such as `frozenset({OFFICER, ADMIN})`.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC = "public"
SIGNED_IN = "signed_in"

RESIDENT = "resident"
PARTNER = "partner"
FACILITATOR = "facilitator"
OFFICER = "officer"
MEMBER = "member"
ADMIN = "admin"
ROLES = frozenset({RESIDENT, PARTNER, FACILITATOR, OFFICER, MEMBER, ADMIN})

ANONYMOUS = "anonymous"  # a visitor who is not signed in: a viewer the matrix tries, not a role
VIEWERS = (ANONYMOUS, RESIDENT, PARTNER, FACILITATOR, OFFICER, MEMBER, ADMIN)


def viewers_allowed(allowed: str | Iterable[str]) -> frozenset[str]:
    """The concrete viewers a table entry admits (PUBLIC and SIGNED_IN expanded)."""
    names = {allowed} if isinstance(allowed, str) else set(allowed)
    unknown = names - ROLES - {PUBLIC, SIGNED_IN}
    assert not unknown, f"unknown names in an access table: {sorted(unknown)}"
    if PUBLIC in names:
        return frozenset(VIEWERS)
    if SIGNED_IN in names:
        return ROLES
    return frozenset(names)
