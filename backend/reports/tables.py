"""Tension reports and what officers do with them.

Contact details live in their own table (`ReportContact`), apart from the report, so that retention can
delete them and access rules can keep them from anyone who reads the report. No IP address, device
identifier or account is stored with a report. Areas are GSS codes (no cross-domain foreign keys).

Composite indexes (which Piccolo's columns cannot declare) are made by the `query_indexes` migration: the
insight counts' (week, division, category, district), the queue's (status, category) and its order (tension
level descending, then age).
"""

from __future__ import annotations

from piccolo.columns import Boolean, Date, Integer, Serial, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Report(Table, tablename="tension_report"):
    """One report of community tension, made without an account and followed through a private link."""

    id: Serial
    reference = Varchar(length=12, unique=True)  # short, shown on the receipt: "TR-7K3M9Q"
    token_hash = Varchar(length=64, unique=True)  # SHA-256 of the private link's token
    request_key = Varchar(length=64, null=True, default=None, unique=True)  # hashed idempotency key
    category = Varchar(length=30, index=True)
    hate_kind = Varchar(length=30, default="")  # for hate incidents: race, religion, disability, …
    district_code = Varchar(length=12, default="", index=True)
    division_code = Varchar(length=12, default="", index=True)
    outcode = Varchar(length=5, default="")  # the outward code only: a full postcode can point at a home
    place_description = Text(default="")
    occurred_period = Varchar(length=20, default="")  # today, this_week, this_month, earlier, ongoing
    description = Text(default="")
    impact = Text(default="")
    source = Varchar(length=12, default="")  # experienced, saw, heard (as the resident said)
    grading = Varchar(length=12, default="")  # experienced, evidenced, potential (source grading)
    police_opt_in = Boolean(default=False)
    status = Varchar(length=12, default="new", index=True)  # new, triaged, in_progress, referred, closed
    outcome = Varchar(length=20, default="")  # when closed
    tension_level = SmallInt(null=True, default=None)
    assignee_id = Integer(null=True, default=None, index=True)
    due_at = Timestamptz(null=True, default=None)
    thread_id = Integer(null=True, default=None, index=True)
    locale = Varchar(length=8, default="en")
    week_start = Date(index=True)  # Monday of the week it was made (Europe/London), for insight
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    # Officers' redacted copies (shared and quoted); the original stays in description/impact, for admins.
    redacted_description = Text(null=True, default=None)
    redacted_impact = Text(null=True, default=None)
    redaction_reason = Text(default="")
    redacted_by = Integer(null=True, default=None)
    text_removed_at = Timestamptz(null=True, default=None)  # retention: free text removed


class ReportContact(Table, tablename="tension_report_contact"):
    """How to reach a reporter who asked for a reply; deleted by retention after closure."""

    id: Serial
    report_id = Integer(unique=True)
    email = Varchar(length=320, default="")
    phone = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ReportMessage(Table, tablename="tension_report_message"):
    """What passed between the reporter and officers: information added, replies, notes on the thread."""

    id: Serial
    report_id = Integer(index=True)
    author = Varchar(length=10)  # reporter, officer
    template = Varchar(length=40, default="")  # the reply template an officer chose
    body = Text(default="")
    author_id = Integer(null=True, default=None)
    # The reporter's form nonce or Idempotency-Key (hashed, scoped to the report): added once, however often sent.
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RumourThread(Table, tablename="tension_rumour_thread"):
    """Reports about the same claim, linked; with the counter-message published."""

    id: Serial
    title = Varchar(length=200)
    claim = Text(default="")
    counter_message = Text(default="")
    counter_published_at = Timestamptz(null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Referral(Table, tablename="tension_referral"):
    """A report passed outside the council: to whom, what, when, by whom, on what basis."""

    id: Serial
    report_id = Integer(index=True)
    recipient = Varchar(length=20)  # police, district, school, housing, partner
    recipient_name = Varchar(length=200, default="")
    shared = Text(default="")
    basis = Varchar(length=30, default="")  # consent, public_task, vital_interests, crime_prevention
    unredacted = Boolean(default=False)  # the original text goes out: needs a second officer's approval
    status = Varchar(length=20, default="made")  # made, awaiting_approval
    referred_by = Integer(null=True, default=None)
    approved_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    made_at = Timestamptz(null=True, default=None)


class MemberDivision(Table, tablename="tension_member_division"):
    """The division a member (councillor) represents, for their insight."""

    id: Serial
    user_id = Integer(unique=True)
    division_code = Varchar(length=12)
