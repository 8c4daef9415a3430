"""Reminders 24 hours before each booked date (push where the person's device asked, email otherwise; once each;
never for a cancelled booking or date; moved with the date), and partners' pushes for bookings."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.schemas import BookingRequest, Outcome
from backend.bookings.services import BookingsService
from backend.core.auth import CurrentUser
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.events import listing
from backend.events.tables import Occurrence
from backend.notifications import reminders
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.notifications.subscriptions import SubscriptionService
from backend.settings import Settings
from backend.wiring import batch_job_handlers, job_handlers
from tests.support.events import make_event, make_organisation
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, partner_of
from tests.support.push_service import RunningPushService

Client = AsyncTestClient[Litestar]
TITLE = "Community coffee morning"


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        return None


def worker(settings: Settings, clock: SettableClock) -> Worker:
    context = JobContext(settings, Mailbox(), clock, WorkerOptions(batch=50))
    return Worker(
        "reminders-test",
        context,
        handlers=job_handlers(),
        batch_handlers=batch_job_handlers(),
    )


def bookings(client: Client) -> BookingsService:
    state = client.app.state
    return BookingsService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


async def book(client: Client, event_id: int, occurrence_id: int, email: str, user_id: int | None = None) -> int:
    request = BookingRequest(name="Ada", email=email, places=2, user_id=user_id)
    result = await bookings(client).booking.book(event_id, occurrence_id, request)
    assert result.outcome is Outcome.BOOKED, result
    assert result.booking is not None
    return result.booking.id


async def device_for(
    client: Client, service: RunningPushService, number: int, user_id: int, *, roles: set[Role], chosen: list[str]
) -> None:
    state = client.app.state
    user = CurrentUser(id=user_id, email="", display_name="", roles=frozenset(roles), organisation_ids=frozenset())
    info = service.service.device(number).subscription(service.base_url)
    await SubscriptionService(state["engine"], state["clock"], state["settings"]).subscribe(
        info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], chosen, "en", user
    )


async def test_reminders_come_24_hours_before_once_by_push_or_email_and_move_with_the_date(
    client: Client,
    settings: Settings,
    clock: SettableClock,
    people: PeopleFactory,
    push_service: RunningPushService,
) -> None:
    starts = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    event = await make_event(await make_organisation(), starts, capacity=20)
    occurrence_id = event.occurrences[0]
    resident = await people(Role.RESIDENT)
    await device_for(client, push_service, 1, resident.id, roles={Role.RESIDENT}, chosen=["reminders"])
    await book(client, event.id, occurrence_id, "anon@example.org")  # no device: by email
    await book(client, event.id, occurrence_id, resident.email, resident.id)  # a device asked: by push
    cancelled = await book(client, event.id, occurrence_id, "changed-mind@example.org")
    assert await bookings(client).booking.cancel_for_user(cancelled, 0, "changed-mind@example.org")

    assert await reminders.sweep(settings, clock.now()) == 0  # three days ahead: too early
    clock.current = starts - timedelta(hours=24) + timedelta(minutes=1)
    assert await reminders.sweep(settings, clock.now()) == 2
    assert await reminders.sweep(settings, clock.now()) == 0  # once each
    await worker(settings, clock).drain()
    assert len(await reminder_emails("anon@example.org")) == 1
    assert await reminder_emails(resident.email) == []
    assert await reminder_emails("changed-mind@example.org") == []
    pushed = push_service.service.delivered(1)
    assert [p.notification["title"] for p in pushed] == [f"Tomorrow: {TITLE}"]
    assert pushed[0].notification["url"] == f"/events/{event.id}/{occurrence_id}"
    assert pushed[0].urgency == "high"

    # The date moves two days later: a new reminder falls due 24 hours before the new time, not before.
    moved = starts + timedelta(days=2)
    await Occurrence.update({Occurrence.starts_at: moved, Occurrence.ends_at: moved + timedelta(hours=2)}).where(
        Occurrence.id == occurrence_id
    )
    await listing.refresh([event.id])  # as the events service does after every write
    clock.current = moved - timedelta(hours=25)
    assert await reminders.sweep(settings, clock.now()) == 0
    clock.current = moved - timedelta(hours=23)
    assert await reminders.sweep(settings, clock.now()) == 2
    await worker(settings, clock).drain()
    assert len(await reminder_emails("anon@example.org")) == 2
    assert len(push_service.service.delivered(1)) == 2


async def test_no_reminder_for_a_cancelled_date_or_a_booking_made_within_the_last_day(
    client: Client, settings: Settings, clock: SettableClock
) -> None:
    starts = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    organisation = await make_organisation()
    first = await make_event(organisation, starts, capacity=20)
    second = await make_event(organisation, starts + timedelta(hours=1), capacity=20, title="Late booking")
    await book(client, first.id, first.occurrences[0], "early@example.org")
    await Occurrence.update({Occurrence.status: "cancelled"}).where(Occurrence.id == first.occurrences[0])
    await listing.refresh([first.id])
    clock.current = starts - timedelta(hours=20)
    await book(client, second.id, second.occurrences[0], "late@example.org")
    assert await reminders.sweep(settings, clock.now()) == 0
    assert await reminder_emails("early@example.org") == []
    assert await reminder_emails("late@example.org") == []


async def test_partners_hear_of_bookings_and_cancellations_on_their_events(
    client: Client,
    settings: Settings,
    clock: SettableClock,
    people: PeopleFactory,
    push_service: RunningPushService,
) -> None:
    organisation = await make_organisation()
    partner = await partner_of(people, organisation)
    other = await partner_of(people, await make_organisation())
    await device_for(
        client, push_service, 1, partner.id, roles={Role.PARTNER}, chosen=["partner_bookings", "partner_cancellations"]
    )
    await device_for(client, push_service, 2, other.id, roles={Role.PARTNER}, chosen=["partner_bookings"])
    event = await make_event(organisation, clock.now() + timedelta(days=3), capacity=20)
    booking_id = await book(client, event.id, event.occurrences[0], "ada@example.org")
    assert await bookings(client).booking.cancel_for_user(booking_id, 0, "ada@example.org")
    clock.advance(minutes=1)  # queued "now" by the database's clock, a moment after the test's
    await worker(settings, clock).drain()
    received = [(p.notification["title"], p.notification["body"]) for p in push_service.service.delivered(1)]
    assert sorted(received) == [
        (f"Booking cancelled: {TITLE}", "Places freed: 2."),
        (f"New booking: {TITLE}", "Places booked: 2."),
    ]
    assert push_service.service.delivered(2) == []  # another organisation's partner


async def reminder_emails(address: str) -> list[dict[str, object]]:
    return [email for email in await emails_to(address) if str(email["subject"]).startswith("Tomorrow:")]
