"""Partner organisations: applying, confirming, officers verifying and trusting, owners inviting."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.people import user_summaries
from backend.accounts.services import load_current_user
from backend.accounts.tables import Membership, Organisation, User
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from tests.integration.test_accounts_links import link_in
from tests.support.events import make_organisation
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, Person, partner_of, post_form, sign_in

Client = AsyncTestClient[Litestar]
APPLICATION = {
    "name": "Rose Hill Residents' Association",
    "kind": "community_group",
    "charity_number": "",
    "company_number": "",
    "contact_name": "Rosa Hill",
    "contact_email": "rosa@rosehill.example.org",
    "area_served": "Rose Hill and Iffley",
}


async def test_an_organisation_applies_confirms_and_is_verified(
    client: Client, app: Litestar, people: PeopleFactory, clock: SettableClock
) -> None:
    applied = await post_form(client, "/partners/apply", APPLICATION)
    assert applied.status_code == 200
    check_page(applied.text, "en")
    organisation = await Organisation.objects().where(Organisation.name == APPLICATION["name"]).first()
    assert organisation is not None
    assert organisation.status == "unconfirmed"
    path = link_in((await emails_to("rosa@rosehill.example.org"))[0])
    confirmed = await post_form(
        client,
        path,
        {"display_name": "Rosa Hill", "password": "willow-garden-teapot-31", "confirm": "willow-garden-teapot-31"},
    )
    assert confirmed.headers["location"] == "/partner/organisation"
    mine = await client.get("/partner/organisation")
    assert "Waiting for a council officer" in check_page(mine.text, "en").get_text()
    owner = await User.objects().where(User.email == "rosa@rosehill.example.org").first()
    assert owner is not None
    assert await Membership.exists().where((Membership.user == owner.id) & (Membership.is_owner == True))  # noqa: E712

    officer = await people(Role.OFFICER)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as desk:
        await sign_in(desk, officer, clock)
        queue = await desk.get("/officer/organisations")
        assert APPLICATION["name"] in check_page(queue.text, "en").get_text()
        no_reason = await post_form(
            desk,
            f"/officer/organisations/{organisation.id}/decision",
            {"decision": "reject"},
            token_from=f"/officer/organisations/{organisation.id}",
        )
        assert no_reason.status_code == 400
        assert "Say why" in check_page(no_reason.text, "en").get_text()
        verified = await post_form(
            desk,
            f"/officer/organisations/{organisation.id}/decision",
            {"decision": "verify"},
            token_from=f"/officer/organisations/{organisation.id}",
        )
        assert verified.status_code == 302
        trusted = await post_form(
            desk,
            f"/officer/organisations/{organisation.id}/decision",
            {"decision": "trust", "reason": "Known partner"},
            token_from=f"/officer/organisations/{organisation.id}",
        )
        assert trusted.status_code == 302
        review = check_page((await desk.get(f"/officer/organisations/{organisation.id}")).text, "en")
        history = [
            [" ".join(cell.get_text().split()) for cell in row.select("td")] for row in review.select("tbody tr")
        ]
        assert [entry[1:] for entry in history] == [  # newest first: what, who, why
            ["Trusted: events publish without approval", officer.email, "Known partner"],
            ["Verified", officer.email, ""],
            ["Confirmed its email address", "rosa@rosehill.example.org", ""],
            ["Applied", "The organisation", ""],
        ]
        assert "Verified" in review.select_one(".govuk-summary-list").get_text()  # the status in words
        assert "Community group" in review.select_one(".govuk-summary-list").get_text()
        polish = check_page(
            (await desk.get(f"/officer/organisations/{organisation.id}", headers={"Accept-Language": "pl"})).text,
            "pl",
        )
        polish_history = [" ".join(row.select("td")[1].get_text().split()) for row in polish.select("tbody tr")]
        assert polish_history[1] == "Zweryfikowano"  # the decision: what was done
        assert "Zweryfikowana" in polish.select_one(".govuk-summary-list").get_text()  # the organisation's status
    row = await Organisation.objects().where(Organisation.id == organisation.id).first()
    assert row is not None
    assert (row.status, row.trusted) == ("verified", True)
    decision_emails = await emails_to("rosa@rosehill.example.org")
    assert any("can now post events" in email["subject"] for email in decision_emails)
    actions = {
        r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.subject_type == "organisation")
    }
    assert {"organisation.applied", "organisation.confirmed", "organisation.verify", "organisation.trust"} <= actions

    # The owner invites a colleague, who joins as a partner of the same organisation.
    invited = await post_form(
        client,
        f"/partner/organisation/{organisation.id}/members",
        {"email": "sam@rosehill.example.org"},
        token_from="/partner/organisation",
    )
    assert invited.status_code == 200
    path = link_in((await emails_to("sam@rosehill.example.org"))[0])
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as colleague:
        done = await post_form(
            colleague,
            path,
            {"display_name": "Sam", "password": "orchard-bicycle-harbour-9", "confirm": "orchard-bicycle-harbour-9"},
        )
        assert done.headers["location"] == "/account"
        page = await colleague.get("/partner/organisation")
        assert APPLICATION["name"] in check_page(page.text, "en").get_text()


async def test_application_errors_keep_what_was_typed(client: Client) -> None:
    response = await post_form(
        client,
        "/partners/apply",
        {**APPLICATION, "kind": "pirates", "charity_number": "12", "contact_email": "rosa at example"},
    )
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    for field in ("kind", "charity_number", "contact_email"):
        assert soup.select_one(f"#{field}-error") is not None, field
    assert soup.select_one("#name")["value"] == APPLICATION["name"]
    assert soup.select_one("#contact_email")["value"] == "rosa at example"


async def test_only_owners_invite_members(client: Client, people: PeopleFactory, clock: SettableClock) -> None:
    partner = await people(Role.PARTNER)
    organisation = Organisation(name="Elsewhere Trust", status="verified")
    await organisation.save()
    await sign_in(client, partner, clock)
    refused = await post_form(
        client,
        f"/partner/organisation/{organisation.id}/members",
        {"email": "x@example.org"},
        token_from="/account",
    )
    assert refused.status_code == 403


async def test_the_signed_in_user_carries_every_role_and_organisation_and_nothing_when_disabled(
    people: PeopleFactory,
) -> None:
    # Every signed-in request loads the person this way: two roles and two organisations make four joined
    # rows, which must come back as two of each.
    person = await people(Role.PARTNER, Role.MEMBER)
    first, second = await make_organisation(), await make_organisation()
    for organisation_id in (first, second):
        await Membership.insert(
            Membership(user=person.id, organisation=organisation_id, membership_key=f"{person.id}:{organisation_id}")
        )
    row = await User.select(User.auth_version).where(User.id == person.id).first()
    assert row is not None
    version = int(row["auth_version"])

    loaded = await load_current_user(person.id, version)
    assert loaded is not None
    assert (loaded.id, loaded.email) == (person.id, person.email)
    assert loaded.roles == {Role.PARTNER, Role.MEMBER}
    assert loaded.organisation_ids == {first, second}
    assert await load_current_user(person.id, version + 1) is None  # signed out everywhere since
    await User.update({User.is_active: False}).where(User.id == person.id)
    assert await load_current_user(person.id, version) is None
    assert await load_current_user(person.id + 1000, version) is None  # no such person


async def test_each_persons_summary_has_every_role_and_each_organisation_once_in_the_order_joined(
    people: PeopleFactory,
) -> None:
    # Admins' list of people and everyone's account page: two roles and two organisations make four joined rows.
    person = await people(Role.PARTNER, Role.MEMBER)
    newer = await people(Role.RESIDENT)
    for name in ("Wolvercote Allotments", "Abingdon Foodbank"):  # joined in this order, not the alphabet's
        organisation_id = await make_organisation(name)
        await Membership.insert(
            Membership(user=person.id, organisation=organisation_id, membership_key=f"{person.id}:{organisation_id}")
        )

    summaries = await user_summaries([person.id, newer.id])
    assert [summary.email for summary in summaries] == [newer.email, person.email]  # newest first
    assert (summaries[0].roles, summaries[0].organisations) == (["resident"], [])
    assert summaries[1].roles == ["member", "partner"]
    assert summaries[1].organisations == ["Wolvercote Allotments", "Abingdon Foodbank"]
    assert await user_summaries([]) == []


async def test_a_partner_in_two_organisations_sees_each_with_its_own_members(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    bakers, singers = await make_organisation("Botley Bakers"), await make_organisation("Jericho Singers")
    partner = await people(Role.PARTNER)
    for organisation_id, owner in ((bakers, False), (singers, True)):
        await Membership.insert(
            Membership(
                user=partner.id,
                organisation=organisation_id,
                is_owner=owner,
                membership_key=f"{partner.id}:{organisation_id}",
            )
        )
    baker = await partner_of(people, bakers)
    singer = await partner_of(people, singers)
    await sign_in(client, partner, clock)

    page = check_page((await client.get("/partner/organisation")).text, "en")
    members = {
        heading.get_text(strip=True): [item.get_text(strip=True) for item in heading.find_next("dl").select("ul li")]
        for heading in page.select("h2.govuk-heading-m")
    }

    def shown(person: Person) -> str:
        return f"Test {person.email.split('@')[0]}"

    assert members == {
        "Botley Bakers": [shown(partner), shown(baker)],
        "Jericho Singers": [f"{shown(partner)} (owner)", shown(singer)],
    }


async def test_officers_see_those_waiting_longest_first_then_pages_of_the_others_by_name(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    # Made in reverse alphabetical order, so neither list can pass by following the order they were made in.
    await make_organisation("Zeta Tenants", status="pending")
    await make_organisation("Alpha Allotments", status="pending")
    await make_organisation("Not Yet Confirmed", status="unconfirmed")
    for number in range(52, -1, -1):
        await make_organisation(
            f"Group {number:02d}", status="rejected" if number == 7 else "verified", trusted=number == 3
        )
    await sign_in(client, await people(Role.OFFICER), clock)

    def lines(page: Any, heading: int) -> list[str]:
        return [" ".join(item.get_text().split()) for item in page.select("ul.govuk-list")[heading].select("li")]

    first = check_page((await client.get("/officer/organisations")).text, "en")
    waiting = lines(first, 0)
    assert [line.split(" · ")[0] for line in waiting] == ["Zeta Tenants", "Alpha Allotments"]
    decided = lines(first, 1)
    assert decided[:4] == [
        "Group 00 · Verified",
        "Group 01 · Verified",
        "Group 02 · Verified",
        "Group 03 · Verified · trusted",
    ]
    assert decided[7] == "Group 07 · Rejected"
    assert len(decided) == 50
    assert decided[-1] == "Group 49 · Verified"
    assert "53 organisations with a decision" in first.get_text()
    assert "Page 1 of 2" in first.select_one(".govuk-pagination").get_text()

    second = check_page((await client.get("/officer/organisations?page=2")).text, "en")
    assert lines(second, 1) == ["Group 50 · Verified", "Group 51 · Verified", "Group 52 · Verified"]
    assert "Not Yet Confirmed" not in first.get_text() + second.get_text()
    polish = check_page((await client.get("/officer/organisations", headers={"Accept-Language": "pl"})).text, "pl")
    assert "53 organizacje z decyzją" in polish.get_text()
