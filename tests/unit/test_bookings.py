"""Bookings rules that need no database: offer windows, link tokens, and the `.ics` email attachment."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from backend.bookings.ics import ics_attachment, occurrence_ics
from backend.bookings.schemas import BookingDetails, check_booking_details
from backend.bookings.tokens import active_key, derived_token, digest, offer_window
from backend.events.capacity import OccurrenceForBooking
from backend.notifications.email import PermanentDeliveryError, build_message

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def occurrence(**changes: object) -> OccurrenceForBooking:
    values: dict[str, object] = {
        "occurrence_id": 7,
        "event_id": 3,
        "organisation_id": 1,
        "title": "Café <lunch>",
        "starts_at": NOW + timedelta(days=2),
        "ends_at": NOW + timedelta(days=2, hours=2),
        "status": "scheduled",
        "event_status": "published",
        "capacity": 10,
        "places_left": 4,
        "per_booking_limit": 4,
        "is_online": False,
        "online_url": "",
        "venue_name": "Hall",
        "address": "1 High Street",
        "postcode": "OX4 1AA",
        "sequence": 2,
    }
    values.update(changes)
    return OccurrenceForBooking(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("until_start", "window"),
    [
        (timedelta(days=5), timedelta(hours=24)),
        (timedelta(hours=10), timedelta(hours=5)),
        (timedelta(minutes=40), timedelta(minutes=20)),
        (timedelta(minutes=31), timedelta(minutes=15, seconds=30)),
        (timedelta(minutes=30), None),
        (timedelta(minutes=-5), None),
    ],
)
def test_offers_last_24_hours_or_less_when_the_event_is_soon(until_start: timedelta, window: timedelta | None) -> None:
    assert offer_window(NOW + until_start, NOW) == window


def test_link_tokens_derived_from_a_request_key_are_stable_secret_and_url_safe() -> None:
    first = derived_token("secret", "booking", "nonce-1")
    assert first == derived_token("secret", "booking", "nonce-1")
    assert first != derived_token("other secret", "booking", "nonce-1")
    assert first != derived_token("secret", "waitlist-accept", "nonce-1")
    assert len(first) >= 40
    assert all(c.isalnum() or c in "-_" for c in first)
    assert digest(first) != first
    assert len(digest(first)) == 64


def test_one_active_booking_per_email_per_occurrence_ignores_case() -> None:
    assert active_key(7, "Ala@Example.ORG") == active_key(7, "ala@example.org") == "7:ala@example.org"


def test_the_ics_has_a_stable_uid_london_time_and_cancelled_status() -> None:
    ics = occurrence_ics(occurrence(), base_url="https://hearby.example.org", now=NOW).decode()
    assert "UID:occurrence-7@hearby.example.org" in ics
    assert "DTSTART;TZID=Europe/London:20261127T120000" in ics
    assert "SEQUENCE:2" in ics
    assert "STATUS:CONFIRMED" in ics
    cancelled = occurrence_ics(occurrence(status="cancelled"), base_url="https://hearby.example.org", now=NOW)
    assert b"STATUS:CANCELLED" in cancelled


def test_an_email_payload_with_an_ics_attachment_becomes_multipart_mixed() -> None:
    data = occurrence_ics(occurrence(), base_url="https://hearby.example.org", now=NOW)
    payload = {
        "to": "ala@example.org",
        "subject": "Booking confirmed",
        "text": "Hello",
        "html": "<p>Hello</p>",
        "locale": "pl",
        "attachments": [ics_attachment(data)],
    }
    message = build_message(payload, idempotency_key="booking:1", mail_from="Hearby <n@hearby.test>", now=NOW)
    assert message.get_content_type() == "multipart/mixed"
    assert message["Content-Language"] == "pl"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "event.ics"
    assert attachment.get_payload(decode=True) == data
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().strip() == "Hello"


@pytest.mark.parametrize(
    "attachments",
    [
        [{"filename": "a.ics", "content_type": "text/calendar", "content_base64": "not base64!"}],
        [{"filename": "a.ics", "content_type": "text/calendar\r\nBcc: x@y.z", "content_base64": ""}],
        "not a list",
        [{"filename": "a", "content_type": "text/plain", "content_base64": base64.b64encode(b"x").decode()}] * 6,
    ],
)
def test_bad_attachments_are_permanent_failures(attachments: object) -> None:
    payload = {"to": "a@example.org", "subject": "s", "text": "t", "html": "h", "attachments": attachments}
    with pytest.raises(PermanentDeliveryError):
        build_message(payload, idempotency_key="k", mail_from="n@hearby.test", now=NOW)


def test_payloads_without_attachments_are_unchanged() -> None:
    payload = {"to": "a@example.org", "subject": "s", "text": "t", "html": "h", "locale": "en"}
    message = build_message(payload, idempotency_key="k", mail_from="n@hearby.test", now=NOW)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "en"


BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"


@pytest.mark.parametrize(
    ("name", "email", "places", "problems"),
    [
        ("  Ala Kowalska ", " Ala@Example.ORG ", "2", {}),
        ("  Ala Kowalska ", " Ala@Example.ORG ", "4", {}),
        ("", "ala@example.org", 1, {"name": "Enter your name"}),
        ("x" * 121, "ala@example.org", 1, {"name": "Your name must be %(count)s characters or fewer"}),
        ("Ala", "", 1, {"email": "Enter your email address"}),
        ("Ala", "ala@example", 1, {"email": BAD_EMAIL}),
        (
            "Ala",
            "ala@ex ample.org",
            1,
            {"email": BAD_EMAIL},
        ),
        ("Ala", "ala@example.org", "0", {"places": "Enter a number of places from 1 to %(limit)s"}),
        ("Ala", "ala@example.org", "two", {"places": "Enter a number of places from 1 to %(limit)s"}),
        ("Ala", "ala@example.org", 51, {"places": "Enter a number of places from 1 to %(limit)s"}),
        ("Ala", "ala@example.org", "5", {"places": "Enter a number of places from 1 to %(limit)s"}),
    ],
)
def test_the_one_check_of_booking_details(name: str, email: str, places: str | int, problems: dict[str, str]) -> None:
    details, found = check_booking_details(name, email, places, limit=4)
    assert {field: message for field, (message, _params) in found.items()} == problems
    if not problems:
        assert details == BookingDetails(name="Ala Kowalska", email="ala@example.org", places=int(places))
    if "places" in problems:
        assert found["places"][1] == {"limit": 4}
