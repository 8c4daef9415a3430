"""Booking, the waitlist, manage links, feedback afterwards, and the booking API — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

import httpx
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

import backend.bookings.jobs  # noqa: F401 - registers the bookings job handlers, as the worker does
from backend.accounts.tables import Organisation
from backend.bookings.people import PersonalBookings
from backend.bookings.schemas import BookingRequest, Outcome
from backend.bookings.services import BookingsService
from backend.bookings.tables import Booking, Feedback, WaitlistEntry
from backend.core.clock import SettableClock
from backend.core.db import write_transaction
from backend.core.roles import Role
from backend.core.tables import AuditEntry, OutboxJob
from backend.events import listing
from backend.events.tables import Category, Event, Occurrence
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.settings import Settings
from backend.wiring import job_handlers
from tests.support.events import make_organisation
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import CSRF_FIELD, PeopleFactory, post_form, sign_in, sign_in_resident

Client = AsyncTestClient[Litestar]
TOKEN_PATH = re.compile(r"/bookings/([A-Za-z0-9_-]{20,100})")
OFFER_PATH = re.compile(r"/waitlist/([A-Za-z0-9_-]{20,100})")  # not /waitlist/place/… ("place" is too short)
T = TypeVar("T")
WORKERS = 6  # outbox workers running the same job at once
CLICKS = 5  # clicks on one link at once
PLACE_PATH = re.compile(r"/waitlist/place/([A-Za-z0-9_-]{20,100})")


@dataclass(frozen=True)
class Slot:
    """An event and one occurrence made for a test."""

    event_id: int
    occurrence_id: int

    @property
    def book_path(self) -> str:
        return f"/events/{self.event_id}/{self.occurrence_id}/book"

    @property
    def api_path(self) -> str:
        return f"/api/v1/events/{self.event_id}/occurrences/{self.occurrence_id}/bookings"


async def make_slot(
    clock: SettableClock,
    *,
    capacity: int | None = 10,
    per_booking_limit: int = 4,
    starts_in: timedelta = timedelta(days=3),
    status: str = "published",
    occurrence_status: str = "scheduled",
    organisation_id: int | None = None,
) -> Slot:
    """A published event with one occurrence (capacity None: drop-in), run by a new verified organisation
    unless an organisation is given."""
    if organisation_id is None:
        organisation_id = await make_organisation()
    category = await Category.select(Category.id).where(Category.slug == "bookings-test").first()
    if category is None:
        rows = await Category.insert(Category(slug="bookings-test", names={"en": "Test"})).returning(Category.id)
        category = rows[0]
    starts = clock.now() + starts_in
    event_rows = await Event.insert(
        Event(
            organisation_id=organisation_id,
            status=status,
            title="Community lunch <b>",
            description="Soup and conversation",
            category=category["id"],
            venue_name="East Oxford Community Centre",
            address="44B Princes Street",
            postcode="OX4 1DD",
            capacity=capacity,
            per_booking_limit=per_booking_limit,
        )
    ).returning(Event.id)
    event_id = event_rows[0]["id"]
    occurrence_rows = await Occurrence.insert(
        Occurrence(
            event=event_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status=occurrence_status,
            capacity=capacity,
            places_left=capacity,
        )
    ).returning(Occurrence.id)
    await listing.refresh([event_id])  # as the events service does after its writes
    return Slot(event_id, occurrence_rows[0]["id"])


async def places_left(slot: Slot) -> int | None:
    row = await Occurrence.select(Occurrence.places_left).where(Occurrence.id == slot.occurrence_id).first()
    assert row is not None
    value: int | None = row["places_left"]
    return value


async def book_form(client: Client, slot: Slot, **fields: str) -> Any:
    """Open the booking page and post its form (with its nonce) filled in with these fields."""
    page = await client.get(slot.book_path)
    soup = BeautifulSoup(page.text, "html.parser")
    nonce = soup.find("input", attrs={"name": "nonce"})
    token = CSRF_FIELD.search(page.text)
    assert nonce is not None, page.text
    assert token is not None, page.text
    data = {"_csrf_token": token.group(1), "nonce": str(nonce["value"]), "places": "1", **fields}
    action = soup.find("form", attrs={"method": "post"})
    assert action is not None
    return await client.post(str(action["action"]), data=data, follow_redirects=False)


class RecordingSender:
    """An email sender that keeps the messages (for worker runs inside a test)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        pass


def service_of(app: Litestar, clock: SettableClock) -> BookingsService:
    """The bookings service on the app's engine (to run two requests' transactions side by side)."""
    state = app.state
    return BookingsService(state["settings"], clock, state["engine"], state["email_renderer"])


