"""Partner events, their occurrences and translations, and the categories officers manage.

Organisations and people live in the accounts domain: they are referred to by id (no cross-domain
foreign keys), and the events service checks them through the accounts service.
Multi-valued filters (accessibility, who it suits, languages spoken) are integer bit sets, so one
portable `(column & mask) = mask` condition filters them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Category(Table, tablename="category"):  # not "event_category": that is the name of event.category's index
    """A kind of event (officers manage the list); names in every site language."""

    id: Serial
    slug = Varchar(length=60, unique=True)
    names = JSON(default="{}")  # {"en": "...", "pl": "...", "ur": "..."}
    position = Integer(default=0)
    active = Boolean(default=True)


class Event(Table, tablename="event"):
    """An event (or a recurring series) posted by a partner organisation."""

    id: Serial
    organisation_id = Integer(index=True)
    created_by = Integer(null=True, default=None)
    status = Varchar(length=12, default="pending", index=True)  # draft, pending, published, rejected, hidden, cancelled
    title = Varchar(length=150)
    description = Text()
    original_locale = Varchar(length=8, default="en")
    category = ForeignKey(Category, on_delete=OnDelete.restrict, index=True)
    # Where: a venue with a postcode placed by the areas service, or online.
    is_online = Boolean(default=False)
    online_url = Varchar(length=500, default="")
    venue_name = Varchar(length=150, default="")
    address = Varchar(length=300, default="")
    postcode = Varchar(length=10, default="")
    district_code = Varchar(length=12, default="", index=True)
    division_code = Varchar(length=12, default="", index=True)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    # Booking: capacity None means drop-in (no booking needed).
    capacity = Integer(null=True, default=None)
    per_booking_limit = Integer(default=4)
    cost_pence = Integer(default=0, index=True)
    cost_note = Varchar(length=200, default="")
    languages = Integer(default=0)  # bit set over LANGUAGES in events/schemas.py
    suits = Integer(default=0)  # bit set over SUITS
    accessibility = Integer(default=0)  # bit set over ACCESSIBILITY
    # Recurrence: none, weekly, fortnightly, monthly, until a date.
    recurrence = Varchar(length=12, default="none")
    recurrence_until = Timestamptz(null=True, default=None)
    search_text = Text(default="")  # lower-cased title, description and translations, for free-text search
    sequence = Integer(default=0)  # bumped on every published change (iCalendar SEQUENCE)
    # An untrusted organisation's material change to a published event waits here for approval;
    # the approved version (the columns above) stays visible meanwhile.
    pending_changes = JSON(default="{}")
    decision_reason = Text(default="")  # the officer's reason for a rejection or hiding, shown to the partner
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)


class EventTranslation(Table, tablename="event_translation"):
    """A partner-supplied title and description in another site language."""

    id: Serial
    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    locale = Varchar(length=8)
    title = Varchar(length=150)
    description = Text()
    translation_key = Varchar(length=30, unique=True)  # "<event id>:<locale>"


class Occurrence(Table, tablename="event_occurrence"):
    """One date of an event. Bookings belong to an occurrence; one can be changed or cancelled alone."""

    id: Serial
    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    status = Varchar(length=12, default="scheduled", index=True)  # scheduled, cancelled
    capacity = Integer(null=True, default=None)  # None: drop-in
    places_left = Integer(null=True, default=None)  # decremented atomically by bookings
    sequence = Integer(default=0)
    changed_alone = Boolean(default=False)  # edited or cancelled on its own, apart from the series


class EventDecision(Table, tablename="event_decision"):
    """The history of officers' decisions on an event or an organisation (also in the audit log)."""

    id: Serial
    subject_type = Varchar(length=20)  # event, organisation
    subject_id = Integer(index=True)
    decision = Varchar(length=20)  # approved, rejected, hidden, trusted, verified
    reason = Text(default="")
    officer_id = Integer(null=True, default=None)
    changes = JSON(default="{}")  # what changed, for material edits
    decided_at = Timestamptz(default=TimestamptzNow())


class Listing(Table, tablename="event_listing"):
    """The search's read model: one row per date residents can find (a scheduled occurrence of a published
    event of a verified organisation), with the event's filter columns copied beside its start time.

    Searching one table lets a filter and the start time share an index (district + date, a point, the
    trigram text), so the cost of a search follows the page asked for, not the number of events. Rows are
    rewritten from the source tables by `events.listing.refresh` in every transaction that changes an event,
    its dates or its organisation's standing; dates that have started are skipped by the search and purged daily.
    """

    id: Serial
    occurrence_id = Integer(unique=True)
    event_id = Integer(index=True)
    starts_at = Timestamptz(index=True)
    district_code = Varchar(length=12, default="")
    division_code = Varchar(length=12, default="")
    category = Integer(default=0)
    is_online = Boolean(default=False)
    cost_pence = Integer(default=0)
    languages = Integer(default=0)
    suits = Integer(default=0)
    accessibility = Integer(default=0)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    search_text = Text(default="")
