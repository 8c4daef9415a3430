"""The calendar and feed builders, and the date windows of the search (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import icalendar

from backend.events.calendar import CalendarEntry, event_ics, occurrence_ics
from backend.events.feeds import FeedItem, atom_feed
from backend.events.search_types import FilterInput, window

LONDON = ZoneInfo("Europe/London")


def entry(**changes: object) -> CalendarEntry:
    values: dict[str, object] = {
        "occurrence_id": 7,
        "event_id": 3,
        "title": "Quiz night; bring a team, please",
        "description": "Line one\nLine two",
        "starts_at": datetime(2030, 1, 10, 19, 0, tzinfo=UTC),
        "ends_at": datetime(2030, 1, 10, 21, 0, tzinfo=UTC),
        "sequence": 5,
        "location": "Village Hall, Church Lane, OX10 7AA",
        "url": "https://hearby.example.org/events/3/7",
        "latitude": 51.6,
        "longitude": -1.1,
    }
    values.update(changes)
    return CalendarEntry(**values)  # type: ignore[arg-type]


def test_an_occurrence_file_round_trips_through_icalendar() -> None:
    body = occurrence_ics(entry(), host="hearby.example.org", stamp=datetime(2029, 12, 1, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "occurrence-7@hearby.example.org"
    assert int(str(event["SEQUENCE"])) == 5
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Quiz night; bring a team, please"
    assert str(event["DESCRIPTION"]) == "Line one\nLine two"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTAMP") == datetime(2029, 12, 1, tzinfo=UTC)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_times_are_right_either_side_of_the_clock_change() -> None:
    winter = entry(starts_at=datetime(2030, 1, 10, 19, 0, tzinfo=UTC))
    summer = entry(occurrence_id=8, starts_at=datetime(2030, 7, 10, 18, 0, tzinfo=UTC))
    body = event_ics([winter, summer], host="h", stamp=datetime(2029, 12, 1, tzinfo=UTC))
    starts = [event.decoded("DTSTART") for event in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert [start.astimezone(LONDON).hour for start in starts] == [19, 19]  # 19:00 GMT, 19:00 BST
    assert [start.astimezone(UTC) for start in starts] == [winter.starts_at, summer.starts_at]


def test_a_cancelled_occurrence_says_so() -> None:
    body = occurrence_ics(entry(cancelled=True, sequence=6), host="h", stamp=datetime(2029, 12, 1, tzinfo=UTC))
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert (str(event["STATUS"]), int(str(event["SEQUENCE"]))) == ("CANCELLED", 6)


def test_the_atom_feed_escapes_everything() -> None:
    item = FeedItem(
        id="tag:h,2030:occurrence-1",
        title="<script>alert('x')</script> & more",
        url="https://h/events/1/1?a=1&b=2",
        summary="]]> <b>bold</b>",
        updated=datetime(2030, 1, 1, tzinfo=UTC),
        when="Tomorrow",
        where="Hall",
        language="en",
    )
    body = atom_feed(
        feed_id="https://h/events/feed.atom",
        title="Events & more",
        self_url="https://h/events/feed.atom?q=a&free=true",
        page_url="https://h/events",
        updated=datetime(2030, 1, 1, tzinfo=UTC),
        language="en",
        items=[item],
    )
    assert b"<script>" not in body
    root = ET.fromstring(body)
    ns = "{http://www.w3.org/2005/Atom}"
    entry_element = root.find(f"{ns}entry")
    assert entry_element is not None
    assert entry_element.findtext(f"{ns}title") == "<script>alert('x')</script> & more"
    assert "]]> <b>bold</b>" in (entry_element.findtext(f"{ns}summary") or "")


def test_date_windows_are_in_london_time() -> None:
    wednesday = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)  # 10:00 BST
    start, end = window("today", None, None, wednesday, LONDON)
    assert (start, end) == (wednesday, datetime(2030, 6, 13, tzinfo=LONDON))
    start, end = window("weekend", None, None, wednesday, LONDON)
    assert (start, end) == (datetime(2030, 6, 15, tzinfo=LONDON), datetime(2030, 6, 17, tzinfo=LONDON))
    sunday = datetime(2030, 6, 16, 12, 0, tzinfo=UTC)
    assert window("weekend", None, None, sunday, LONDON) == (sunday, datetime(2030, 6, 17, tzinfo=LONDON))
    start, end = window("week", None, None, wednesday, LONDON)
    assert end is not None
    assert end - start > timedelta(days=7)
    start, end = window("", date(2030, 6, 20), date(2030, 6, 21), wednesday, LONDON)
    assert (start, end) == (datetime(2030, 6, 20, tzinfo=LONDON), datetime(2030, 6, 22, tzinfo=LONDON))


def test_filters_make_a_query_string_without_empty_values() -> None:
    filters = FilterInput(q="tea & cake", accessibility=("step_free", "parking"), free=True, postcode="OX4")
    assert (
        filters.query_string() == "q=tea+%26+cake&postcode=OX4&accessibility=step_free&accessibility=parking&free=true"
    )
    assert FilterInput(radius_miles="5").query_string() == ""  # a radius means nothing without a postcode
    assert not FilterInput().any


def test_the_api_enumerations_match_the_vocabularies() -> None:
    from typing import get_args

    from backend.events.discovery_api import AccessibilityCode, LanguageCode, SuitsCode
    from backend.events.schemas import ACCESSIBILITY_CODES, LANGUAGE_CODES, SUITS_CODES

    assert get_args(AccessibilityCode) == ACCESSIBILITY_CODES
    assert get_args(LanguageCode) == LANGUAGE_CODES
    assert get_args(SuitsCode) == SUITS_CODES
