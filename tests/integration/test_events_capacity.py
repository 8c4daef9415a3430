"""A partner changes an event's capacity with people booked and waiting (SQLite and PostgreSQL).

The places booked or held always stand: a capacity below them is refused on the capacity field, a drop-in
and back keeps them, a change moves places left by the change relative to the row as it is written (so a
booking committed meanwhile counts), and new places go to the waitlist before anyone new can book them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.schemas import BookingRequest, Outcome
from backend.bookings.services import BookingsService
from backend.bookings.tables import Booking, WaitlistEntry
from backend.core.auth import CurrentUser
from backend.core.clock import SettableClock
from backend.events.capacity import CapacityService
from backend.events.reference import load_reference_data
from backend.events.services import EventsService
from backend.events.tables import Occurrence
from tests.integration.test_bookings import make_slot
from tests.integration.test_events_partner import event_form, make_organisation, only_event, post_event
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, Person, partner_of, post_form, sign_in

Client = AsyncTestClient[Litestar]
REFUSED = "that many places are already booked or held on a date of this event"


def bookings(app: Litestar, clock: SettableClock) -> BookingsService:
    state = app.state
    return BookingsService(state["settings"], clock, state["engine"], state["email_renderer"])


def events(app: Litestar, clock: SettableClock) -> EventsService:
    state = app.state
    return EventsService(
        state["settings"], clock, state["engine"], state["email_renderer"], bookings=state["wiring"].bookings_for_events
    )


async def posted_event(
    client: Client, people: PeopleFactory, clock: SettableClock, capacity: str
) -> tuple[int, int, int, Person]:
    """A trusted partner's published one-date event: (organisation, event, occurrence, partner), signed in."""
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    response = await post_event(client, event_form(clock, organisation, capacity=capacity, per_booking_limit="4"))
    assert response.status_code == 302, response.text
    event = await only_event()
    assert event["status"] == "published"
    occurrence = await Occurrence.select(Occurrence.id).where(Occurrence.event == event["id"]).first()
    assert occurrence is not None
    return organisation, event["id"], occurrence["id"], partner


async def book(service: BookingsService, event_id: int, occurrence_id: int, who: str, places: int = 1) -> Outcome:
    request = BookingRequest(name=who, email=f"{who}@example.org", places=places)
    return (await service.booking.book(event_id, occurrence_id, request)).outcome


async def places(occurrence_id: int) -> tuple[int | None, int | None]:
    """(capacity, places left) of an occurrence."""
    row = (
        await Occurrence.select(Occurrence.capacity, Occurrence.places_left)
        .where(Occurrence.id == occurrence_id)
        .first()
    )
    assert row is not None
    return row["capacity"], row["places_left"]


async def booked(occurrence_id: int) -> int:
    rows = await Booking.select(Booking.places).where(
        (Booking.occurrence_id == occurrence_id) & (Booking.status == "confirmed")
    )
    return sum(row["places"] for row in rows)


async def held(occurrence_id: int) -> int:
    rows = await WaitlistEntry.select(WaitlistEntry.places).where(
        (WaitlistEntry.occurrence_id == occurrence_id) & (WaitlistEntry.status == "offered")
    )
    return sum(row["places"] for row in rows)


async def assert_consistent(occurrence_id: int) -> None:
    """Places booked, held and left add up to the capacity."""
    capacity, left = await places(occurrence_id)
    assert capacity is not None
    assert left is not None
    assert left >= 0
    assert await booked(occurrence_id) + await held(occurrence_id) + left == capacity


async def edit(client: Client, clock: SettableClock, organisation: int, event_id: int, capacity: str) -> Any:
    return await post_form(
        client,
        f"/partner/events/{event_id}/edit",
        event_form(clock, organisation, capacity=capacity, per_booking_limit="4"),
    )


