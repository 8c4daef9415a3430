"""Partners post, edit, repeat and cancel events through the real pages and API (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Organisation
from backend.core.clock import SettableClock
from backend.core.tables import AuditEntry
from backend.events.reference import load_reference_data
from backend.events.tables import Event, EventTranslation, Occurrence
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, partner_of, post_form, sign_in

LONDON = ZoneInfo("Europe/London")


async def make_organisation(name: str, *, trusted: bool, status: str = "verified") -> int:
    """An organisation as an officer would have left it."""
    rows = await Organisation.insert(
        Organisation(
            name=name, status=status, trusted=trusted, contact_email=f"{name.split(maxsplit=1)[0].lower()}@example.org"
        )
    ).returning(Organisation.id)
    return int(rows[0]["id"])


def local(clock: SettableClock, days: int, hour: int, minute: int = 0) -> str:
    """A `datetime-local` value some days from the clock's today, in London time."""
    day = (clock.now() + timedelta(days=days)).astimezone(LONDON)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def event_form(clock: SettableClock, organisation_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid event form, with some fields changed."""
    data: dict[str, Any] = {
        "organisation_id": str(organisation_id),
        "title": "Knit and natter",
        "description": "Bring your needles, or borrow ours. Tea and biscuits.",
        "original_locale": "en",
        "category": "coffee-morning",
        "attendance": "in_person",
        "venue_name": "St Mary's Hall",
        "address": "1 High Street, Oxford",
        "postcode": "OX4 1AA",
        "online_url": "",
        "starts_at": local(clock, 7, 10),
        "ends_at": local(clock, 7, 12),
        "recurrence": "none",
        "recurrence_until": "",
        "capacity": "20",
        "per_booking_limit": "4",
        "cost": "",
        "cost_note": "",
        "title_pl": "",
        "description_pl": "",
        "title_ur": "",
        "description_ur": "",
        "languages": ["en", "pl"],
        "accessibility": ["step_free", "hearing_loop"],
        "suits": ["older_people"],
    }
    data.update(overrides)
    return data


async def post_event(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> Any:
    return await post_form(client, "/partner/events/new", data)


async def only_event() -> dict[str, Any]:
    rows = await Event.select().order_by(Event.id, ascending=False)
    assert rows
    return dict(rows[0])


async def test_trusted_partner_publishes_at_once(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    page = await client.get("/partner/events/new")
    check_page(page.text, "en")
    response = await post_event(client, event_form(clock, organisation, title_pl="Robótki", description_pl="Opis"))
    assert response.status_code == 302, response.text
    event = await only_event()
    assert event["status"] == "published"
    assert event["postcode"] == "OX4 1AA"
    assert event["district_code"]
    assert event["division_code"]
    assert "robótki" in event["search_text"]
    assert await EventTranslation.count().where(EventTranslation.event == event["id"]) == 1
    assert await Occurrence.count().where(Occurrence.event == event["id"]) == 1
    assert await AuditEntry.exists().where(AuditEntry.action == "event.created")
    dashboard = await client.get("/partner/events")
    check_page(dashboard.text, "en")
    assert "Knit and natter" in dashboard.text
    manage = await client.get(response.headers["location"])
    check_page(manage.text, "en")


async def test_untrusted_partner_waits_for_approval(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Banbury School", trusted=False)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    response = await post_event(client, event_form(clock, organisation))
    assert response.status_code == 302, response.text
    assert (await only_event())["status"] == "pending"


async def test_unverified_organisation_cannot_post(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("New Group", trusted=False, status="pending")
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    page = await client.get("/partner/events/new")
    assert "must be verified" in page.text
    response = await post_form(client, "/partner/events/new", event_form(clock, organisation), token_from="/account")
    assert response.status_code == 400
    assert await Event.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "x" * 151}, "title"),
        ({"ends_at": "START-1"}, "ends_at"),
        ({"starts_at": "PAST", "ends_at": "PAST+1"}, "starts_at"),
        ({"capacity": "-5"}, "capacity"),
        ({"category": "no-such-category"}, "category"),
        ({"postcode": "ZZ99 9ZZ"}, "postcode"),
        ({"postcode": "SW1A 1AA"}, "postcode"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"cost": "lots"}, "cost"),
        ({"recurrence": "weekly", "recurrence_until": ""}, "recurrence_until"),
    ],
)
async def test_bad_input_is_a_field_error_that_keeps_what_was_typed(
    client: AsyncTestClient[Litestar],
    people: PeopleFactory,
    clock: SettableClock,
    overrides: dict[str, str],
    field: str,
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    special = {
        "START-1": local(clock, 7, 9),
        "PAST": local(clock, -2, 10),
        "PAST+1": local(clock, -2, 11),
    }
    data = event_form(clock, organisation, description="<script>alert(1)</script> Tea", **overrides)
    for key, value in list(data.items()):
        if isinstance(value, str) and value in special:
            data[key] = special[value]
    response = await post_event(client, data)
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert soup.select_one(".govuk-error-summary"), "no error summary"
    assert soup.select_one(f"#{field}-error") is not None, f"no error next to {field}"
    assert soup.select_one("#title")["value"] == data["title"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tea" in response.text
    assert "<script>alert(1)</script>" not in response.text
    checked = {box["value"] for box in soup.select("input[name=accessibility][checked]")}
    assert checked == {"step_free", "hearing_loop"}
    assert await Event.count() == 0


async def test_weekly_series_makes_dates_until_the_last_and_one_can_be_cancelled(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    until = (clock.now() + timedelta(days=7 + 7 * 5)).astimezone(LONDON).date().isoformat()
    response = await post_event(client, event_form(clock, organisation, recurrence="weekly", recurrence_until=until))
    assert response.status_code == 302, response.text
    event = await only_event()
    occurrences = await Occurrence.select().where(Occurrence.event == event["id"]).order_by(Occurrence.starts_at)
    assert len(occurrences) == 6
    for earlier, later in itertools.pairwise(occurrences):
        gap = later["starts_at"].astimezone(LONDON).replace(tzinfo=None) - earlier["starts_at"].astimezone(
            LONDON
        ).replace(tzinfo=None)
        assert gap == timedelta(weeks=1)  # same local time each week, across clock changes
    second = occurrences[1]["id"]
    manage = f"/partner/events/{event['id']}"
    response = await post_form(
        client, f"{manage}/occurrences/{second}/cancel", {"reason": "Hall flooded"}, token_from=manage
    )
    assert response.status_code == 302, response.text
    statuses = {row["id"]: row for row in await Occurrence.select().where(Occurrence.event == event["id"])}
    assert statuses[second]["status"] == "cancelled"
    assert statuses[second]["sequence"] == 1
    assert statuses[second]["changed_alone"]
    assert [row["status"] for oid, row in statuses.items() if oid != second] == ["scheduled"] * 5
    assert await AuditEntry.exists().where(AuditEntry.action == "event.occurrence_cancelled")


async def test_a_series_too_long_is_refused(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    until = (clock.now() + timedelta(days=600)).astimezone(LONDON).date().isoformat()
    response = await post_event(client, event_form(clock, organisation, recurrence="weekly", recurrence_until=until))
    assert response.status_code == 400
    assert check_page(response.text, "en").select_one("#recurrence_until-error") is not None


async def test_partner_cannot_see_or_change_another_organisations_event(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    ours = await make_organisation("Cowley Larder", trusted=True)
    theirs = await make_organisation("Banbury School", trusted=True)
    owner = await partner_of(people, theirs)
    await sign_in(client, owner, clock)
    assert (await post_event(client, event_form(clock, theirs))).status_code == 302
    event_id = (await only_event())["id"]
    await client.post("/sign-out", data={}, follow_redirects=False)
    client.cookies.clear()
    intruder = await partner_of(people, ours)
    await sign_in(client, intruder, clock)
    for path in (f"/partner/events/{event_id}", f"/partner/events/{event_id}/edit"):
        assert (await client.get(path)).status_code == 404
    response = await post_form(
        client, f"/partner/events/{event_id}/edit", event_form(clock, ours, title="Hijacked"), token_from="/account"
    )
    assert response.status_code == 404
    response = await post_form(client, f"/partner/events/{event_id}/cancel", {}, token_from="/account")
    assert response.status_code == 404
    # Posting for an organisation one does not belong to is a field error.
    response = await post_event(client, event_form(clock, theirs))
    assert response.status_code == 400
    event = await only_event()
    assert event["title"] == "Knit and natter"
    assert event["status"] == "published"


async def test_duplicate_makes_a_draft_copy(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=True)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    await post_event(client, event_form(clock, organisation, title_pl="Robótki", description_pl="Opis"))
    source = await only_event()
    manage = f"/partner/events/{source['id']}"
    response = await post_form(client, f"{manage}/duplicate", {}, token_from=manage)
    assert response.status_code == 302
    copy = await only_event()
    assert copy["id"] != source["id"]
    assert copy["status"] == "draft"
    assert copy["title"] == source["title"]
    assert await EventTranslation.count().where(EventTranslation.event == copy["id"]) == 1
    edit = await client.get(response.headers["location"])
    check_page(edit.text, "en")


async def test_api_creates_and_refuses_cross_site_writes(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Cowley Larder", trusted=False)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    starts = clock.now() + timedelta(days=3)
    body = {
        "organisation_id": organisation,
        "title": "Repair café",
        "description": "Bring something broken.",
        "category": "environment",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "postcode": "OX4 1AA",
        "venue_name": "Community centre",
        "capacity": 12,
    }
    response = await client.post(
        "/api/v1/partner/events", content=json.dumps(body), headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    response = await client.post(
        "/api/v1/partner/events", data={"title": "x"}, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    response = await client.post("/api/v1/partner/events", json={**body, "postcode": "ZZ99 9ZZ"})
    assert response.status_code == 400
    assert [error["key"] for error in response.json()["errors"]] == ["postcode"]
    response = await client.post("/api/v1/partner/events", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "pending"
    assert len(created["occurrences"]) == 1
    listing = await client.get("/api/v1/partner/events")
    assert [item["id"] for item in listing.json()] == [created["id"]]
    occurrence = created["occurrences"][0]["id"]
    response = await client.post(
        f"/api/v1/partner/events/{created['id']}/occurrences/{occurrence}/cancel", json={"reason": "Ill"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["occurrences"][0]["status"] == "cancelled"
