"""The partner API beyond posting: a date's attendees (list, message), cancel the whole event, duplicate, move
one date, and changing an event with PUT, as a signed-in partner, anonymously and as another organisation's
partner (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.tables import Booking
from backend.core.clock import SettableClock
from backend.core.tables import AuditEntry, OutboxJob
from backend.events.tables import Event, Occurrence
from tests.support.events import MadeEvent, ensure_categories, make_event, make_organisation
from tests.support.people import PeopleFactory, partner_of, sign_in

Client = AsyncTestClient[Litestar]
API = "/api/v1/partner/events"


async def weekly_event(clock: SettableClock, organisation_id: int, *, weeks: int = 3) -> MadeEvent:
    """A published event with a date a week for `weeks` weeks, ten places each, starting in three days."""
    return await make_event(organisation_id, clock.now() + timedelta(days=3), capacity=10, weekly=weeks)


async def book(client: Client, event: MadeEvent, occurrence_id: int, **fields: Any) -> dict[str, Any]:
    """Book places through the public booking API, as a resident would."""
    response = await client.post(f"/api/v1/events/{event.id}/occurrences/{occurrence_id}/bookings", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def outbox_payloads(key_prefix: str) -> list[dict[str, Any]]:
    rows = await OutboxJob.select(OutboxJob.idempotency_key, OutboxJob.payload).order_by(OutboxJob.id)
    return [
        json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        for row in rows
        if row["idempotency_key"].startswith(key_prefix)
    ]


async def test_attendees_list_each_confirmed_booking_with_access_needs_and_is_audited(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    event = await weekly_event(clock, organisation)
    first, second = event.occurrences[0], event.occurrences[1]
    ala = await book(client, event, first, name="Ala Nowak", email="ala@example.org", places=2, access_needs="Ramp")
    await book(client, event, first, name="Sam Jones", email="sam@example.org")
    gone = await book(client, event, first, name="Kim Lee", email="kim@example.org")
    assert (await client.delete(f"/api/v1/bookings/{gone['manage_token']}")).status_code == 200
    await book(client, event, second, name="Other Date", email="other@example.org")
    await sign_in(client, await partner_of(people, organisation), clock)

    response = await client.get(f"{API}/{event.id}/occurrences/{first}/attendees")

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    people_booked = response.json()
    assert [(p["name"], p["email"], p["places"], p["access_needs"]) for p in people_booked] == [
        ("Ala Nowak", "ala@example.org", 2, "Ramp"),
        ("Sam Jones", "sam@example.org", 1, ""),
    ]
    assert people_booked[0]["booking_id"] == ala["booking"]["id"]
    assert moment(people_booked[0]["booked_at"]) == moment(ala["booking"]["created_at"])
    audit = await AuditEntry.select().where(AuditEntry.action == "event.attendees_exported")
    assert [(row["subject_id"], row["subject_type"]) for row in audit] == [(str(first), "occurrence")]


async def test_message_emails_each_active_booking_once_and_checks_the_text_like_the_page(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    event = await weekly_event(clock, organisation)
    first = event.occurrences[0]
    await book(client, event, first, name="Ala Nowak", email="ala@example.org", places=2)
    await book(client, event, first, name="Sam Jones", email="sam@example.org")
    gone = await book(client, event, first, name="Kim Lee", email="kim@example.org")
    await client.delete(f"/api/v1/bookings/{gone['manage_token']}")
    await book(client, event, event.occurrences[1], name="Other Date", email="other@example.org")
    await sign_in(client, await partner_of(people, organisation), clock)
    path = f"{API}/{event.id}/occurrences/{first}/message"

    response = await client.post(path, json={"subject": "   ", "message": "x" * 5001})
    assert response.status_code == 400
    body = response.json()
    assert body["status_code"] == 400
    assert body["detail"] == "Some details need changing"
    assert body["errors"] == [
        {"key": "subject", "source": "body", "message": "Enter a subject"},
        {"key": "message", "source": "body", "message": "Must be 5000 characters or fewer"},
    ]
    response = await client.post(path, json={"subject": "Hello"})  # the schema says `message` is required
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["source"], error["message"]) == ("body", "Object missing required field `message`")
    assert await outbox_payloads("attendee-message:") == []

    response = await client.post(path, json={"subject": " Room change ", "message": "We are in the small hall.\n"})

    assert response.status_code == 200, response.text
    assert response.json() == {"messaged": 2}
    sent = await outbox_payloads("attendee-message:")
    assert sorted(payload["to"] for payload in sent) == ["ala@example.org", "sam@example.org"]
    assert all("We are in the small hall." in payload["text"] for payload in sent)
    assert all("Room change" in payload["subject"] for payload in sent)
    (audit,) = await AuditEntry.select().where(AuditEntry.action == "event.attendees_messaged")
    details = json.loads(audit["details"]) if isinstance(audit["details"], str) else audit["details"]
    assert details == {"event_id": event.id, "recipients": 2}


async def test_cancelling_the_whole_event_cancels_every_date_and_its_bookings(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    event = await weekly_event(clock, organisation)
    for number, occurrence_id in enumerate(event.occurrences):
        await book(client, event, occurrence_id, name=f"Resident {number}", email=f"resident{number}@example.org")
    await sign_in(client, await partner_of(people, organisation), clock)

    response = await client.post(f"{API}/{event.id}/cancel", json={"reason": "The hall has closed"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == event.id
    assert body["status"] == "cancelled"
    assert [o["status"] for o in body["occurrences"]] == ["cancelled"] * 3
    rows = await Occurrence.select(Occurrence.status).where(Occurrence.event == event.id)
    assert [row["status"] for row in rows] == ["cancelled"] * 3
    bookings = await Booking.select(Booking.status).where(Booking.event_id == event.id)
    assert [row["status"] for row in bookings] == ["cancelled"] * 3
    (audit,) = await AuditEntry.select().where(AuditEntry.action == "event.cancelled")
    assert audit["reason"] == "The hall has closed"
    response = await client.post(f"{API}/{event.id}/cancel", json={"reason": "x" * 1001})
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "reason"


async def test_duplicate_makes_a_draft_copy_and_answers_it(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    event = await weekly_event(clock, organisation)
    await sign_in(client, await partner_of(people, organisation), clock)

    response = await client.post(f"{API}/{event.id}/duplicate", headers={"Origin": "https://evil.example"}, json={})
    assert response.status_code == 403
    response = await client.post(f"{API}/{event.id}/duplicate")
    assert response.status_code == 415
    assert await Event.count() == 1

    response = await client.post(f"{API}/{event.id}/duplicate", json={})

    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != event.id
    assert copy["status"] == "draft"
    assert copy["title"] == "Community coffee morning"
    assert copy["organisation_id"] == organisation
    assert len(copy["occurrences"]) == 1
    row = await Event.select(Event.status, Event.title).where(Event.id == copy["id"]).first()
    assert row == {"status": "draft", "title": "Community coffee morning"}
    assert await AuditEntry.exists().where(AuditEntry.action == "event.duplicated")


async def test_change_moves_one_date_and_refuses_an_end_before_the_start(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    event = await weekly_event(clock, organisation)
    other = await weekly_event(clock, organisation, weeks=1)
    second = event.occurrences[1]
    await sign_in(client, await partner_of(people, organisation), clock)
    path = f"{API}/{event.id}/occurrences/{second}/change"
    starts = clock.now() + timedelta(days=12, hours=3)

    response = await client.post(
        path, json={"starts_at": starts.isoformat(), "ends_at": (starts - timedelta(hours=1)).isoformat()}
    )
    assert response.status_code == 400
    assert response.json() == {
        "status_code": 400,
        "detail": "Some details need changing",
        "errors": [{"key": "ends_at", "source": "body", "message": "The end must be after the start"}],
    }
    past = clock.now() - timedelta(days=1)
    response = await client.post(
        path, json={"starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=1)).isoformat()}
    )
    assert [error["key"] for error in response.json()["errors"]] == ["starts_at"]
    response = await client.post(path, json={"starts_at": "next tuesday", "ends_at": starts.isoformat()})
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == "starts_at"
    response = await client.post(
        f"{API}/{event.id}/occurrences/{other.occurrences[0]}/change",
        json={"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()},
    )
    assert response.status_code == 404  # a date of another event

    response = await client.post(
        path, json={"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
    )

    assert response.status_code == 200, response.text
    moved = next(o for o in response.json()["occurrences"] if o["id"] == second)
    assert moment(moved["starts_at"]) == starts
    assert moved["changed_alone"] is True
    row = await Occurrence.select().where(Occurrence.id == second).first()
    assert row is not None
    assert row["starts_at"] == starts
    assert row["ends_at"] == starts + timedelta(hours=2)
    untouched = await Occurrence.select(Occurrence.changed_alone).where(Occurrence.id == event.occurrences[0]).first()
    assert untouched == {"changed_alone": False}
    cancel = f"{API}/{event.id}/occurrences/{second}/cancel"
    assert (await client.post(cancel, json={"reason": "x" * 1001})).status_code == 400  # as long as the page allows
    assert (await client.post(cancel, json={"reason": "x" * 1000})).status_code == 200
    response = await client.post(
        path, json={"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
    )
    assert response.status_code == 409


def new_operations(event: MadeEvent, clock: SettableClock) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Each new operation on this event's first date, with a body that would succeed."""
    occurrence = f"{API}/{event.id}/occurrences/{event.occurrences[0]}"
    starts = clock.now() + timedelta(days=20)
    return [
        ("GET", f"{occurrence}/attendees", None),
        ("POST", f"{occurrence}/message", {"subject": "Hello", "message": "See you soon"}),
        ("POST", f"{API}/{event.id}/cancel", {"reason": "Closed"}),
        ("POST", f"{API}/{event.id}/duplicate", {}),
        (
            "POST",
            f"{occurrence}/change",
            {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()},
        ),
    ]


