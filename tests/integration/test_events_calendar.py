"""Calendars and feeds: `.ics` per event and per date, the subscribable ICS feed and the Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import icalendar
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.events import listing
from backend.events.tables import Event, Occurrence
from tests.support.events import make_event, make_organisation

Client = AsyncTestClient[Litestar]
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _stand_still(clock: SettableClock) -> None:
    clock.current = NOW


def events_of(body: bytes) -> list[Any]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


async def test_an_event_file_holds_every_date_with_stable_uids_sequence_and_time_zone(client: Client) -> None:
    made = await make_event(await make_organisation(), NOW + timedelta(days=1), weekly=3, sequence=2)
    response = await client.get(f"/events/{made.id}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    entries = events_of(response.content)
    assert [str(entry["UID"]) for entry in entries] == [f"occurrence-{oid}@127.0.0.1" for oid in made.occurrences]
    first = entries[0]
    assert int(str(first["SEQUENCE"])) == 2
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.decoded("DTSTART").astimezone(UTC) == NOW + timedelta(days=1)
    assert "DTSTAMP" in first
    assert "East Oxford Community Centre" in str(first["LOCATION"])
    assert str(first["URL"]).endswith(f"/events/{made.id}/{made.occurrences[0]}")

    # A change bumps SEQUENCE and a cancelled date says so; the UID stays the same.
    await Occurrence.update({Occurrence.status: "cancelled", Occurrence.sequence: 1}).where(
        Occurrence.id == made.occurrences[0]
    )
    await Event.update({Event.sequence: 3}).where(Event.id == made.id)
    await listing.refresh([made.id])  # as the events service does after its writes
    one = await client.get(f"/events/{made.id}/{made.occurrences[0]}.ics")
    assert one.status_code == 200
    (entry,) = events_of(one.content)
    assert str(entry["UID"]) == f"occurrence-{made.occurrences[0]}@127.0.0.1"
    assert int(str(entry["SEQUENCE"])) == 4
    assert str(entry["STATUS"]) == "CANCELLED"

    api = await client.get(f"/api/v1/events/{made.id}/calendar.ics")
    assert api.status_code == 200
    assert len(events_of(api.content)) == 3


async def test_files_of_events_that_are_not_public_are_not_found(client: Client) -> None:
    org = await make_organisation()
    pending = await make_event(org, NOW + timedelta(days=1), status="pending")
    other = await make_event(org, NOW + timedelta(days=1))
    for path in (
        f"/events/{pending.id}.ics",
        f"/events/{pending.id}",
        f"/events/{other.id}/{pending.occurrences[0]}.ics",
        f"/events/{other.id}/{pending.occurrences[0]}",
        "/events/99999999.ics",
        "/events/abc.ics",
        f"/api/v1/events/{pending.id}",
        f"/api/v1/events/{pending.id}/calendar.ics",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_the_calendar_feed_follows_the_filters(client: Client) -> None:
    org = await make_organisation()
    step_free = await make_event(org, NOW + timedelta(days=1), accessibility=("step_free",), title="Step-free lunch")
    await make_event(org, NOW + timedelta(days=2), title="Upstairs talk")
    response = await client.get("/events/feed.ics?accessibility=step_free")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    entries = events_of(response.content)
    assert [str(entry["SUMMARY"]) for entry in entries] == ["Step-free lunch"]
    assert str(entries[0]["UID"]) == f"occurrence-{step_free.occurrences[0]}@127.0.0.1"
    assert (await client.get("/events/feed.ics?from=not-a-date")).status_code == 400


async def test_the_atom_feed_is_well_formed_escaped_and_in_the_readers_language(client: Client) -> None:
    org = await make_organisation()
    await make_event(
        org,
        NOW + timedelta(days=1),
        title="Fish & chips <supper>",
        translations={"pl": ("Ryba z frytkami & <kolacja>", "Opis")},
    )
    response = await client.get("/events/feed.atom?free=true")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles == ["Fish & chips <supper>"]
    links = [link.get("href") for link in root.iter(f"{ATOM}link") if link.get("rel") == "self"]
    assert links == ["http://127.0.0.1:8000/events/feed.atom?free=true"]

    polish = await client.get("/events/feed.atom?free=true", headers={"Accept-Language": "pl"})
    root = ET.fromstring(polish.content)
    assert [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")] == ["Ryba z frytkami & <kolacja>"]