async def test_capacity_below_the_places_booked_is_refused_and_cancellations_cannot_overbook(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation, event_id, occurrence_id, _partner = await posted_event(client, people, clock, "10")
    service = bookings(app, clock)
    for number in range(10):
        assert await book(service, event_id, occurrence_id, f"p{number}") is Outcome.BOOKED
    assert await places(occurrence_id) == (10, 0)

    refused = await edit(client, clock, organisation, event_id, "5")
    assert refused.status_code == 400
    check_page(refused.text, "en")
    assert f"Enter 10 or more: {REFUSED}" in refused.text
    assert await places(occurrence_id) == (10, 0)
    assert (await only_event())["capacity"] == 10  # nothing of the edit was saved

    # Three cancel: the places come back, and capacity may come down to what is booked, no further.
    for number in range(3):
        assert await service.booking.cancel_for_user(
            (await Booking.select(Booking.id).where(Booking.email == f"p{number}@example.org").first())["id"],
            0,
            f"p{number}@example.org",
        )
    await assert_consistent(occurrence_id)
    assert f"Enter 7 or more: {REFUSED}" in (await edit(client, clock, organisation, event_id, "6")).text
    saved = await edit(client, clock, organisation, event_id, "7")
    assert saved.status_code == 302, saved.text
    assert await places(occurrence_id) == (7, 0)

    # A later cancellation gives back one place of seven, not a place over the capacity.
    first = await Booking.select(Booking.id).where(Booking.email == "p3@example.org").first()
    assert await service.booking.cancel_for_user(first["id"], 0, "p3@example.org")
    assert await places(occurrence_id) == (7, 1)
    assert await book(service, event_id, occurrence_id, "late") is Outcome.BOOKED
    assert await book(service, event_id, occurrence_id, "later") is Outcome.FULL
    assert await booked(occurrence_id) == 7
    await assert_consistent(occurrence_id)


async def test_a_drop_in_and_back_keeps_the_bookings(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation, event_id, occurrence_id, _partner = await posted_event(client, people, clock, "10")
    service = bookings(app, clock)
    for number in range(6):
        assert await book(service, event_id, occurrence_id, f"p{number}") is Outcome.BOOKED

    assert (await edit(client, clock, organisation, event_id, "")).status_code == 302
    assert await places(occurrence_id) == (None, None)
    assert await book(service, event_id, occurrence_id, "walk-in") is Outcome.DROP_IN

    refused = await edit(client, clock, organisation, event_id, "4")
    assert refused.status_code == 400
    assert f"Enter 6 or more: {REFUSED}" in refused.text
    assert await places(occurrence_id) == (None, None)

    assert (await edit(client, clock, organisation, event_id, "8")).status_code == 302
    assert await places(occurrence_id) == (8, 2)
    await assert_consistent(occurrence_id)
    assert await book(service, event_id, occurrence_id, "new", places=3) is Outcome.FULL
    assert await book(service, event_id, occurrence_id, "new", places=2) is Outcome.BOOKED
    assert await booked(occurrence_id) == 8


async def test_raising_the_capacity_offers_the_new_places_to_the_waitlist_first(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation, event_id, occurrence_id, _partner = await posted_event(client, people, clock, "2")
    service = bookings(app, clock)
    for number in range(2):
        assert await book(service, event_id, occurrence_id, f"p{number}") is Outcome.BOOKED
    for who, wanted in (("first", 2), ("second", 1)):
        request = BookingRequest(name=who, email=f"{who}@example.org", places=wanted)
        assert (await service.waitlist.join_waitlist(event_id, occurrence_id, request)).outcome is Outcome.WAITLISTED

    # One new place: too few for the first person waiting (who keeps their turn), so the second is offered it.
    assert (await edit(client, clock, organisation, event_id, "3")).status_code == 302
    statuses = {row["email"]: row["status"] for row in await WaitlistEntry.select()}
    assert statuses == {"first@example.org": "waiting", "second@example.org": "offered"}
    assert await places(occurrence_id) == (3, 0)
    assert await book(service, event_id, occurrence_id, "jumper") is Outcome.FULL

    # Two more: the first person waiting is offered both; nobody new can take them.
    assert (await edit(client, clock, organisation, event_id, "5")).status_code == 302
    statuses = {row["email"]: row["status"] for row in await WaitlistEntry.select()}
    assert statuses == {"first@example.org": "offered", "second@example.org": "offered"}
    assert await places(occurrence_id) == (5, 0)
    assert await book(service, event_id, occurrence_id, "jumper") is Outcome.FULL
    await assert_consistent(occurrence_id)

    # The places held by offers count too: the capacity cannot come down below booked plus held.
    refused = await edit(client, clock, organisation, event_id, "4")
    assert f"Enter 5 or more: {REFUSED}" in refused.text


async def test_a_booking_committed_after_the_read_still_counts(app: Litestar, clock: SettableClock) -> None:
    """The capacity statement is relative to the row as written, not to what was read before it."""
    slot = await make_slot(clock, capacity=10)
    service = bookings(app, clock)
    for number in range(5):
        assert await book(service, slot.event_id, slot.occurrence_id, f"p{number}") is Outcome.BOOKED
    stale = await service.occurrences.counts([slot.occurrence_id])  # what an edit read: 5 booked, 5 left
    assert stale == {slot.occurrence_id: 5}
    assert await book(service, slot.event_id, slot.occurrence_id, "meanwhile", places=3) is Outcome.BOOKED

    capacity = CapacityService(clock)
    assert await capacity.change_capacity(slot.occurrence_id, 9, booked=5)
    assert await places(slot.occurrence_id) == (9, 1)  # 8 booked, not 5
    assert not await capacity.change_capacity(slot.occurrence_id, 7, booked=5)  # below the 8 now booked
    assert await places(slot.occurrence_id) == (9, 1)
    await assert_consistent(slot.occurrence_id)


async def test_an_edit_racing_bookings_never_overbooks(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation, event_id, occurrence_id, partner = await posted_event(client, people, clock, "10")
    service = bookings(app, clock)
    for number in range(4):
        assert await book(service, event_id, occurrence_id, f"early{number}") is Outcome.BOOKED
    partners = events(app, clock)
    user = CurrentUser(
        id=partner.id,
        email=partner.email,
        display_name="Partner",
        roles=partner.roles,
        organisation_ids=frozenset({organisation}),
    )
    view = await partners.reader.event_for_partner(user, event_id)
    lowered = msgspec.structs.replace(view.as_input(), capacity=6)

    edit_task = asyncio.ensure_future(partners.posting.update_event(user, event_id, lowered))
    outcomes = await asyncio.gather(*(book(service, event_id, occurrence_id, f"racer{number}") for number in range(6)))
    saved = await edit_task
    capacity, left = await places(occurrence_id)
    await assert_consistent(occurrence_id)
    if saved.ok:
        assert capacity == 6
    else:
        assert capacity == 10
        assert set(saved.problems) == {"capacity"}
    assert outcomes.count(Outcome.BOOKED) == await booked(occurrence_id) - 4
    assert left is not None
    assert await booked(occurrence_id) <= capacity
