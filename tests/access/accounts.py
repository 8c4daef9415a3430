"""Accounts: signing in is for everyone; one's own account for anyone signed in; user management for admins only;
organisation decisions for officers and admins; an organisation's own page for its partners."""

from __future__ import annotations

from tests.access.roles import ADMIN, OFFICER, PARTNER, PUBLIC, SIGNED_IN

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Signing in, out, and the links emails carry: anyone (a token, not a session, is the key).
    ("GET", "/sign-in"): frozenset({PUBLIC}),
    ("POST", "/sign-in"): frozenset({PUBLIC}),
    ("GET", "/sign-in/two-factor"): frozenset({PUBLIC}),
    ("POST", "/sign-in/two-factor"): frozenset({PUBLIC}),
    ("GET", "/sign-in/set-up-two-factor"): frozenset({PUBLIC}),
    ("POST", "/sign-in/set-up-two-factor"): frozenset({PUBLIC}),
    ("GET", "/sign-in/email"): frozenset({PUBLIC}),
    ("POST", "/sign-in/email"): frozenset({PUBLIC}),
    ("GET", "/sign-in/link/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/sign-in/link/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/sign-out"): frozenset({PUBLIC}),
    ("GET", "/password/forgot"): frozenset({PUBLIC}),
    ("POST", "/password/forgot"): frozenset({PUBLIC}),
    ("GET", "/password/reset/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/password/reset/{token:str}"): frozenset({PUBLIC}),
    ("GET", "/invitation/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/invitation/{token:str}"): frozenset({PUBLIC}),
    # An organisation applying to become a partner has no account yet.
    ("GET", "/partners/apply"): frozenset({PUBLIC}),
    ("POST", "/partners/apply"): frozenset({PUBLIC}),
    ("GET", "/partners/confirm/{token:str}"): frozenset({PUBLIC}),
    ("POST", "/partners/confirm/{token:str}"): frozenset({PUBLIC}),
    # One's own account, whatever one's role.
    ("GET", "/account"): frozenset({SIGNED_IN}),
    ("GET", "/account/delete"): frozenset({SIGNED_IN}),
    ("POST", "/account/delete"): frozenset({SIGNED_IN}),
    ("POST", "/account/recovery-codes"): frozenset({SIGNED_IN}),
    ("POST", "/account/sign-out-everywhere"): frozenset({SIGNED_IN}),
    # User management and the audit log: admins only.
    ("GET", "/admin/users"): frozenset({ADMIN}),
    ("GET", "/admin/users/invite"): frozenset({ADMIN}),
    ("POST", "/admin/users/invite"): frozenset({ADMIN}),
    ("GET", "/admin/users/{user_id:int}"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id:int}/roles"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id:int}/status"): frozenset({ADMIN}),
    ("GET", "/admin/audit"): frozenset({ADMIN, OFFICER}),
    # A partner's own organisation.
    ("GET", "/partner/organisation"): frozenset({PARTNER}),
    ("POST", "/partner/organisation/{organisation_id:int}/members"): frozenset({PARTNER}),
    # Deciding on organisations' applications: officers and admins.
    ("GET", "/officer/organisations"): frozenset({OFFICER, ADMIN}),
    ("GET", "/officer/organisations/{organisation_id:int}"): frozenset({OFFICER, ADMIN}),
    ("POST", "/officer/organisations/{organisation_id:int}/decision"): frozenset({OFFICER, ADMIN}),
}
