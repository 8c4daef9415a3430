"""Shapes the accounts domain hands to controllers and templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SignInStep(StrEnum):
    """What happens after a correct email and password."""

    SIGNED_IN = "signed_in"
    NEEDS_CODE = "needs_code"  # enrolled in two-factor: ask for a code
    NEEDS_ENROLMENT = "needs_enrolment"  # their role requires two-factor, not yet set up
    REFUSED = "refused"  # wrong email or password (never says which)
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a password sign-in attempt."""

    step: SignInStep
    user_id: int | None = None
    auth_version: int = 0
    retry_after: int | None = None


@dataclass(frozen=True)
class TokenCheck:
    """A one-time link looked up: valid (with its email and user) or why not."""

    valid: bool
    problem: str = ""  # a message id: expired, already used, not found
    email: str = ""
    user_id: int | None = None
    payload: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class UserSummary:
    """A person as listed for admins and shown on their own account page."""

    id: int
    email: str
    display_name: str
    roles: list[str]
    is_active: bool
    two_factor: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    organisations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Enrolment:
    """A two-factor enrolment in progress: the secret (sealed in the session) and its QR code."""

    sealed_secret: str
    secret: str
    qr_data_uri: str


ORGANISATION_KINDS = ("charity", "community_group", "social_enterprise", "faith_group", "parish_council", "other")


@dataclass(frozen=True)
class OrganisationSummary:
    """A partner organisation as officers and its members see it."""

    id: int
    name: str
    kind: str
    charity_number: str
    company_number: str
    contact_name: str
    contact_email: str
    area_served: str
    status: str
    trusted: bool
    decision_reason: str
    created_at: datetime
    members: list[tuple[str, str, bool]] = field(default_factory=list)  # email, name, owner


@dataclass(frozen=True)
class OrganisationListing:
    """An organisation as a line in the officers' list: what the line shows, and no members."""

    id: int
    name: str
    area_served: str
    status: str
    trusted: bool
    created_at: datetime
