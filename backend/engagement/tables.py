"""Questions officers ask, residents' answers (moderated before anything is public), themes, "You said, we did"
entries and their followers, and feedback on Hearby itself.

People and areas live in other domains: they are referred to by id or code (no cross-domain foreign keys).
An answer keeps no IP address and, when given anonymously, no user id.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Question(Table, tablename="engagement_question"):
    """A short question or survey item officers publish, open between two moments, in every site language."""

    id: Serial
    kind = Varchar(length=12, default="open")  # open, single, multiple, ranking
    # {"en": {"text": "...", "hint": "...", "options": ["...", ...]}, "pl": {...}, "ur": {...}}
    content = JSON(default="{}")
    option_count = Integer(default=0)
    opens_at = Timestamptz(default=TimestamptzNow())
    closes_at = Timestamptz(null=True, default=None)
    area_codes = JSON(default="[]")  # district codes it is aimed at ([] = everywhere)
    withdrawn = Boolean(default=False)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Answer(Table, tablename="engagement_answer"):
    """One resident's answer. `consent` is what the author chose for the free text; `status` where it stands.

    consent: publish, publish_no_area, private. status: pending (waiting for moderation), published, hidden
    (abuse), private (the author chose not to publish: never shown publicly, whatever happens).
    """

    id: Serial
    question_id = Integer(index=True)
    choices = JSON(default="[]")  # option indexes; in order of priority for a ranking
    text = Text(default="")
    area_code = Varchar(length=12, default="")
    consent = Varchar(length=16, default="private")
    status = Varchar(length=12, default="private", index=True)
    published_text = Text(default="")  # the text as published (after any redaction)
    redacted = Boolean(default=False)
    user_id = Integer(null=True, default=None, index=True)
    locale = Varchar(length=8, default="en")
    request_key = Varchar(length=64, null=True, default=None, unique=True)  # hashed nonce / Idempotency-Key
    created_at = Timestamptz(default=TimestamptzNow())
    moderated_at = Timestamptz(null=True, default=None)
    moderated_by = Integer(null=True, default=None)


class AnswerTheme(Table, tablename="engagement_answer_theme"):
    """A theme an officer tagged an answer with."""

    id: Serial
    answer_id = Integer(index=True)
    theme = Varchar(length=60, index=True)
    tag_key = Varchar(length=80, unique=True)  # "<answer id>:<theme>": one tag per theme per answer


class Update(Table, tablename="engagement_update"):
    """A "You said, we did" entry: what was heard and what was done, in every site language, with links."""

    id: Serial
    heard = JSON(default="{}")  # {"en": "...", "pl": "...", "ur": "..."}
    did = JSON(default="{}")
    links = JSON(default="[]")  # [{"url": "...", "label": "..."}]: events, exchanges, decisions
    happened_on = Date()
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Follower(Table, tablename="engagement_follower"):
    """Someone following "You said, we did" by email: confirmed by a link first (double opt-in)."""

    id: Serial
    email = Varchar(length=320, unique=True)
    locale = Varchar(length=8, default="en")
    confirm_hash = Varchar(length=64, unique=True)
    unsubscribe_token = Varchar(length=64, unique=True)  # put in every email, so kept as is
    confirmed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class SiteFeedback(Table, tablename="engagement_site_feedback"):
    """Feedback on Hearby itself from the footer: is this page useful, a problem, a better translation."""

    id: Serial
    kind = Varchar(length=12, index=True)  # useful, not_useful, problem, translation
    page = Varchar(length=300, default="")
    locale = Varchar(length=8, default="en")
    text = Text(default="")  # the problem, or the better wording
    quoted = Text(default="")  # for a translation: the text concerned as shown
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
