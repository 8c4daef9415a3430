"""Listening Exchanges: the only place their persistence is defined.

Identity (email, first name) sits on `ExchangeRequest`; stances and survey answers are special-category data
(political opinions) kept in their own rows so withdrawal and the retention purge can delete them apart from
the pseudonymised evaluation. Staff are referred to by user id (no cross-domain foreign keys).
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Integer, Serial, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ExchangeTopic(Table, tablename="exchange_topic"):
    """A local issue: title, neutral summary and 3-5 stance statements per language (`content`)."""

    id: Serial
    slug = Varchar(length=80, unique=True)
    # {"en": {"title": ..., "summary": ..., "statements": [...]}, "pl": {...}, "ur": {...}}
    content = JSON(default={})
    statement_count = SmallInt(default=3)
    min_disagreement = SmallInt(default=4)  # sum of absolute differences (each statement 1-5)
    control_share = SmallInt(default=0)  # percent of eligible requests offered a later slot (wait-list control)
    published = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ExchangeLeader(Table, tablename="exchange_leader"):
    """A community leader with a published stance on a topic, met by residents who see it differently."""

    id: Serial
    topic_id = Integer(index=True)
    name = Varchar(length=120)
    role_title = Varchar(length=200, default="")
    stances = JSON(default=[])
    statement = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ExchangeSlot(Table, tablename="exchange_slot"):
    """A session: when, where (venue or online link), topic, facilitator, pairs capacity, languages, cut-off."""

    id: Serial
    topic_id = Integer(index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    cut_off_at = Timestamptz()
    online = Boolean(default=False)
    venue = Varchar(length=200, default="")
    postcode = Varchar(length=10, default="")
    area = Varchar(length=120, default="")
    features = JSON(default=[])  # accessibility features the venue has
    online_link = Varchar(length=500, default="")
    facilitator_id = Integer(null=True, default=None, index=True)
    facilitator_name = Varchar(length=80, default="")  # first name only, shown to residents
    pairs_capacity = SmallInt(default=4)
    pairs_taken = SmallInt(default=0)  # counted with a conditional update, never read-then-written
    languages = JSON(default=["en"])
    interpreter = Boolean(default=False)
    leader_id = Integer(null=True, default=None)
    status = Varchar(length=12, default="open")  # open, cancelled
    matched_at = Timestamptz(null=True, default=None)
    # Bumped by every change an officer saves: the .ics SEQUENCE (calendars update in place) and the guard
    # against two edits saved at once (each update requires the sequence it read).
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class ExchangeRequest(Table, tablename="exchange_request"):
    """A resident's request to take part in an exchange on a topic (reached by a private link)."""

    id: Serial
    reference = Varchar(length=16, unique=True)
    topic_id = Integer(index=True)
    token_hash = Varchar(length=64, unique=True)
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    participant_key = Varchar(length=64, index=True)  # HMAC of the email: the same person across requests
    email = Varchar(length=320, default="")  # identifying: cleared by the retention purge
    first_name = Varchar(length=80, default="")  # identifying: cleared by the retention purge
    user_id = Integer(null=True, default=None, index=True)
    locale = Varchar(length=8, default="en")
    languages = JSON(default=["en"])
    needs = JSON(default=[])
    status = Varchar(length=12, default="waiting")  # waiting, matched, control, withdrawn
    arm = Varchar(length=12, default="")  # "" (not yet randomised), "offered", "control"
    control_until = Timestamptz(null=True, default=None)
    told_unmatched = SmallInt(default=0)  # how many cut-offs passed without a match (told each time)
    consented_at = Timestamptz(null=True, default=None)
    last_slot_at = Timestamptz(null=True, default=None)
    identity_purged_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ExchangeStance(Table, tablename="exchange_stance"):
    """A request's stance answers (special-category data; deleted on withdrawal)."""

    id: Serial
    request_id = Integer(unique=True)
    answers = JSON(default=[])


class ExchangeAvailability(Table, tablename="exchange_availability"):
    """A slot a request could attend."""

    id: Serial
    request_id = Integer(index=True)
    slot_id = Integer(index=True)
    pair_key = Varchar(length=40, unique=True)  # "<request>:<slot>"


class ExchangeSurvey(Table, tablename="exchange_survey"):
    """One wave of the questionnaire (before, after, follow_up) for a request."""

    id: Serial
    request_id = Integer(index=True)
    wave = Varchar(length=12)
    wave_key = Varchar(length=40, unique=True)  # "<request>:<wave>"
    thermometer = SmallInt()  # 0-100 feeling towards people who hold the opposite view
    understanding = SmallInt()  # 1-7
    willingness = SmallInt()  # 1-7
    heard = SmallInt(null=True, default=None)  # after only, 1-7
    understand_better = SmallInt(null=True, default=None)  # after only, 1-7
    comment = Text(default="")
    comment_shared = Boolean(default=False)  # consented to share the comment with researchers
    # Consented, separately, to the council's officers reading the comment (without their name) to improve the
    # exchanges: only then does it reach the officers' feedback view.
    comment_to_council = Boolean(default=False)
    answered_at = Timestamptz(default=TimestamptzNow())


class ExchangePair(Table, tablename="exchange_pair"):
    """Two requests (or a request and a leader) matched in a slot, and what happened."""

    id: Serial
    slot_id = Integer(index=True)
    topic_id = Integer(index=True)
    request_a = Integer(index=True)
    request_b = Integer(null=True, default=None, index=True)
    leader_id = Integer(null=True, default=None)
    # "<topic>:<person>:<person>" of the two participant keys: never the same two people twice on a topic.
    pair_key = Varchar(length=200, unique=True)
    disagreement = SmallInt(default=0)
    status = Varchar(length=12, default="confirmed")  # confirmed, cancelled, held
    attendance_a = Varchar(length=16, default="")  # attended, no_show, late_cancel
    attendance_b = Varchar(length=16, default="")
    note = Text(default="")
    run_id = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    cancelled_at = Timestamptz(null=True, default=None)
