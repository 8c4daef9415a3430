"""Bookings of places on event occurrences, the waitlist, and attendees' feedback.

Occurrences and events live in the events domain: they are referred to by id (no cross-domain foreign
keys). Places are counted by the events domain's CapacityService, in the transaction that writes here.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Serial, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Booking(Table, tablename="booking"):
    """Places booked by one person (by email) on one occurrence; managed through a private link."""

    id: Serial
    occurrence_id = Integer(index=True)
    event_id = Integer(index=True)
    name = Varchar(length=120)
    email = Varchar(length=320, index=True)  # stored lower-cased
    places = Integer(default=1)
    access_needs = Text(default="")
    status = Varchar(length=12, default="confirmed")  # confirmed, cancelled
    token_hash = Varchar(length=64, unique=True)  # SHA-256 of the manage link's token
    # The submission's idempotency key (hashed): a double submit or a retry finds this booking again.
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    user_id = Integer(null=True, default=None, index=True)
    # "<occurrence id>:<email>" while confirmed, NULL once cancelled: one active booking per email per occurrence.
    active_key = Varchar(length=340, null=True, default=None, unique=True)
    locale = Varchar(length=8, default="en")
    created_at = Timestamptz(default=TimestamptzNow())
    cancelled_at = Timestamptz(null=True, default=None)


class WaitlistEntry(Table, tablename="waitlist_entry"):
    """Someone waiting for places on a full occurrence; offered freed places in order of joining."""

    id: Serial
    occurrence_id = Integer(index=True)
    event_id = Integer(default=0)
    name = Varchar(length=120)
    email = Varchar(length=320)
    places = Integer(default=1)
    access_needs = Text(default="")
    status = Varchar(length=12, default="waiting")  # waiting, offered, accepted, expired, cancelled, left
    offer_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    # SHA-256 of the token of the private link to one's place in the queue (to see it, or leave); NULL on
    # entries made before there was such a link.
    place_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    active_key = Varchar(
        length=340, null=True, default=None, unique=True
    )  # "<occurrence>:<email>" while waiting/offered
    user_id = Integer(null=True, default=None)
    locale = Varchar(length=8, default="en")
    offered_at = Timestamptz(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Feedback(Table, tablename="attendee_feedback"):
    """An attendee's rating (1–5) and comment after an occurrence; officers may hide an abusive comment."""

    id: Serial
    booking_id = Integer(unique=True)  # one feedback per booking
    event_id = Integer(index=True)
    occurrence_id = Integer(default=0)
    rating = SmallInt()
    comment = Text(default="")
    hidden = Boolean(default=False)
    hidden_reason = Text(default="")
    hidden_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