async def test_anonymous_visitors_must_sign_in(client: Client, clock: SettableClock) -> None:
    event = await weekly_event(clock, await make_organisation("Cowley Larder", trusted=True))
    for method, path, body in new_operations(event, clock):
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json()["status_code"] == 401
    assert await Event.count() == 1
    assert (await Event.select(Event.status).first()) == {"status": "published"}


async def test_another_organisations_partner_is_told_there_is_no_such_event(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    theirs = await make_organisation("Banbury School", trusted=True)
    event = await weekly_event(clock, theirs)
    await book(client, event, event.occurrences[0], name="Ala Nowak", email="ala@example.org", access_needs="Ramp")
    await sign_in(client, await partner_of(people, await make_organisation("Cowley Larder", trusted=True)), clock)
    for method, path, body in new_operations(event, clock):
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        assert "Ramp" not in response.text
        assert set(response.json()) >= {"status_code", "detail"}
    assert await Event.count() == 1
    assert (await Event.select(Event.status).first()) == {"status": "published"}
    rows = await Occurrence.select(Occurrence.status, Occurrence.changed_alone).where(Occurrence.event == event.id)
    assert all(row == {"status": "scheduled", "changed_alone": False} for row in rows)
    assert await outbox_payloads("attendee-message:") == []
    assert not await AuditEntry.exists().where(AuditEntry.action.like("event.%"))


def event_body(organisation_id: int, starts: datetime, **overrides: Any) -> dict[str, Any]:
    body = {
        "organisation_id": organisation_id,
        "title": "Repair café",
        "description": "Bring something broken.",
        "category": "environment",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "postcode": "OX4 1AA",
        "venue_name": "Community centre",
        "capacity": 12,
    }
    return {**body, **overrides}


@pytest.mark.parametrize("trusted", [True, False])
async def test_put_changes_an_event_as_its_partner(
    client: Client, people: PeopleFactory, clock: SettableClock, *, trusted: bool
) -> None:
    await ensure_categories()
    organisation = await make_organisation("Cowley Larder", trusted=trusted)
    await sign_in(client, await partner_of(people, organisation), clock)
    starts = clock.now() + timedelta(days=3)
    created = (await client.post(API, json=event_body(organisation, starts))).json()
    if not trusted:  # an officer publishes it, so the change below is to a published event
        await Event.update({Event.status: "published"}).where(Event.id == created["id"])
    path = f"{API}/{created['id']}"

    response = await client.put(path, json=event_body(organisation, starts, postcode="ZZ99 9ZZ"))
    assert response.status_code == 400
    assert [error["key"] for error in response.json()["errors"]] == ["postcode"]
    response = await client.put(
        path, json=event_body(organisation, starts, title="Repair café and swap"), headers={"Origin": "https://x.test"}
    )
    assert response.status_code == 403

    response = await client.put(path, json=event_body(organisation, starts, title="Repair café and swap", capacity=15))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == created["id"]
    assert body["status"] == "published"
    row = await Event.select(Event.title, Event.capacity).where(Event.id == created["id"]).first()
    assert row is not None
    if trusted:
        assert body["has_pending_changes"] is False
        assert (body["title"], body["capacity"]) == ("Repair café and swap", 15)
        assert (row["title"], row["capacity"]) == ("Repair café and swap", 15)
        assert await AuditEntry.exists().where(AuditEntry.action == "event.updated")
    else:  # a material change to a published event waits for an officer; the approved version stays
        assert body["has_pending_changes"] is True
        assert (body["title"], row["title"], row["capacity"]) == ("Repair café", "Repair café", 12)
        assert await AuditEntry.exists().where(AuditEntry.action == "event.change_requested")


async def test_put_by_another_organisations_partner_changes_nothing(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    theirs = await make_organisation("Banbury School", trusted=True)
    event = await weekly_event(clock, theirs, weeks=1)
    ours = await make_organisation("Cowley Larder", trusted=True)
    await sign_in(client, await partner_of(people, ours), clock)
    starts = clock.now() + timedelta(days=3)
    for organisation in (ours, theirs):
        response = await client.put(f"{API}/{event.id}", json=event_body(organisation, starts, title="Hijacked"))
        assert response.status_code == 404
    assert (await Event.select(Event.title).first()) == {"title": "Community coffee morning"}