@contextlib.asynccontextmanager
async def browsers(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends requests to the app on the test's own event loop, so requests sent together are
    served together (the test client serves one request at a time). The `client` fixture has started the
    app and opened the database pool for this loop."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types its ASGI scope more narrowly
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        yield http


async def all_at_once(*calls: Callable[[], Awaitable[T]]) -> list[T]:
    """Run the calls concurrently, each released by one barrier once all of them are ready to go."""
    barrier = asyncio.Barrier(len(calls))

    async def go(call: Callable[[], Awaitable[T]]) -> T:
        await barrier.wait()
        return await call()

    return list(await asyncio.gather(*(go(call) for call in calls)))


async def page_token(http: httpx.AsyncClient) -> str:
    """The CSRF token a browser gets with a page (and its cookie, kept by the client)."""
    match = CSRF_FIELD.search((await http.get("/sign-in/email")).text)
    assert match
    return match.group(1)


async def join_waitlist(service: BookingsService, slot: Slot, name: str, places: int = 1) -> None:
    request = BookingRequest(name=name, email=f"{name.lower()}@example.org", places=places)
    result = await service.waitlist.join_waitlist(slot.event_id, slot.occurrence_id, request)
    assert result.outcome is Outcome.WAITLISTED, result


async def offer_emails(address: str) -> list[dict[str, Any]]:
    return [email for email in await emails_to(address) if OFFER_PATH.search(email["text"])]


async def run_worker(settings: Settings, clock: SettableClock) -> RecordingSender:
    sender = RecordingSender()
    worker = Worker("test-worker", JobContext(settings, sender, clock, WorkerOptions()), job_handlers())
    await worker.drain()
    return sender


# --- booking through the pages ---------------------------------------------------------------------------


async def test_booking_through_the_form_confirms_emails_an_ics_and_schedules_feedback(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    page = await client.get(slot.book_path)
    assert page.status_code == 200
    check_page(page.text, "en")
    assert "10 places left" in page.text
    response = await book_form(
        client, slot, name="Ala Nowak", email="Ala@Example.org", places="2", access_needs="Step-free"
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/bookings/")
    assert location.endswith("?booked=1")
    manage = await client.get(location)
    assert manage.status_code == 200
    check_page(manage.text, "en")
    assert "Booking confirmed" in manage.text
    assert "Community lunch &lt;b&gt;" in manage.text
    assert await places_left(slot) == 8

    booking = await Booking.select().where(Booking.occurrence_id == slot.occurrence_id).first()
    assert booking is not None
    assert booking["email"] == "ala@example.org"
    assert booking["places"] == 2
    assert booking["status"] == "confirmed"
    assert booking["access_needs"] == "Step-free"

    (email,) = await emails_to("ala@example.org")
    assert email["locale"] == "en"
    token = TOKEN_PATH.search(email["text"])
    assert token is not None
    assert location.startswith(f"/bookings/{token.group(1)}")
    (attachment,) = email["attachments"]
    assert attachment["content_type"] == "text/calendar"
    assert attachment["filename"].endswith(".ics")
    ics = base64.b64decode(attachment["content_base64"]).decode()
    assert "BEGIN:VEVENT" in ics
    assert f"UID:occurrence-{slot.occurrence_id}@" in ics
    assert "Europe/London" in ics

    calendar = await client.get(f"/bookings/{token.group(1)}/calendar.ics")
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "STATUS:CONFIRMED" in calendar.text

    invite = await OutboxJob.select(OutboxJob.due_at).where(OutboxJob.kind == "bookings.feedback_invite").first()
    assert invite is not None
    assert invite["due_at"] == clock.now() + timedelta(days=3, hours=4)


async def test_a_double_submit_books_once_and_lands_on_the_same_booking(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock)
    page = await client.get(slot.book_path)
    nonce = str(BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "nonce"})["value"])
    csrf = CSRF_FIELD.search(page.text).group(1)
    data = {"_csrf_token": csrf, "nonce": nonce, "name": "Bo", "email": "bo@example.org", "places": "1"}
    first = await client.post(slot.book_path, data=data, follow_redirects=False)
    second = await client.post(slot.book_path, data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Booking.count().where(Booking.occurrence_id == slot.occurrence_id) == 1
    assert await places_left(slot) == 9
    assert len(await emails_to("bo@example.org")) == 1


async def test_a_repeat_booking_is_told_to_the_address_never_to_whoever_asked(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    assert (await book_form(client, slot, name="Cy", email="cy@example.org")).status_code == 303
    again = await book_form(client, slot, name="Someone else", email="CY@example.org")
    # The same answer shape as any accepted form (a redirect), to a page that does not say the address has booked.
    assert again.status_code == 303
    assert again.headers["location"] == f"/events/{slot.event_id}/{slot.occurrence_id}/check-email"
    page = await client.get(again.headers["location"])
    assert page.status_code == 200
    soup = check_page(page.text, "en")
    assert soup.h1.get_text(strip=True) == "Check your email"
    assert "already" not in page.text.lower()
    assert "cy@example.org" not in page.text.lower()
    assert await places_left(slot) == 9
    assert await Booking.count().where(Booking.occurrence_id == slot.occurrence_id) == 1

    confirmation, told = await emails_to("cy@example.org")
    assert confirmation["subject"].startswith("Booking confirmed")
    assert told["subject"].startswith("You already have a place")
    assert "nothing was changed" in told["text"]
    assert "Someone else" not in told["text"]  # what the asker typed is not put in front of the address's owner
    assert "/account" in told["text"]
    assert "/bookings/" not in told["text"]  # no manage link goes out again
    # Asking again the same day sends no second email (an inbox cannot be flooded through this form).
    assert (await book_form(client, slot, name="Cy", email="cy@example.org")).status_code == 303
    assert len(await emails_to("cy@example.org")) == 2
    clock.advance(days=1)
    assert (await book_form(client, slot, name="Cy", email="cy@example.org")).status_code == 303
    assert len(await emails_to("cy@example.org")) == 3


async def test_a_repeat_waiting_list_request_is_told_by_email_too(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock, capacity=1)
    assert (await book_form(client, slot, name="Ed", email="ed@example.org")).status_code == 303
    joined = await book_form(client, slot, name="Flo", email="flo@example.org")
    assert joined.headers["location"].endswith("/waitlist/joined")
    for email in ("flo@example.org", "ed@example.org"):  # already waiting; already booked
        again = await book_form(client, slot, name="Flo", email=email)
        assert again.status_code == 303
        assert again.headers["location"].endswith("/check-email")
        assert (await emails_to(email))[-1]["subject"].startswith("You already have a place")
    assert await WaitlistEntry.count().where(WaitlistEntry.occurrence_id == slot.occurrence_id) == 1


async def test_bad_input_is_field_errors_that_keep_what_was_typed(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock, per_booking_limit=3)
    response = await book_form(
        client, slot, name="x" * 121, email="not-an-email", places="4", access_needs="<script>alert(1)</script>"
    )
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert soup.select_one(".govuk-error-summary") is not None
    for field in ("name", "email", "places"):
        assert soup.select_one(f"#{field}-error") is not None, field
    assert soup.find("input", attrs={"name": "email"})["value"] == "not-an-email"
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert await Booking.count() == 0


async def test_past_cancelled_and_drop_in_occurrences_say_so_plainly(client: Client, clock: SettableClock) -> None:
    past = await make_slot(clock, starts_in=timedelta(hours=-1))
    cancelled = await make_slot(clock, occurrence_status="cancelled")
    drop_in = await make_slot(clock, capacity=None)
    for slot, words in (
        (past, "already taken place"),
        (cancelled, "has been cancelled"),
        (drop_in, "no need to book"),
    ):
        page = await client.get(slot.book_path)
        assert page.status_code == 200
        check_page(page.text, "en")
        assert words in page.text.lower()
        assert 'name="nonce"' not in page.text  # no form
        token = CSRF_FIELD.search((await client.get("/sign-in/email")).text).group(1)
        refused = await client.post(
            slot.book_path,
            data={"_csrf_token": token, "name": "Di", "email": "di@example.org", "places": "1"},
            follow_redirects=False,
        )
        assert refused.status_code in {409, 410}
        assert words in refused.text.lower()
    hidden = await make_slot(clock, status="pending")
    assert (await client.get(hidden.book_path)).status_code == 404
    assert await Booking.count() == 0


# --- full, waitlist, cancellation, offers -----------------------------------------------------------------


async def test_someone_taking_the_last_place_while_another_fills_the_form_says_so_and_keeps_the_form(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=1)
    page = await client.get(slot.book_path)  # the form while one place is left
    soup = BeautifulSoup(page.text, "html.parser")
    nonce = soup.find("input", attrs={"name": "nonce"})
    token = CSRF_FIELD.search(page.text)
    assert nonce is not None
    assert token is not None
    form = soup.find("form", attrs={"method": "post"})
    assert form is not None
    assert (await book_form(client, slot, name="Quick", email="quick@example.org")).status_code == 303
    late = await client.post(
        str(form["action"]),
        data={
            "_csrf_token": token.group(1),
            "nonce": str(nonce["value"]),
            "places": "1",
            "name": "Slow",
            "email": "slow@example.org",
            "access_needs": "A chair near the door",
        },
        follow_redirects=False,
    )
    assert late.status_code == 409
    soup = check_page(late.text, "en")
    assert "All places have just been taken. You can join the waiting list instead." in " ".join(
        soup.get_text().split()
    )
    assert soup.select_one("#name")["value"] == "Slow"  # what was typed is kept for the waiting list
    assert soup.select_one("#email")["value"] == "slow@example.org"
    assert "A chair near the door" in soup.select_one("#access_needs").get_text()
    assert [row["email"] for row in await Booking.select(Booking.email)] == ["quick@example.org"]


async def test_full_offers_the_waitlist_and_a_cancellation_offers_the_place_to_the_first_waiting(
    client: Client, clock: SettableClock, settings: Settings
) -> None:
    slot = await make_slot(clock, capacity=1)
    assert (await book_form(client, slot, name="Ed", email="ed@example.org")).status_code == 303
    page = await client.get(slot.book_path)
    check_page(page.text, "en")
    assert "Join the waiting list" in page.text
    assert f'action="/events/{slot.event_id}/{slot.occurrence_id}/waitlist"' in page.text
    for who in ("first", "second"):
        joined = await book_form(client, slot, name=who, email=f"{who}@example.org")
        assert joined.status_code == 303
        assert joined.headers["location"].endswith("/waitlist/joined")
        check_page((await client.get(joined.headers["location"])).text, "en")
    assert await WaitlistEntry.count().where(WaitlistEntry.status == "waiting") == 2
    assert len(await emails_to("first@example.org")) == 1  # "you are on the waiting list"

    (ed_email,) = await emails_to("ed@example.org")
    token = TOKEN_PATH.search(ed_email["text"]).group(1)
    cancelled = await post_form(client, f"/bookings/{token}/cancel", {}, token_from=f"/bookings/{token}/cancel")
    assert cancelled.status_code == 303
    page = await client.get(cancelled.headers["location"])
    check_page(page.text, "en")
    assert "Booking cancelled" in page.text

    # The freed place is held for the first person waiting, who is emailed a link with a time limit.
    assert await places_left(slot) == 0
    offer_email = (await emails_to("first@example.org"))[-1]
    offer = OFFER_PATH.search(offer_email["text"]).group(1)
    assert await WaitlistEntry.count().where(WaitlistEntry.status == "offered") == 1
    assert not await offer_emails("second@example.org")
    offer_page = await client.get(f"/waitlist/{offer}")
    check_page(offer_page.text, "en")
    assert "A place is free for you" in offer_page.text

    accepted = await post_form(client, f"/waitlist/{offer}/accept", {}, token_from=f"/waitlist/{offer}")
    assert accepted.status_code == 303
    assert "?booked=1" in accepted.headers["location"]
    again = await post_form(client, f"/waitlist/{offer}/accept", {}, token_from="/sign-in/email")
    assert again.status_code == 303
    assert again.headers["location"] == accepted.headers["location"]
    confirmed = await Booking.select(Booking.email).where(Booking.status == "confirmed")
    assert [row["email"] for row in confirmed] == ["first@example.org"]
    assert await places_left(slot) == 0


async def test_an_expired_offer_passes_the_place_to_the_next_person(
    client: Client, clock: SettableClock, settings: Settings
) -> None:
    slot = await make_slot(clock, capacity=1)
    await book_form(client, slot, name="Fay", email="fay@example.org")
    await book_form(client, slot, name="One", email="one@example.org")
    await book_form(client, slot, name="Two", email="two@example.org")
    (fay,) = await emails_to("fay@example.org")
    token = TOKEN_PATH.search(fay["text"]).group(1)
    await post_form(client, f"/bookings/{token}/cancel", {}, token_from=f"/bookings/{token}/cancel")
    entry = await WaitlistEntry.select().where(WaitlistEntry.email == "one@example.org").first()
    assert entry is not None
    assert entry["status"] == "offered"
    assert entry["offer_expires_at"] == clock.now() + timedelta(hours=24)

    await run_worker(settings, clock)  # not due yet: nothing changes
    assert (await WaitlistEntry.select(WaitlistEntry.status).where(WaitlistEntry.id == entry["id"]).first())[
        "status"
    ] == "offered"

    clock.advance(hours=24, seconds=1)
    await run_worker(settings, clock)
    statuses = {
        row["email"]: row["status"] for row in await WaitlistEntry.select(WaitlistEntry.email, WaitlistEntry.status)
    }
    assert statuses == {"one@example.org": "expired", "two@example.org": "offered"}
    assert await offer_emails("two@example.org")
    assert await places_left(slot) == 0
    assert "has passed" in (await emails_to("one@example.org"))[-1]["subject"]  # told the time is up
    offer = OFFER_PATH.search((await offer_emails("one@example.org"))[-1]["text"]).group(1)
    late = await post_form(client, f"/waitlist/{offer}/accept", {}, token_from="/sign-in/email")
    assert late.status_code == 410
    assert await Booking.count().where(Booking.status == "confirmed") == 0


async def test_places_freed_at_the_same_moment_are_offered_to_a_waiting_person_once(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=2, per_booking_limit=1)
    for who in ("ann", "ben"):
        booked = await client.post(slot.api_path, json={"name": who, "email": f"{who}@example.org"})
        assert booked.status_code == 201, booked.text
    service = service_of(app, clock)
    await join_waitlist(service, slot, "Wyn")
    # Two accounts are deleted: their places come back, and each deletion enqueues a job offering them on.
    for who in ("ann", "ben"):
        async with write_transaction(service.engine):
            await PersonalBookings(clock).delete_user_bookings(-1, f"{who}@example.org")
    assert await places_left(slot) == 2

    # Several workers run such jobs at the same moment: Wyn is offered one place, once.
    offers = await all_at_once(*[lambda: service.waitlist.offer_places_job(slot.occurrence_id) for _ in range(WORKERS)])

    assert sorted(offers) == [0] * (WORKERS - 1) + [1]
    entry = await WaitlistEntry.select(WaitlistEntry.status).where(WaitlistEntry.email == "wyn@example.org").first()
    assert entry == {"status": "offered"}
    assert await places_left(slot) == 1  # one place held for Wyn's one offer, the other back on sale
    assert len(await offer_emails("wyn@example.org")) == 1
    assert await OutboxJob.count().where(OutboxJob.kind == "bookings.offer_expiry") == 1


async def test_accepting_an_offer_twice_at_the_same_moment_books_once(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=1)
    created = (await client.post(slot.api_path, json={"name": "Cas", "email": "cas@example.org"})).json()
    service = service_of(app, clock)
    await join_waitlist(service, slot, "Wyn")
    assert (await client.delete(f"/api/v1/bookings/{created['manage_token']}")).status_code == 200
    (offer_email,) = await offer_emails("wyn@example.org")
    offer = OFFER_PATH.search(offer_email["text"]).group(1)

    # Impatient clicks on "Accept", sent at the same moment: one booking, and each click sees it.
    async with browsers(app) as http:
        token = await page_token(http)
        clicks = await all_at_once(
            *[lambda: http.post(f"/waitlist/{offer}/accept", data={"_csrf_token": token}) for _ in range(CLICKS)]
        )
    assert [click.status_code for click in clicks] == [303] * CLICKS, [click.text[:200] for click in clicks]
    assert len({click.headers["location"] for click in clicks}) == 1  # all sent to the one booking's page
    assert TOKEN_PATH.search(clicks[0].headers["location"])
    confirmed = await Booking.select(Booking.email).where(Booking.status == "confirmed")
    assert confirmed == [{"email": "wyn@example.org"}]
    assert await places_left(slot) == 0
    entry = await WaitlistEntry.select(WaitlistEntry.status).where(WaitlistEntry.email == "wyn@example.org").first()
    assert entry == {"status": "accepted"}


async def test_events_of_organisations_that_are_not_verified_cannot_be_booked(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    service = service_of(app, clock)
    pending = await make_slot(clock, organisation_id=await make_organisation(status="pending"))
    rejected = await make_slot(clock, organisation_id=await make_organisation(status="rejected"))
    unknown = await make_slot(clock, organisation_id=2**31 - 1)
    for slot in (pending, rejected, unknown):
        assert (await client.get(slot.book_path)).status_code == 404
        refused = await client.post(slot.api_path, json={"name": "Una", "email": "una@example.org"})
        assert refused.status_code == 404, refused.text
        assert refused.json()["code"] == "not_found"
        request = BookingRequest(name="Una", email="una@example.org", places=1)
        assert (await service.booking.book(slot.event_id, slot.occurrence_id, request)).outcome is Outcome.NOT_FOUND
    assert await Booking.count() == 0

    # An organisation that stops being verified: its events can no longer be booked, and places that come
    # back are not offered to the waitlist (until it is verified again).
    organisation = await make_organisation()
    slot = await make_slot(clock, capacity=1, organisation_id=organisation)
    created = (await client.post(slot.api_path, json={"name": "Vic", "email": "vic@example.org"})).json()
    await join_waitlist(service, slot, "Wyn")
    await Organisation.update({Organisation.status: "rejected"}).where(Organisation.id == organisation)
    await listing.refresh_organisation(organisation)  # as the accounts service's decision hook does
    assert (await client.delete(f"/api/v1/bookings/{created['manage_token']}")).status_code == 200
    assert await places_left(slot) == 1
    assert await WaitlistEntry.select(WaitlistEntry.status).where(WaitlistEntry.email == "wyn@example.org") == [
        {"status": "waiting"}
    ]
    assert not await offer_emails("wyn@example.org")
    refused = await client.post(slot.api_path, json={"name": "Xan", "email": "xan@example.org"})
    assert refused.status_code == 404
    assert (await client.get(slot.book_path)).status_code == 404

    await Organisation.update({Organisation.status: "verified"}).where(Organisation.id == organisation)
    await listing.refresh_organisation(organisation)
    assert (await client.post(slot.api_path, json={"name": "Xan", "email": "xan@example.org"})).status_code == 201


# --- the API ----------------------------------------------------------------------------------------------


async def test_the_api_books_once_per_idempotency_key_and_says_full_past_and_cancelled(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=2)
    body = {"name": "Gus", "email": "gus@example.org", "places": 2}
    first = await client.post(slot.api_path, json=body, headers={"Idempotency-Key": "retry-me-1234567890"})
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["booking"]["places"] == 2
    assert created["booking"]["status"] == "confirmed"
    retry = await client.post(slot.api_path, json=body, headers={"Idempotency-Key": "retry-me-1234567890"})
    assert retry.status_code == 201
    assert retry.json()["manage_token"] == created["manage_token"]
    assert await Booking.count() == 1

    full = await client.post(slot.api_path, json={"name": "Hal", "email": "hal@example.org"})
    assert full.status_code == 409
    assert full.json()["code"] == "full"
    assert full.json()["waitlist_url"].endswith(slot.book_path)
    assert full.json()["detail"].startswith("All places have been taken. You can join the waiting list")
    roomy = await make_slot(clock, capacity=5)
    assert (await client.post(roomy.api_path, json={"name": "Gus", "email": "gus@example.org"})).status_code == 201
    repeat = await client.post(roomy.api_path, json={"name": "Gus", "email": "GUS@example.org"})
    assert repeat.status_code == 202  # the same email, another request, places still free: nothing booked
    assert repeat.json()["status"] == "check_email"
    assert "manage_token" not in repeat.json()
    assert (await emails_to("gus@example.org"))[-1]["subject"].startswith("You already have a place")
    assert await Booking.count().where(Booking.occurrence_id == roomy.occurrence_id) == 1

    past = await make_slot(clock, starts_in=timedelta(minutes=-5))
    assert (await client.post(past.api_path, json={"name": "Ivy", "email": "ivy@example.org"})).status_code == 410
    cancelled = await make_slot(clock, occurrence_status="cancelled")
    assert (await client.post(cancelled.api_path, json={"name": "Ivy", "email": "ivy@example.org"})).status_code == 410
    limited = await make_slot(clock, per_booking_limit=2)
    too_many = await client.post(limited.api_path, json={"name": "Jo", "email": "jo@example.org", "places": 3})
    assert too_many.status_code == 422
    bad = await client.post(limited.api_path, json={"name": "Jo", "email": "jo@example", "places": 1})
    assert bad.status_code == 400
    assert (await client.post(slot.api_path, json={"name": "x" * 121, "email": "a@b.co"})).status_code == 400

    gone = await client.delete(f"/api/v1/bookings/{created['manage_token']}")
    assert gone.status_code == 200
    assert gone.json()["status"] == "cancelled"
    assert await places_left(slot) == 2
    assert (await client.delete(f"/api/v1/bookings/{created['manage_token']}")).status_code == 200
    assert (await client.delete(f"/api/v1/bookings/{'x' * 40}")).status_code == 404


async def test_idempotency_keys_are_long_enough_and_scoped_to_the_occurrence_and_email(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    other = await make_slot(clock)
    al = {"name": "Al", "email": "al@example.org"}
    for bad in ("k", "x" * 15, "x" * 201, "no spaces please"):
        refused = await client.post(slot.api_path, json=al, headers={"Idempotency-Key": bad})
        assert refused.status_code == 400, (bad, refused.text)
    assert await Booking.count() == 0

    key = "0123456789abcdef"  # 16 characters: the shortest accepted
    mine = await client.post(slot.api_path, json=al, headers={"Idempotency-Key": key})
    assert mine.status_code == 201, mine.text
    token = mine.json()["manage_token"]
    # Another client that happens to choose the same key books for itself and never sees Al's manage token.
    theirs = await client.post(
        slot.api_path, json={"name": "Bea", "email": "bea@example.org"}, headers={"Idempotency-Key": key}
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["booking"]["email"] == "bea@example.org"
    assert theirs.json()["manage_token"] != token
    assert "Idempotent-Replayed" not in theirs.headers
    elsewhere = await client.post(other.api_path, json=al, headers={"Idempotency-Key": key})
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["manage_token"] not in {token, theirs.json()["manage_token"]}
    # The same key, occurrence and email again: the same booking.
    retry = await client.post(slot.api_path, json={**al, "email": "AL@example.org"}, headers={"Idempotency-Key": key})
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["manage_token"] == token
    longest = await client.post(
        slot.api_path, json={"name": "Cy", "email": "cy@example.org"}, headers={"Idempotency-Key": "y" * 200}
    )
    assert longest.status_code == 201, longest.text
    assert await Booking.count() == 4

    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/events/{event_id}/occurrences/{occurrence_id}/bookings"]["post"]
    (header,) = [parameter for parameter in operation["parameters"] if parameter["name"] == "Idempotency-Key"]
    text = json.dumps(header)
    assert '"minLength": 16' in text
    assert '"maxLength": 200' in text
    assert "16 to 200 characters" in header["description"]


# --- afterwards -------------------------------------------------------------------------------------------


async def test_attendees_are_invited_to_rate_partners_see_it_and_officers_hide_abuse(
    app: Litestar, client: Client, clock: SettableClock, settings: Settings, people: PeopleFactory
) -> None:
    lunch_club = await make_organisation("Lunch club")
    slot = await make_slot(clock, organisation_id=lunch_club)
    created = (await client.post(slot.api_path, json={"name": "Kit", "email": "kit@example.org"})).json()
    token = created["manage_token"]
    assert "Tell us how it went" not in (await client.get(f"/bookings/{token}")).text
    closed = await client.get(f"/bookings/{token}/feedback")
    assert "Feedback is not open" in closed.text

    clock.advance(days=3, hours=4, seconds=1)
    sender = await run_worker(settings, clock)  # the invitation job queues the email, which is sent next
    invitation = [m for m in sender.sent if "How was" in str(m["Subject"])]
    assert invitation, [str(m["Subject"]) for m in sender.sent]
    assert f"/bookings/{token}/feedback" in invitation[0].get_body(preferencelist=("plain",)).get_content()

    form = await client.get(f"/bookings/{token}/feedback")
    check_page(form.text, "en")
    empty = await post_form(client, f"/bookings/{token}/feedback", {"comment": "x"})
    assert empty.status_code == 400
    assert "#rating" in empty.text
    sent = await post_form(client, f"/bookings/{token}/feedback", {"rating": "2", "comment": "Rude <b>host</b>"})
    assert sent.status_code == 303
    assert await Feedback.count() == 1
    again = await post_form(client, f"/bookings/{token}/feedback", {"rating": "5"}, token_from="/sign-in/email")
    assert again.status_code == 409

    from backend.accounts.tables import Membership

    partner = await people(Role.PARTNER)
    await Membership.insert(Membership(user=partner.id, organisation=lunch_club))
    await sign_in(client, partner, clock)
    page = await client.get(f"/partner/events/{slot.event_id}/feedback")
    assert page.status_code == 200, page.text
    check_page(page.text, "en")
    assert "Rude &lt;b&gt;host&lt;/b&gt;" in page.text
    other = await make_slot(clock)  # another organisation's event
    assert (await client.get(f"/partner/events/{other.event_id}/feedback")).status_code == 404
    await post_form(client, "/sign-out", {}, token_from="/account")

    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    listing = await client.get("/officer/feedback")
    check_page(listing.text, "en")
    feedback = await Feedback.select(Feedback.id).first()
    assert feedback is not None
    refused = await post_form(
        client, f"/officer/feedback/{feedback['id']}/hide", {"reason": ""}, token_from="/officer/feedback"
    )
    assert refused.status_code == 400
    check_page(refused.text, "en")
    hidden = await post_form(
        client, f"/officer/feedback/{feedback['id']}/hide", {"reason": "Abusive"}, token_from="/officer/feedback"
    )
    assert hidden.status_code == 303
    audit = await AuditEntry.select(AuditEntry.action, AuditEntry.reason).where(AuditEntry.action == "feedback.hidden")
    assert audit == [{"action": "feedback.hidden", "reason": "Abusive"}]
    await post_form(client, "/sign-out", {}, token_from="/account")
    await sign_in(client, partner, clock)
    page = await client.get(f"/partner/events/{slot.event_id}/feedback")
    assert "Rude" not in page.text
    assert "Hidden by an officer" in page.text


# --- what the events domain calls, and the account ---------------------------------------------------------


async def test_the_events_domain_reads_counts_messages_and_cancels(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    for index, places in enumerate((1, 3)):
        await client.post(slot.api_path, json={"name": f"P{index}", "email": f"p{index}@example.org", "places": places})
    state = app.state
    service = BookingsService(state["settings"], clock, state["engine"], state["email_renderer"])
    assert await service.occurrences.counts([slot.occurrence_id, 999]) == {slot.occurrence_id: 4}
    attendees = await service.occurrences.attendees(slot.occurrence_id)
    assert [(a.email, a.places) for a in attendees] == [("p0@example.org", 1), ("p1@example.org", 3)]
    assert (
        await service.occurrences.message_attendees(slot.occurrence_id, "Room change", "We meet upstairs.", None) == 2
    )
    assert "We meet upstairs." in (await emails_to("p1@example.org"))[-1]["text"]

    await Occurrence.update({Occurrence.status: "cancelled"}).where(Occurrence.id == slot.occurrence_id)
    await listing.refresh([slot.event_id])
    assert await service.occurrences.occurrence_cancelled(slot.occurrence_id, "The hall flooded") == 2
    notice = (await emails_to("p0@example.org"))[-1]
    assert "The hall flooded" in notice["text"]
    assert "STATUS:CANCELLED" in base64.b64decode(notice["attachments"][0]["content_base64"]).decode()
    assert await service.occurrences.counts([slot.occurrence_id]) == {}


async def test_a_signed_in_resident_sees_their_bookings_and_deleting_the_account_frees_the_places(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    await sign_in_resident(client, "lee@example.org")
    page = await client.get(slot.book_path)
    assert 'value="lee@example.org"' in page.text
    booked = await book_form(client, slot, name="", email="", places="2")
    assert booked.status_code == 303, booked.text
    booking = await Booking.select(Booking.user_id, Booking.email).first()
    assert booking is not None
    assert booking["user_id"] is not None
    assert booking["email"] == "lee@example.org"
    mine = await PersonalBookings(clock).bookings_for_user(booking["user_id"])
    assert [(item.occurrence_id, item.places, item.is_past) for item in mine] == [(slot.occurrence_id, 2, False)]
    assert await places_left(slot) == 8

    deleted = await post_form(client, "/account/delete", {"confirm": "yes"}, token_from="/account/delete")
    assert deleted.status_code in {200, 302, 303}, deleted.text
    assert await Booking.count() == 0
    assert await places_left(slot) == 10


# --- one's place on the waitlist: seeing it, leaving it; offers that expire --------------------------------


def words(html: str) -> str:
    """A page's text with its whitespace collapsed (for phrases that wrap in the markup)."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


async def place_token(address: str) -> str:
    """The token of the place link in the latest "you are on the waiting list" email to an address."""
    joined = [email for email in await emails_to(address) if PLACE_PATH.search(email["text"])]
    assert joined, f"no email with a place link to {address}"
    assert PLACE_PATH.search(joined[-1]["html"]) is not None
    return PLACE_PATH.search(joined[-1]["text"]).group(1)


async def entry_of(address: str) -> dict[str, Any]:
    """The latest waitlist entry of an address."""
    row: dict[str, Any] | None = (
        await WaitlistEntry.select()
        .where(WaitlistEntry.email == address)
        .order_by(WaitlistEntry.id, ascending=False)
        .first()
    )
    assert row is not None, address
    return row


async def test_a_waiting_person_sees_their_place_in_the_queue_and_leaves_through_the_emailed_link(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=1)
    assert (await book_form(client, slot, name="Ed", email="ed@example.org")).status_code == 303
    # A double submit of the waitlist form (the same nonce) joins once, with one email and one place link.
    page = await client.get(slot.book_path)
    nonce = str(BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "nonce"})["value"])
    csrf = CSRF_FIELD.search(page.text).group(1)
    data = {"_csrf_token": csrf, "nonce": nonce, "name": "First", "email": "first@example.org", "places": "1"}
    for _ in range(2):
        joined = await client.post(f"{slot.book_path[: -len('/book')]}/waitlist", data=data, follow_redirects=False)
        assert joined.status_code == 303, joined.text
    assert await WaitlistEntry.count().where(WaitlistEntry.email == "first@example.org") == 1
    assert len(await emails_to("first@example.org")) == 1
    first = await place_token("first@example.org")
    assert (await client.get(f"/waitlist/place/{first}")).status_code == 200
    for who, places in (("second", "2"), ("third", "1")):
        joined = await book_form(client, slot, name=who.title(), email=f"{who}@example.org", places=places)
        assert joined.status_code == 303
        assert "private link" in words((await client.get(joined.headers["location"])).text)

    token = await place_token("second@example.org")
    link = f"/waitlist/place/{token}"
    page = await client.get(link)
    assert page.status_code == 200
    soup = check_page(page.text, "en")
    text = words(page.text)
    assert soup.find("h1").get_text() == "You are on the waiting list"
    assert "You are number 2 on the waiting list." in text
    assert "Community lunch &lt;b&gt;" in page.text
    assert "Places asked for 2" in text
    assert "someone further down the list who asked for fewer" in text  # asked for more than one place
    assert soup.find("form", attrs={"method": "post", "action": f"{link}/leave"}) is not None
    urdu = await client.get(link, headers={"Accept-Language": "ur"})
    check_page(urdu.text, "ur")
    assert "You are number" not in urdu.text
    assert soup.find("form", attrs={"action": f"{link}/leave"}) is not None

    # Opening the link (as a mail scanner does) changes nothing.
    before = await WaitlistEntry.select().order_by(WaitlistEntry.id)
    jobs = await OutboxJob.count()
    for _ in range(2):
        assert (await client.get(link)).status_code == 200
    assert await WaitlistEntry.select().order_by(WaitlistEntry.id) == before
    assert await OutboxJob.count() == jobs

    # Leaving needs the form's CSRF token.
    refused = await client.post(f"{link}/leave", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert (await entry_of("second@example.org"))["status"] == "waiting"

    left = await post_form(client, f"{link}/leave", {}, token_from=link)
    assert left.status_code == 303
    assert left.headers["location"] == link
    page = await client.get(link)
    soup = check_page(page.text, "en")
    assert soup.find("h1").get_text() == "You have left the waiting list"
    assert soup.find("form", attrs={"action": f"{link}/leave"}) is None
    check_page((await client.get(link, headers={"Accept-Language": "ur"})).text, "ur")
    entry = await entry_of("second@example.org")
    assert entry["status"] == "left"
    assert entry["active_key"] is None
    third = await client.get(f"/waitlist/place/{await place_token('third@example.org')}")
    assert "You are number 2 on the waiting list." in words(third.text)  # moved up

    # Leaving again changes nothing.
    after = await WaitlistEntry.select().order_by(WaitlistEntry.id)
    again = await post_form(client, f"{link}/leave", {}, token_from="/sign-in/email")  # e.g. a resubmitted form
    assert again.status_code == 303
    assert await WaitlistEntry.select().order_by(WaitlistEntry.id) == after

    # The active key is free: they can join again, at the back of the queue, with a new link.
    rejoined = await book_form(client, slot, name="Second", email="second@example.org")
    assert rejoined.status_code == 303
    assert rejoined.headers["location"].endswith("/waitlist/joined")
    new_token = await place_token("second@example.org")
    assert new_token != token
    assert "You are number 3 on the waiting list." in words((await client.get(f"/waitlist/place/{new_token}")).text)
    assert "You have left the waiting list" in (await client.get(link)).text  # the old link still says so


async def test_leaving_while_offered_passes_the_held_places_on_and_each_link_opens_its_own_page(
    client: Client, clock: SettableClock, settings: Settings
) -> None:
    slot = await make_slot(clock, capacity=1)
    await book_form(client, slot, name="Fay", email="fay@example.org")
    await book_form(client, slot, name="One", email="one@example.org")
    await book_form(client, slot, name="Two", email="two@example.org")
    (fay,) = await emails_to("fay@example.org")
    booking = TOKEN_PATH.search(fay["text"]).group(1)
    await post_form(client, f"/bookings/{booking}/cancel", {}, token_from=f"/bookings/{booking}/cancel")
    assert (await entry_of("one@example.org"))["status"] == "offered"
    assert await places_left(slot) == 0
    place = await place_token("one@example.org")
    (offer_email,) = await offer_emails("one@example.org")
    offer = OFFER_PATH.search(offer_email["text"]).group(1)

    # Both pages under /waitlist/ open from their own links, and neither token opens the other page.
    offer_page = await client.get(f"/waitlist/{offer}")
    assert offer_page.status_code == 200
    assert "A place is free for you" in offer_page.text
    place_page = await client.get(f"/waitlist/place/{place}")
    assert place_page.status_code == 200
    soup = check_page(place_page.text, "en")
    assert soup.find("h1").get_text() == "Places are being held for you"
    assert "We have emailed you a link to accept or decline the place we are holding for you." in words(place_page.text)
    assert "You are number" not in place_page.text
    assert soup.find("form", attrs={"action": f"/waitlist/place/{place}/leave"}) is not None
    check_page((await client.get(f"/waitlist/place/{place}", headers={"Accept-Language": "ur"})).text, "ur")
    for wrong in (f"/waitlist/{place}", f"/waitlist/place/{offer}", "/waitlist/place/not-a-real-place-token-xyz"):
        response = await client.get(wrong)
        assert response.status_code == 404, wrong
        assert "This link cannot be used" in response.text
    check_page((await client.get(f"/waitlist/place/{offer}")).text, "en")
    unknown = await post_form(client, f"/waitlist/place/{offer}/leave", {}, token_from=f"/waitlist/place/{place}")
    assert unknown.status_code == 404
    assert (await entry_of("one@example.org"))["status"] == "offered"

    # Leaving closes the offer: the held place goes straight to the next person waiting.
    left = await post_form(client, f"/waitlist/place/{place}/leave", {}, token_from=f"/waitlist/place/{place}")
    assert left.status_code == 303
    one = await entry_of("one@example.org")
    assert one["status"] == "left"
    assert one["active_key"] is None
    assert (await entry_of("two@example.org"))["status"] == "offered"
    assert await offer_emails("two@example.org")
    assert await places_left(slot) == 0  # held for Two now
    page = await client.get(f"/waitlist/place/{place}")
    assert check_page(page.text, "en").find("h1").get_text() == "You have left the waiting list"

    # The offer link says so, and can no longer book.
    old_offer = await client.get(f"/waitlist/{offer}")
    assert check_page(old_offer.text, "en").find("h1").get_text() == "You have left the waiting list"
    late = await post_form(client, f"/waitlist/{offer}/accept", {}, token_from="/sign-in/email")
    assert late.status_code == 410
    assert await Booking.count().where(Booking.status == "confirmed") == 0

    # When the closed offer's time comes, nothing happens to it, and no "time has passed" email goes to One.
    clock.advance(hours=24, seconds=1)
    await run_worker(settings, clock)
    assert (await entry_of("one@example.org"))["status"] == "left"
    assert await OutboxJob.count().where(OutboxJob.idempotency_key == f"waitlist-expired:{one['id']}") == 0


async def test_leaving_at_the_moment_a_place_is_offered_leaves_and_passes_the_place_on(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=1)
    created = (await client.post(slot.api_path, json={"name": "Cas", "email": "cas@example.org"})).json()
    service = service_of(app, clock)
    await join_waitlist(service, slot, "Wyn")
    await join_waitlist(service, slot, "Zed")
    place = await place_token("wyn@example.org")

    # Cas cancels (and clicks again) at the moment Wyn leaves (and clicks again): the freed place must not be
    # offered to Wyn, who has gone.
    async with browsers(app) as http:
        token = await page_token(http)
        answers = await all_at_once(
            *[lambda: http.post(f"/waitlist/place/{place}/leave", data={"_csrf_token": token}) for _ in range(3)],
            *[lambda: http.delete(f"/api/v1/bookings/{created['manage_token']}") for _ in range(3)],
        )
    assert [answer.status_code for answer in answers] == [303, 303, 303, 200, 200, 200], [a.text[:200] for a in answers]
    assert (await Booking.select(Booking.status).where(Booking.email == "cas@example.org").first()) == {
        "status": "cancelled"
    }
    wyn = await entry_of("wyn@example.org")
    assert wyn["status"] == "left"
    assert wyn["active_key"] is None
    assert (await entry_of("zed@example.org"))["status"] == "offered"
    assert await places_left(slot) == 0  # the one place, held for Zed's offer only
    assert await WaitlistEntry.count().where(WaitlistEntry.status == "offered") == 1
    assert await Booking.count().where(Booking.status == "confirmed") == 0


async def test_a_signed_in_resident_sees_and_leaves_their_own_waitlist_places_from_the_account_page(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=1)
    created = (await client.post(slot.api_path, json={"name": "Ed", "email": "ed@example.org"})).json()
    await sign_in_resident(client, "lee@example.org")
    joined = await book_form(client, slot, name="", email="")
    assert joined.status_code == 303, joined.text
    lee = await entry_of("lee@example.org")
    assert lee["user_id"] is not None
    service = service_of(app, clock)
    await join_waitlist(service, slot, "Kim")  # someone else, behind Lee
    kim = await entry_of("kim@example.org")

    page = await client.get("/account")
    soup = check_page(page.text, "en")
    text = words(page.text)
    assert "Your waiting list places" in text
    assert "Number 1 on the waiting list" in text
    actions = {str(form.get("action")) for form in soup.find_all("form")}
    assert f"/account/waitlist/{lee['id']}/leave" in actions
    assert f"/account/waitlist/{kim['id']}/leave" not in actions
    check_page((await client.get("/account", headers={"Accept-Language": "ur"})).text, "ur")
    # In Polish: the role in words, and the time without seconds ("12:30:00" once).
    polish = check_page((await client.get("/account", headers={"Accept-Language": "pl"})).text, "pl")
    shown = {
        row.dt.get_text(strip=True): row.dd.get_text(strip=True) for row in polish.select(".govuk-summary-list__row")
    }
    assert shown["Role"] == "Mieszkaniec"
    when = polish.select_one(".hb-card__meta").get_text()
    assert re.search(r"\b\d\d:\d\d\b", when)
    assert not re.search(r"\d\d:\d\d:\d\d", when)

    # Ed cancels: the place is held for Lee, and the account page says so.
    assert (await client.delete(f"/api/v1/bookings/{created['manage_token']}")).status_code == 200
    assert (await entry_of("lee@example.org"))["status"] == "offered"
    page = await client.get("/account")
    check_page(page.text, "en")
    assert "Held for you until" in words(page.text)

    # Someone else's place cannot be left from here; leaving needs the CSRF token.
    other = await post_form(client, f"/account/waitlist/{kim['id']}/leave", {}, token_from="/account")
    assert other.status_code == 303
    assert (await entry_of("kim@example.org"))["status"] == "waiting"
    refused = await client.post(f"/account/waitlist/{lee['id']}/leave", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert (await entry_of("lee@example.org"))["status"] == "offered"

    left = await post_form(client, f"/account/waitlist/{lee['id']}/leave", {}, token_from="/account")
    assert left.status_code == 303
    assert left.headers["location"] == "/account"
    lee = await entry_of("lee@example.org")
    assert lee["status"] == "left"
    assert lee["active_key"] is None
    assert (await entry_of("kim@example.org"))["status"] == "offered"  # the held place went on
    assert await places_left(slot) == 0
    page = await client.get("/account")
    check_page(page.text, "en")
    assert "Your waiting list places" not in page.text
    assert not await PersonalBookings(clock).bookings_for_user(lee["user_id"], email="lee@example.org")


async def test_an_offer_that_expires_unaccepted_emails_the_person_once_in_their_language(
    app: Litestar, client: Client, clock: SettableClock, settings: Settings
) -> None:
    slot = await make_slot(clock, capacity=1)
    created = (await client.post(slot.api_path, json={"name": "Cas", "email": "cas@example.org"})).json()
    service = service_of(app, clock)
    polish = BookingRequest(name="Ola", email="ola@example.org", places=1, locale="pl")
    assert (
        await service.waitlist.join_waitlist(slot.event_id, slot.occurrence_id, polish)
    ).outcome is Outcome.WAITLISTED
    await join_waitlist(service, slot, "Wyn")
    place = await place_token("ola@example.org")
    assert (await client.delete(f"/api/v1/bookings/{created['manage_token']}")).status_code == 200
    ola = await entry_of("ola@example.org")
    assert ola["status"] == "offered"
    expired_key = OutboxJob.idempotency_key == f"waitlist-expired:{ola['id']}"

    assert await service.waitlist.expire_offer(ola["id"]) is False  # not due yet
    clock.advance(hours=24, seconds=1)
    sender = await run_worker(settings, clock)
    assert (await entry_of("ola@example.org"))["status"] == "expired"
    assert (await entry_of("wyn@example.org"))["status"] == "offered"
    assert await OutboxJob.count().where(expired_key) == 1
    (job,) = await OutboxJob.select(OutboxJob.payload).where(expired_key)
    email = json.loads(job["payload"]) if isinstance(job["payload"], str) else job["payload"]
    assert email["to"] == "ola@example.org"
    assert email["locale"] == "pl"
    polish_subject = app.state["translations"]["pl"].gettext("The time to accept has passed: %(title)s")
    assert polish_subject != "The time to accept has passed: %(title)s"
    assert email["subject"].startswith(polish_subject.partition("%(title)s")[0])
    assert "The time to accept" not in email["text"]
    event_path = f"/events/{slot.event_id}/{slot.occurrence_id}"
    assert f"{settings.base_url}{event_path}" in email["text"]
    assert f'href="{settings.base_url}{event_path}"' in email["html"]
    sent = [message["Subject"] for message in sender.sent if message["To"] == "ola@example.org"]
    assert sent[-1] == email["subject"]  # after "you are on the waiting list" and the offer
    assert sent.count(email["subject"]) == 1

    # The place link says plainly what happened, in either language.
    page = await client.get(f"/waitlist/place/{place}")
    soup = check_page(page.text, "en")
    assert soup.find("h1").get_text() == "The time to accept has passed"
    assert "You are no longer on the waiting list." in words(page.text)
    assert soup.find("a", attrs={"href": event_path}) is not None
    check_page((await client.get(f"/waitlist/place/{place}", headers={"Accept-Language": "ur"})).text, "ur")

    # Running the expiry again sends nothing more.
    assert await service.waitlist.expire_offer(ola["id"]) is False
    again = await run_worker(settings, clock)
    assert not [message for message in again.sent if message["To"] == "ola@example.org"]
    assert await OutboxJob.count().where(expired_key) == 1


async def test_the_place_page_says_plainly_what_became_of_the_place_in_english_and_urdu(
    app: Litestar, client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=2, per_booking_limit=1)
    service = service_of(app, clock)
    booked = [(await client.post(slot.api_path, json={"name": n, "email": f"{n}@example.org"})).json() for n in "ab"]
    for who in ("Acc", "Dec", "Wait"):
        await join_waitlist(service, slot, who)
    for booking in booked:
        assert (await client.delete(f"/api/v1/bookings/{booking['manage_token']}")).status_code == 200
    acc_offer = OFFER_PATH.search((await offer_emails("acc@example.org"))[-1]["text"]).group(1)
    assert (await service.waitlist.accept_offer(acc_offer)).outcome is Outcome.BOOKED
    dec_offer = OFFER_PATH.search((await offer_emails("dec@example.org"))[-1]["text"]).group(1)
    assert await service.waitlist.decline_offer(dec_offer)
    assert (await entry_of("wait@example.org"))["status"] == "offered"  # Dec's place went on
    later = await make_slot(clock, capacity=1, starts_in=timedelta(hours=2))
    assert (await client.post(later.api_path, json={"name": "C", "email": "c@example.org"})).status_code == 201
    await join_waitlist(service, later, "Late")

    async def heading(address: str) -> str:
        link = f"/waitlist/place/{await place_token(address)}"
        check_page((await client.get(link, headers={"Accept-Language": "ur"})).text, "ur")
        soup = check_page((await client.get(link)).text, "en")
        leave = soup.find("form", attrs={"action": f"{link}/leave"})
        return f"{soup.find('h1').get_text()}{' (can leave)' if leave else ''}"

    assert await heading("acc@example.org") == "You have accepted your places"
    assert await heading("dec@example.org") == "You are no longer on the waiting list"
    assert await heading("wait@example.org") == "Places are being held for you (can leave)"
    assert await heading("late@example.org") == "You are on the waiting list (can leave)"
    clock.advance(hours=3)
    assert await heading("late@example.org") == "This event has already taken place"

    await Occurrence.update({Occurrence.status: "cancelled"}).where(Occurrence.id == slot.occurrence_id)
    await listing.refresh([slot.event_id])
    await service.occurrences.occurrence_cancelled(slot.occurrence_id, "The hall flooded")
    assert await heading("wait@example.org") == "This event has been cancelled"


async def test_cancelling_asks_first_and_keeps_the_booking_until_the_resident_says_yes(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock, capacity=3)
    await book_form(client, slot, name="Gus", email="gus@example.org")
    (gus,) = await emails_to("gus@example.org")
    token = TOKEN_PATH.search(gus["text"]).group(1)

    # The booking's page has no form that cancels: its button leads to a question.
    manage = check_page((await client.get(f"/bookings/{token}")).text, "en")
    assert not manage.select(f'form[action="/bookings/{token}/cancel"]')
    assert manage.select_one(".govuk-button--warning")["href"] == f"/bookings/{token}/cancel"
    for locale in ("pl", "ur"):  # the house checks, left to right and right to left
        check_page((await client.get(f"/bookings/{token}/cancel", headers={"Accept-Language": locale})).text, locale)
    asked = check_page((await client.get(f"/bookings/{token}/cancel")).text, "en")
    assert asked.h1.get_text(strip=True) == "Are you sure you want to cancel your booking?"
    assert asked.select_one(f'form[action="/bookings/{token}/cancel"] .govuk-button--warning')
    assert asked.find("a", string="No, keep my booking")["href"] == f"/bookings/{token}"
    assert await places_left(slot) == 2  # asking changed nothing

    cancelled = await post_form(client, f"/bookings/{token}/cancel", {}, token_from=f"/bookings/{token}/cancel")
    assert cancelled.status_code == 303
    assert await places_left(slot) == 3
    # Asked again once cancelled: back to the booking's page, which says so.
    again = await client.get(f"/bookings/{token}/cancel", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, f"/bookings/{token}")
    assert (await client.get("/bookings/not-a-real-token-at-all-0000/cancel")).status_code == 404
