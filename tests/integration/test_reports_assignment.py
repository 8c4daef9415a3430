"""Officers assign a report to a colleague from a list of officers (by name, never by email): checked on the
server (only officers), audited, the due date untouched; a translated error keeps the page as it was."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import User
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.reports.tables import Report
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, Person, post_form, sign_in
from tests.support.reports import send_report, token_of

Client = AsyncTestClient[Litestar]
FSI, PDI = "\u2068", "\u2069"


async def _desk(client: Client, people: PeopleFactory, clock: SettableClock) -> tuple[Person, Person, int]:
    """A report, two officers (Amira signed in, Bo her colleague), and the report's id."""
    token_of(await send_report(client))
    amira = await people(Role.OFFICER, email="amira@example.org")
    bo = await people(Role.OFFICER, email="bo@example.org")
    await sign_in(client, amira, clock)
    row = await Report.select(Report.id).first()
    assert row is not None
    return amira, bo, int(row["id"])


def _options(html: str) -> list[tuple[str, str]]:
    select = BeautifulSoup(html, "html.parser").find("select", id="assignee")
    assert select is not None
    return [(str(option["value"]), option.get_text()) for option in select.find_all("option")]


def _selected(html: str) -> str | None:
    select = BeautifulSoup(html, "html.parser").find("select", id="assignee")
    assert select is not None
    chosen = select.find("option", selected=True)
    return str(chosen["value"]) if chosen else None


async def _assignments() -> list[tuple[int | None, dict[str, int | None]]]:
    """Who changed the assignee, from whom to whom, in order."""
    rows = await (
        AuditEntry.select(AuditEntry.actor_id, AuditEntry.details)
        .where(AuditEntry.action == "reports.assigned")
        .order_by(AuditEntry.id)
    )
    return [
        (row["actor_id"], json.loads(row["details"]) if isinstance(row["details"], str) else row["details"])
        for row in rows
    ]


