"""The event form's text read into an EventIn, without a web request (`backend.events.event_form`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.events.event_form import TEXT_FIELDS, parse_event_form

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def filled(**values: str) -> dict[str, str]:
    base = dict.fromkeys(TEXT_FIELDS, "")
    base.update(
        organisation_id="7",
        title="Soup and conversation",
        description="Lunch together",
        attendance="in_person",
        starts_at="2026-12-01 18:30",
        ends_at="01/12/2026 20:00",
        recurrence="weekly",
        recurrence_until="2027-01-31",
        capacity="20",
        cost="£3.50",
    )
    base.update(values)
    return base


def test_a_well_filled_form_becomes_an_event_in_utc() -> None:
    data, problems = parse_event_form(filled(), {"languages": ["pl"]}, LONDON, NOW)
    assert problems == {}
    assert data.organisation_id == 7
    assert data.starts_at == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # London is on GMT in December
    assert data.ends_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    assert data.recurrence_until == datetime(2027, 1, 31, 23, 59, tzinfo=UTC)
    assert (data.capacity, data.per_booking_limit, data.cost_pence) == (20, 4, 350)
    assert data.languages == ["pl"]


def test_what_cannot_be_read_is_a_problem_for_its_field() -> None:
    values = filled(starts_at="tomorrow", ends_at="", capacity="twenty", cost="3.505", recurrence="daily")
    _data, problems = parse_event_form(values, {}, LONDON, NOW)
    assert {field: message for field, (message, _params) in problems.items()} == {
        "starts_at": "Enter a real date and time, like 2026-12-01 18:30",
        "ends_at": "Enter the date and time the event ends",
        "capacity": "Enter a whole number, like 20",
        "cost": "Enter the cost in pounds, like 3.50, or leave it empty if it is free",
        "recurrence": "Choose how often the event happens",
    }
