"""People, their roles, organisations, and the short-lived tokens that sign them in."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    """A VCSE partner organisation (the events issue adds its application and verification flow)."""

    id: Serial
    name = Varchar(length=200)
    kind = Varchar(length=60, default="")
    charity_number = Varchar(length=20, default="")
    company_number = Varchar(length=20, default="")
    contact_email = Varchar(length=320, default="")
    area_served = Varchar(length=200, default="")
    status = Varchar(length=20, default="pending", index=True)  # unconfirmed, pending, verified, rejected
    trusted = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    contact_name = Varchar(length=120, default="")
    decision_reason = Text(default="")  # why an officer rejected it, shown to the applicant
    decided_at = Timestamptz(null=True, default=None)


class User(Table, tablename="app_user"):
    """A person with an account. Residents have no password; staff do, and some must use two-factor."""

    id: Serial
    email = Varchar(length=320, unique=True)  # stored lower-cased
    display_name = Varchar(length=120, default="")
    password_hash = Varchar(length=200, null=True, default=None)
    locale = Varchar(length=8, default="en")
    is_active = Boolean(default=True)
    # Bumped to end every session of this person at once (sign out everywhere, disabling, role change).
    auth_version = Integer(default=1)
    totp_secret = Varchar(length=300, null=True, default=None)  # encrypted with a key derived from SECRET_KEY
    totp_enabled_at = Timestamptz(null=True, default=None)
    totp_last_step = Integer(default=0)  # refuse a code whose time step was already used
    created_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)
    disabled_reason = Text(default="")


class RoleGrant(Table, tablename="role_grant"):
    """One role held by one person."""

    id: Serial
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=20)
    grant_key = Varchar(length=40, unique=True)  # "<user id>:<role>", so a role is held at most once
    granted_at = Timestamptz(default=TimestamptzNow())
    granted_by = Integer(null=True, default=None)


class Membership(Table, tablename="membership"):
    """A partner's membership of an organisation; the owner may invite others."""

    id: Serial
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(Organisation, on_delete=OnDelete.cascade, index=True)
    is_owner = Boolean(default=False)
    membership_key = Varchar(length=40, unique=True)  # "<user id>:<organisation id>"
    created_at = Timestamptz(default=TimestamptzNow())


class RecoveryCode(Table, tablename="recovery_code"):
    """A single-use two-factor recovery code, stored only as a hash."""

    id: Serial
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=64)
    used_at = Timestamptz(null=True, default=None)


class EmailToken(Table, tablename="email_token"):
    """A one-time link sent by email: sign-in, password reset, invitation. Stored only as a hash."""

    id: Serial
    purpose = Varchar(length=20, index=True)  # sign_in, reset, invite
    token_hash = Varchar(length=64, unique=True)
    email = Varchar(length=320, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True, default=None)
    payload = JSON(default="{}")  # an invitation's roles and organisation
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
