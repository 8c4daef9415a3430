"""The states, job kinds and timings of bookings and waitlist places, and how their private links
and idempotency keys are made and stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
from datetime import datetime, timedelta

import asyncpg

from backend.accounts.organisations import organisation_standing

# Outbox job kinds handled by backend/bookings/jobs.py.
OFFER_EXPIRY = "bookings.offer_expiry"
FEEDBACK_INVITE = "bookings.feedback_invite"
OFFER_PLACES = "bookings.offer_places"

OFFER_LIFETIME = timedelta(hours=24)
OFFER_MINIMUM = timedelta(minutes=15)
OFFER_CUTOFF = timedelta(minutes=30)  # closer to the start than this, freed places simply go back on sale
FEEDBACK_DELAY = timedelta(hours=2)  # after the end of an occurrence

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
WAITING = "waiting"
OFFERED = "offered"
ACCEPTED = "accepted"
EXPIRED = "expired"
LEFT = "left"  # a waitlist entry its person took off the list
OPEN_ENTRY = (WAITING, OFFERED)  # a waitlist entry that still holds a place in the queue (or places)

UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


def digest(value: str) -> str:
    """How tokens and idempotency keys are stored: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> str:
    """A URL-safe secret for a private link."""
    return secrets.token_urlsafe(32)


def derived_token(secret: str, purpose: str, key: str) -> str:
    """A link token derived from a request's idempotency key (so a replay can show the same link)."""
    mac = hmac.new(secret.encode(), f"{purpose}:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def offer_window(starts_at: datetime, now: datetime) -> timedelta | None:
    """How long a waitlist offer stays open: 24 h, less when the event is soon; None when too close to start."""
    remaining = starts_at - now
    if remaining <= OFFER_CUTOFF:
        return None
    return min(OFFER_LIFETIME, max(remaining / 2, OFFER_MINIMUM))


def active_key(occurrence_id: int, email: str) -> str:
    """The value that makes one active booking (or waitlist place) per email per occurrence."""
    return f"{occurrence_id}:{email.lower()}"[:340]


def request_scope(occurrence_id: int, email: str, request_key: str) -> str:
    """A client's idempotency key scoped to the occurrence and the email it was sent with.

    What is stored (hashed) and what the manage token is derived from: two clients that choose the same key
    never find (or collide with) each other's booking.
    """
    return f"{occurrence_id}:{email.lower()}:{request_key}"


async def organisation_verified(organisation_id: int) -> bool:
    """True when the organisation running an event is verified (only then is the event public and bookable)."""
    standing = await organisation_standing(organisation_id)
    return standing is not None and standing[0] == "verified"
