"""What a device can ask to hear about (its preference keys), and the kinds of push message with their TTL and
urgency. Other domains name these constants when they call `backend.notifications.push.queue_push`.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.i18n import N_
from backend.core.roles import Role

# Residents (any device, no account needed).
REMINDERS = "reminders"  # my event bookings and Listening Exchange slots
REPORT_UPDATES = "report_updates"  # updates on reports I made from this device
NEW_EVENTS = "new_events"  # new events in the areas and categories I follow
YOU_SAID_WE_DID = "you_said_we_did"  # "You said, we did" updates
# Staff (a device linked to a signed-in account that holds the role).
OFFICER_URGENT_REPORTS = "officer_urgent_reports"  # new level-4/5 reports
OFFICER_OVERDUE_TRIAGE = "officer_overdue_triage"  # reports whose triage is overdue
PARTNER_BOOKINGS = "partner_bookings"  # new bookings on my organisation's events
PARTNER_CANCELLATIONS = "partner_cancellations"  # cancelled bookings on my organisation's events
PARTNER_APPROVALS = "partner_approvals"  # officers' decisions on my organisation's events


@dataclass(frozen=True)
class Topic:
    """A preference key: its label and hint on the settings page, and who may choose it (None: anyone)."""

    key: str
    label: str
    hint: str
    roles: frozenset[Role] | None = None


TOPICS: dict[str, Topic] = {
    topic.key: topic
    for topic in (
        Topic(REMINDERS, N_("Reminders"), N_("The day before each event you booked and each Listening Exchange.")),
        Topic(REPORT_UPDATES, N_("Updates on my reports"), N_("When a report you made from this device moves on.")),
        Topic(NEW_EVENTS, N_("New events"), N_("New events in the areas and categories you follow.")),
        Topic(YOU_SAID_WE_DID, N_("You said, we did"), N_("What the council did after hearing from residents.")),
        Topic(
            OFFICER_URGENT_REPORTS,
            N_("New level 4 and 5 reports"),
            N_("As soon as a serious report arrives."),
            frozenset({Role.OFFICER}),
        ),
        Topic(
            OFFICER_OVERDUE_TRIAGE,
            N_("Overdue triage"),
            N_("Reports waiting longer than they should."),
            frozenset({Role.OFFICER}),
        ),
        Topic(
            PARTNER_BOOKINGS,
            N_("Bookings"),
            N_("When someone books one of your organisation's events."),
            frozenset({Role.PARTNER}),
        ),
        Topic(
            PARTNER_CANCELLATIONS,
            N_("Cancellations"),
            N_("When someone cancels a booking for one of your events."),
            frozenset({Role.PARTNER}),
        ),
        Topic(
            PARTNER_APPROVALS,
            N_("Approval decisions"),
            N_("When an officer approves or turns down one of your events."),
            frozenset({Role.PARTNER}),
        ),
    )
}
RESIDENT_TOPICS = tuple(key for key, topic in TOPICS.items() if topic.roles is None)


def topics_for(roles: frozenset[Role] | set[Role]) -> list[Topic]:
    """The topics a device may choose, given the roles of the person signed in on it (none: resident topics)."""
    return [topic for topic in TOPICS.values() if topic.roles is None or topic.roles & set(roles)]


@dataclass(frozen=True)
class Delivery:
    """How a kind of message travels: its TTL (seconds the push service keeps it for an offline device),
    its urgency (RFC 8030: very-low, low, normal, high) and how many tries before it is dead-lettered."""

    ttl: int
    urgency: str
    max_attempts: int = 6


REMINDER = "reminder"
UPDATE = "update"
NEWS = "news"
ALERT = "alert"
DELIVERY: dict[str, Delivery] = {
    REMINDER: Delivery(ttl=6 * 3600, urgency="high"),  # useless once the event has started
    UPDATE: Delivery(ttl=3 * 86400, urgency="normal"),
    NEWS: Delivery(ttl=7 * 86400, urgency="low"),
    ALERT: Delivery(ttl=12 * 3600, urgency="high"),  # staff: act today
}
