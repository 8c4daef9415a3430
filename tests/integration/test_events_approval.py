"""Officers approve, reject and hide events and review material changes (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry, OutboxJob
from backend.events.moderation import published_with_pending_changes
from backend.events.reference import load_reference_data
from backend.events.tables import Category, Event, EventDecision, Occurrence
from tests.integration.test_events_partner import event_form, make_organisation, only_event, post_event
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, partner_of, post_form, sign_in


async def _switch(client: AsyncTestClient[Litestar]) -> None:
    await post_form(client, "/sign-out", {}, token_from="/account")
    client.cookies.clear()


async def _pending_event(client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock) -> int:
    await load_reference_data()
    organisation = await make_organisation("Banbury School", trusted=False)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    assert (await post_event(client, event_form(clock, organisation))).status_code == 302
    return int((await only_event())["id"])


async def test_officer_approves_a_pending_event(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    event_id = await _pending_event(client, people, clock)
    await _switch(client)
    await sign_in(client, await people(Role.OFFICER), clock)
    queue = await client.get("/officer/events/queue")
    check_page(queue.text, "en")
    assert f"/officer/events/{event_id}" in queue.text
    review = await client.get(f"/officer/events/{event_id}")
    check_page(review.text, "en")
    response = await post_form(
        client, f"/officer/events/{event_id}/approve", {"note": ""}, token_from=f"/officer/events/{event_id}"
    )
    assert response.status_code == 302, response.text
    event = await only_event()
    assert event["status"] == "published"
    assert event["published_at"] is not None
    decision = await EventDecision.select().where(EventDecision.subject_id == event_id).first()
    assert decision is not None
    assert decision["decision"] == "approved"
    assert await AuditEntry.exists().where(AuditEntry.action == "event.approved")
    assert "Knit and natter" not in (await client.get("/officer/events/queue")).text


async def test_the_queue_shows_each_event_beside_its_own_organisation(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    """Events of several organisations wait together, oldest first, each with its organisation's name."""
    await load_reference_data()
    for name, title in (("Banbury School", "Knit and natter"), ("Didcot Men's Shed", "Repair café")):
        organisation = await make_organisation(name, trusted=False)
        await sign_in(client, await partner_of(people, organisation), clock)
        assert (await post_event(client, event_form(clock, organisation, title=title))).status_code == 302
        await _switch(client)
        clock.advance(minutes=5)
    await sign_in(client, await people(Role.OFFICER), clock)
    page = check_page((await client.get("/officer/events/queue")).text, "en")
    rows = [[cell.get_text(" ", strip=True) for cell in row.find_all("td")[:2]] for row in page.select("tbody tr")]
    assert [(event.split(" ")[0], organisation) for event, organisation in rows] == [
        ("Knit", "Banbury School"),
        ("Repair", "Didcot Men's Shed"),
    ]