async def test_the_picker_lists_the_officers_by_name_and_shows_no_email(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    amira, bo, report_id = await _desk(client, people, clock)
    nameless = await people(Role.OFFICER, email="nameless@example.org")
    await User.update({User.display_name: ""}).where(User.id == nameless.id)
    await people(Role.ADMIN, email="admin-only@example.org")
    await people(Role.MEMBER, email="councillor@example.org")
    await people(Role.PARTNER, email="partner@example.org")
    gone = await people(Role.OFFICER, email="left@example.org")
    await User.update({User.is_active: False}).where(User.id == gone.id)
    page = await client.get(f"/desk/reports/{report_id}")
    assert page.status_code == 200
    check_page(page.text, "en")
    assert _options(page.text) == [
        ("", "Nobody"),
        (str(nameless.id), f"{FSI}Officer {nameless.id}{PDI}"),  # no display name: never the email instead
        (str(amira.id), f"{FSI}Test amira{PDI} (you)"),
        (str(bo.id), f"{FSI}Test bo{PDI}"),
    ]
    assert "@example.org" not in str(BeautifulSoup(page.text, "html.parser").find("main"))


async def test_an_officer_assigns_a_report_to_a_colleague_and_it_is_audited(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    amira, bo, report_id = await _desk(client, people, clock)
    here = f"/desk/reports/{report_id}"
    triage = {"category": "rumour", "area": "", "tension_level": "3", "grading": ""}
    assert (await post_form(client, f"{here}/triage", triage, token_from=here)).status_code == 303
    due = (await Report.select(Report.due_at).where(Report.id == report_id).first() or {})["due_at"]
    clock.advance(seconds=60)
    response = await post_form(client, f"{here}/assign", {"assignee": str(bo.id)}, token_from=here)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{here}#assignment"
    row = await Report.select(Report.assignee_id, Report.due_at).where(Report.id == report_id).first()
    assert row == {"assignee_id": bo.id, "due_at": due}  # the due date is the triage's, not moved
    page = await client.get(here)
    assert BeautifulSoup(page.text, "html.parser").find(id="report-assignee").get_text() == "Test bo"
    assert _selected(page.text) == str(bo.id)
    # The same choice again changes nothing and records nothing more; unassigning is recorded too.
    assert (await post_form(client, f"{here}/assign", {"assignee": str(bo.id)}, token_from=here)).status_code == 303
    assert (await post_form(client, f"{here}/assign", {"assignee": ""}, token_from=here)).status_code == 303
    assert (await Report.select(Report.assignee_id).where(Report.id == report_id).first()) == {"assignee_id": None}
    assert await _assignments() == [
        (amira.id, {"from": None, "to": bo.id}),
        (amira.id, {"from": bo.id, "to": None}),
    ]
    # Bo finds it in the queue by the filter; the queue names who has it.
    await post_form(client, f"{here}/assign", {"assignee": str(bo.id)}, token_from=here)
    queue = await client.get(f"/desk/reports?assignee={bo.id}")
    check_page(queue.text, "en")
    assert "1 report<" in queue.text
    assert "assigned to <bdi>Test bo</bdi>" in queue.text
    assert "0 reports" in (await client.get(f"/desk/reports?assignee={amira.id}")).text


async def test_only_officers_can_be_assigned_with_a_translated_error(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    _amira, _bo, report_id = await _desk(client, people, clock)
    here = f"/desk/reports/{report_id}"
    admin_only = await people(Role.ADMIN)
    member = await people(Role.MEMBER)
    partner = await people(Role.PARTNER)
    gone = await people(Role.OFFICER)
    await User.update({User.is_active: False}).where(User.id == gone.id)
    for refused in (admin_only.id, member.id, partner.id, gone.id, 2**31 - 1, "nobody", "-3", "1" * 12):
        response = await post_form(client, f"{here}/assign", {"assignee": str(refused)}, token_from=here)
        assert response.status_code == 400, (refused, response.status_code)
        check_page(response.text, "en")
        assert "Choose an officer from the list" in response.text
        assert 'id="assignee-error"' in response.text
    assert (await Report.select(Report.assignee_id).where(Report.id == report_id).first()) == {"assignee_id": None}
    assert await _assignments() == []
    await client.get("/language/ur", follow_redirects=False)
    in_urdu = await post_form(client, f"{here}/assign", {"assignee": str(member.id)}, token_from=here)
    assert in_urdu.status_code == 400
    check_page(in_urdu.text, "ur")
    assert "Choose an officer from the list" not in in_urdu.text
    assert "فہرست میں سے کسی افسر کا انتخاب کریں" in in_urdu.text


async def test_a_closed_report_is_not_assigned_and_the_api_checks_the_assignee_too(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    _amira, bo, report_id = await _desk(client, people, clock)
    here = f"/desk/reports/{report_id}"
    member = await people(Role.MEMBER)
    triage = {"category": "rumour", "tension_level": 2, "assignee_id": member.id}
    refused = await client.post(f"/api/v1/reports/desk/{report_id}/triage", json=triage)
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == "Choose an officer from the list"
    accepted = await client.post(f"/api/v1/reports/desk/{report_id}/triage", json={**triage, "assignee_id": bo.id})
    assert accepted.status_code == 200, accepted.text
    assert (await Report.select(Report.assignee_id).where(Report.id == report_id).first()) == {"assignee_id": bo.id}
    assert len(await _assignments()) == 1  # assigning at triage is recorded as an assignment too
    await client.post(f"/api/v1/reports/desk/{report_id}/close", json={"outcome": "resolved"})
    closed = await post_form(client, f"{here}/assign", {"assignee": ""}, token_from=here)
    assert closed.status_code == 409
    assert "The report is closed: reopen it first" in closed.text
    assert (await Report.select(Report.assignee_id).where(Report.id == report_id).first()) == {"assignee_id": bo.id}