async def test_rejection_with_a_reason_reaches_the_partner(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    event_id = await _pending_event(client, people, clock)
    await _switch(client)
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    review = f"/officer/events/{event_id}"
    response = await post_form(client, f"{review}/reject", {"reason": ""}, token_from=review)
    assert response.status_code == 400
    assert check_page(response.text, "en").select_one("#reason-error") is not None
    response = await post_form(
        client, f"{review}/reject", {"reason": "Please add the <b>venue</b> address"}, token_from=review
    )
    assert response.status_code == 302
    event = await only_event()
    assert event["status"] == "rejected"
    assert event["decision_reason"] == "Please add the <b>venue</b> address"
    assert await AuditEntry.exists().where(AuditEntry.action == "event.rejected")
    jobs = await OutboxJob.select(OutboxJob.payload).where(OutboxJob.idempotency_key.like("event_rejected:%"))
    assert len(jobs) == 1
    payload = jobs[0]["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert payload["to"] == "banbury@example.org"
    assert "Please add the <b>venue</b> address" in payload["text"]
    assert "&lt;b&gt;venue" in payload["html"]
    history = await client.get(review)
    assert "Please add the &lt;b&gt;venue&lt;/b&gt; address" in history.text


async def test_partner_sees_the_reason_on_the_dashboard(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    organisation = await make_organisation("Banbury School", trusted=False)
    partner = await partner_of(people, organisation)
    await sign_in(client, partner, clock)
    await post_event(client, event_form(clock, organisation))
    event_id = (await only_event())["id"]
    await _switch(client)
    await sign_in(client, await people(Role.OFFICER), clock)
    review = f"/officer/events/{event_id}"
    await post_form(client, f"{review}/reject", {"reason": "Wrong category"}, token_from=review)
    await _switch(client)
    await sign_in(client, partner, clock)
    dashboard = await client.get("/partner/events")
    check_page(dashboard.text, "en")
    assert "Wrong category" in dashboard.text
    # Putting it right sends it back to the queue.
    edit = f"/partner/events/{event_id}/edit"
    form = event_form(clock, organisation, category="faith")
    assert (await post_form(client, edit, form)).status_code == 302
    assert (await only_event())["status"] == "pending"


async def test_material_change_to_a_published_event_waits_and_shows_a_diff(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    event_id = await _pending_event(client, people, clock)
    organisation = (await only_event())["organisation_id"]
    await _switch(client)
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    review = f"/officer/events/{event_id}"
    await post_form(client, f"{review}/approve", {}, token_from=review)
    assert (await only_event())["status"] == "published"
    assert await published_with_pending_changes() == []  # an untouched published event is not even read
    await _switch(client)
    partner_email = None
    # The partner changes the title and the number of places.
    partner = await partner_of(people, organisation)
    partner_email = partner.email
    await sign_in(client, partner, clock)
    edit = f"/partner/events/{event_id}/edit"
    response = await post_form(
        client, edit, event_form(clock, organisation, title="Knit, natter and cake", capacity="30")
    )
    assert response.status_code == 302, response.text
    event = await only_event()
    assert event["title"] == "Knit and natter"
    assert event["capacity"] == 20
    assert event["sequence"] == 0
    assert await AuditEntry.exists().where(AuditEntry.action == "event.change_requested")
    assert [row["id"] for row in await published_with_pending_changes()] == [event_id]
    await _switch(client)
    await sign_in(client, officer, clock)
    queue = await client.get("/officer/events/queue")
    assert "Change to a published event" in queue.text
    page = await client.get(review)
    check_page(page.text, "en")
    assert "Knit, natter and cake" in page.text
    assert "<del>20</del>" in page.text
    assert "<ins>30</ins>" in page.text
    response = await post_form(client, f"{review}/approve", {}, token_from=review)
    assert response.status_code == 302
    event = await only_event()
    assert event["title"] == "Knit, natter and cake"
    assert event["capacity"] == 30
    assert event["sequence"] == 1
    assert event["pending_changes"] in ({}, "{}")
    occurrence = await Occurrence.select().where(Occurrence.event == event_id).first()
    assert occurrence is not None
    assert occurrence["capacity"] == 30
    assert occurrence["places_left"] == 30
    assert occurrence["sequence"] == 1
    decisions = [row["decision"] for row in await EventDecision.select().where(EventDecision.subject_id == event_id)]
    assert decisions == ["approved", "change_approved"]
    assert partner_email
    history = check_page((await client.get(review)).text, "en").find("h2", string="Decisions").find_next("ul")
    entries = [" ".join(item.get_text().split()) for item in history.select("li")]
    assert entries[0].endswith("Change approved (Title, Places)"), entries  # in words, not the stored codes
    assert entries[1].endswith("Approved"), entries


async def test_officer_hides_a_published_event_and_manages_categories(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    event_id = await _pending_event(client, people, clock)
    await _switch(client)
    await sign_in(client, await people(Role.OFFICER), clock)
    review = f"/officer/events/{event_id}"
    await post_form(client, f"{review}/approve", {}, token_from=review)
    response = await post_form(client, f"{review}/hide", {"hide_reason": "Reported as a scam"}, token_from=review)
    assert response.status_code == 302
    event = await only_event()
    assert event["status"] == "hidden"
    assert event["decision_reason"] == "Reported as a scam"
    assert await AuditEntry.exists().where(AuditEntry.action == "event.hidden")
    page = await client.get("/officer/categories")
    check_page(page.text, "en")
    # The search's list of kinds is kept for a few seconds per app; a change made here shows at once.
    assert "Repair" not in (await client.get("/events")).text
    response = await post_form(
        client, "/officer/categories", {"slug": "repair-cafe", "name_en": "Repair café", "name_pl": "", "name_ur": ""}
    )
    assert response.status_code == 302
    assert ">Repair café</option>" in (await client.get("/events")).text
    category = await Category.select().where(Category.slug == "repair-cafe").first()
    assert category is not None
    response = await post_form(
        client,
        f"/officer/categories/{category['id']}/rename",
        {"name_en": "Repair cafe", "name_pl": "Kawiarnia naprawcza", "name_ur": ""},
        token_from="/officer/categories",
    )
    assert response.status_code == 302
    assert ">Repair cafe</option>" in (await client.get("/events")).text
    response = await post_form(
        client, f"/officer/categories/{category['id']}/active", {"active": "no"}, token_from="/officer/categories"
    )
    assert response.status_code == 302
    assert "Repair" not in (await client.get("/events")).text
    category = await Category.select().where(Category.slug == "repair-cafe").first()
    assert category is not None
    assert not category["active"]
    assert await AuditEntry.count().where(AuditEntry.action.like("category.%")) == 3


async def test_a_retired_category_is_no_longer_offered_to_partners(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await load_reference_data()
    partner = await partner_of(people, await make_organisation("Banbury School", trusted=False))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    names = {"slug": "repair-cafe", "name_en": "Repair café", "name_pl": "", "name_ur": ""}
    assert (await post_form(client, "/officer/categories", names)).status_code == 302
    category = await Category.select(Category.id).where(Category.slug == "repair-cafe").first()
    assert category is not None
    await _switch(client)
    await sign_in(client, partner, clock)
    assert "Repair café" in (await client.get("/partner/events/new")).text
    await _switch(client)
    await sign_in(client, officer, clock)
    retire = f"/officer/categories/{category['id']}/active"
    assert (await post_form(client, retire, {"active": "no"}, token_from="/officer/categories")).status_code == 302
    await _switch(client)
    await sign_in(client, partner, clock)
    form = await client.get("/partner/events/new")
    check_page(form.text, "en")
    assert "Repair café" not in form.text
    assert "Coffee morning" in form.text  # the categories still active are offered


async def test_partners_cannot_use_officer_pages(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    event_id = await _pending_event(client, people, clock)
    response = await post_form(client, f"/officer/events/{event_id}/approve", {}, token_from="/account")
    assert response.status_code == 403
    assert (await Event.select(Event.status).first())["status"] == "pending"
