"""The officers' desk: the queue and its filters, triage, states, replies in the reporter's language, audit."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.reports.tables import Referral, Report, ReportMessage
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, csrf_token, post_form, sign_in
from tests.support.reports import COWLEY, PARKS, send_report, token_of


async def _report_id(reference_index: int = 0) -> int:
    rows = await Report.select(Report.id).order_by(Report.id)
    return int(rows[reference_index]["id"])


async def test_triage_sets_level_due_date_and_grading_and_keeps_the_assignee(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    report_id = await _report_id()
    page = await client.get(f"/desk/reports/{report_id}")
    assert page.status_code == 200
    check_page(page.text, "en")
    response = await post_form(
        client,
        f"/desk/reports/{report_id}/triage",
        {
            "category": "group_tension",
            "area": f"division:{COWLEY}",
            "tension_level": "4",
            "grading": "evidenced",
            "assign": "me",  # assignment has a form of its own now: this field is ignored
        },
        token_from=f"/desk/reports/{report_id}",
    )
    assert response.status_code == 303, response.text
    row = (await Report.select().where(Report.id == report_id))[0]
    assert (row["status"], row["category"], row["tension_level"], row["grading"]) == (
        "triaged",
        "group_tension",
        4,
        "evidenced",
    )
    assert (row["division_code"], row["district_code"], row["assignee_id"]) == (COWLEY, "E07000178", None)
    assert row["due_at"] == clock.now() + timedelta(days=2)  # level 4: two days
    entry = await AuditEntry.select().where(AuditEntry.action == "reports.triaged").first()
    assert entry is not None
    assert entry["actor_id"] == officer.id


async def test_states_close_with_an_outcome_and_reopen(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token = token_of(await send_report(client))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    report_id = await _report_id()
    here = f"/desk/reports/{report_id}"
    skipped = await post_form(client, f"{here}/status", {"status": "referred"}, token_from=here)
    assert skipped.status_code == 409  # new cannot jump to referred
    triage = {"category": "rumour", "area": f"division:{PARKS}", "tension_level": "2", "grading": "", "assign": ""}
    assert (await post_form(client, f"{here}/triage", triage, token_from=here)).status_code == 303
    assert (await post_form(client, f"{here}/status", {"status": "in_progress"}, token_from=here)).status_code == 303
    assert (await post_form(client, f"{here}/status", {"status": "referred"}, token_from=here)).status_code == 303
    bad = await post_form(client, f"{here}/close", {"outcome": "vanished"}, token_from=here)
    assert bad.status_code == 400
    assert "Choose an outcome" in bad.text
    assert (await post_form(client, f"{here}/close", {"outcome": "referred_on"}, token_from=here)).status_code == 303
    row = (await Report.select(Report.status, Report.outcome, Report.closed_at).where(Report.id == report_id))[0]
    assert (row["status"], row["outcome"], row["closed_at"]) == ("closed", "referred_on", clock.now())
    resident_view = await client.get(f"/reports/r/{token}")
    assert "Closed" in resident_view.text
    assert "Referred on" in resident_view.text
    reopened = await post_form(client, f"{here}/reopen", {"reopen_reason": "A new incident"}, token_from=here)
    assert reopened.status_code == 303
    row = (await Report.select(Report.status, Report.closed_at).where(Report.id == report_id))[0]
    assert (row["status"], row["closed_at"]) == ("in_progress", None)
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions[-5:] == [
        "reports.triaged",
        "reports.in_progress",
        "reports.referred",
        "reports.closed",
        "reports.reopened",
    ]


async def test_the_queue_filters_and_counts(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client, category="rumour"))
    token_of(await send_report(client, category="protest", postcode="", area=f"division:{COWLEY}"))
    token_of(await send_report(client, category="protest", postcode="", area="district:E07000177"))
    first = await _report_id(0)
    await Report.update({Report.status: "closed", Report.outcome: "resolved"}).where(Report.id == first)
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    page = await client.get("/desk/reports?category=protest")
    check_page(page.text, "en")
    assert "2 reports" in page.text
    by_area = await client.get(f"/desk/reports?area=division:{COWLEY}")
    assert "1 report<" in by_area.text
    closed = await client.get("/desk/reports?status=closed")
    assert "1 report<" in closed.text
    api = await client.get("/api/v1/reports/desk", params={"category": "protest"})
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["total"] == 2
    assert body["counts"] == {"new": 2}
    assert all("description" not in row for row in body["reports"])
    await Report.update({Report.created_at: clock.now() - timedelta(days=10)}).where(Report.id == first)
    older_response = await client.get("/api/v1/reports/desk", params={"older_than_days": 7})
    older = older_response.json()
    assert older_response.status_code == 200, older_response.text
    assert older["total"] == 1
    assert (await client.get("/api/v1/reports/desk", params={"assignee": "me"})).json()["total"] == 0


async def test_a_reply_goes_in_the_reporters_language_through_the_outbox(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await client.get("/language/pl", follow_redirects=False)
    token = token_of(await send_report(client, email="mieszkanka@example.org"))
    await client.get("/language/en", follow_redirects=False)
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    report_id = await _report_id()
    here = f"/desk/reports/{report_id}"
    response = await post_form(client, f"{here}/reply", {"template": "received"}, token_from=here)
    assert response.status_code == 303
    emails = await emails_to("mieszkanka@example.org")
    assert [email["locale"] for email in emails] == ["pl", "pl"]  # the receipt, then the reply
    message = (await ReportMessage.select(ReportMessage.body))[0]["body"]
    assert "Thank you for your report" not in message  # written in Polish
    assert message in emails[1]["text"]
    assert message in (await client.get(f"/reports/r/{token}")).text


async def test_viewing_a_hate_incident_is_audited_and_others_are_not(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client, category="hate_incident", hate_kind="race"))
    token_of(await send_report(client, category="rumour"))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    hate, rumour = await _report_id(0), await _report_id(1)
    await client.get(f"/desk/reports/{hate}")
    await client.get(f"/desk/reports/{rumour}")
    views = await AuditEntry.select(AuditEntry.subject_id, AuditEntry.actor_id).where(
        AuditEntry.action == "reports.viewed"
    )
    assert views == [{"subject_id": str(hate), "actor_id": officer.id}]


async def test_redaction_hides_the_original_from_officers_but_not_admins(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client, description="Jan Kowalski at 12 Acacia Road shouted at us."))
    report_id = await _report_id()
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    here = f"/desk/reports/{report_id}"
    no_reason = await post_form(
        client, f"{here}/redact", {"redacted_description": "[name] shouted at us."}, token_from=here
    )
    assert no_reason.status_code == 400
    response = await post_form(
        client,
        f"{here}/redact",
        {
            "redacted_description": "[name] at [address] shouted at us.",
            "redacted_impact": "",
            "redaction_reason": "Names a person",
        },
        token_from=here,
    )
    assert response.status_code == 303
    officer_view = await client.get(here)
    assert "[name] at [address]" in officer_view.text
    assert "Acacia Road" not in officer_view.text
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/account")})
    admin = await people(Role.ADMIN)
    await sign_in(client, admin, clock)
    admin_view = await client.get(here)
    assert "Acacia Road" in admin_view.text
    assert "Names a person" in admin_view.text


async def test_unredacted_release_needs_a_second_officer(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client))
    report_id = await _report_id()
    first, second = await people(Role.OFFICER), await people(Role.OFFICER)
    await sign_in(client, first, clock)
    here = f"/desk/reports/{report_id}"
    referral = {
        "recipient": "police",
        "recipient_name": "",
        "shared": "The whole report",
        "basis": "crime_prevention",
        "unredacted": "yes",
    }
    assert (await post_form(client, f"{here}/refer", referral, token_from=here)).status_code == 303
    made = await Referral.select().first()
    assert made is not None
    assert made["status"] == "awaiting_approval"
    own = await post_form(
        client, f"/desk/referrals/{made['id']}/approve", {"report_id": str(report_id)}, token_from=here
    )
    assert own.status_code == 409
    await client.post("/sign-out", data={"_csrf_token": await csrf_token(client, "/account")})
    await sign_in(client, second, clock)
    approved = await post_form(
        client, f"/desk/referrals/{made['id']}/approve", {"report_id": str(report_id)}, token_from=here
    )
    assert approved.status_code == 303
    row = (await Referral.select().where(Referral.id == made["id"]))[0]
    assert (row["status"], row["approved_by"], row["referred_by"]) == ("made", second.id, first.id)


async def test_a_rumour_thread_tells_reporters_with_an_email(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token_of(await send_report(client, email="one@example.org"))
    token_of(await send_report(client))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    first, second = await _report_id(0), await _report_id(1)
    start = await post_form(
        client, f"/desk/reports/{first}/thread", {"thread_title": "Centre closing"}, token_from=f"/desk/reports/{first}"
    )
    assert start.status_code == 303
    thread_id = (await Report.select(Report.thread_id).where(Report.id == first))[0]["thread_id"]
    link = await post_form(
        client, f"/desk/reports/{second}/thread", {"thread_id": str(thread_id)}, token_from=f"/desk/reports/{second}"
    )
    assert link.status_code == 303
    counter = await post_form(
        client,
        f"/desk/threads/{thread_id}/counter",
        {"counter_message": "The centre is not closing; its lease runs to 2030."},
        token_from=f"/desk/threads/{thread_id}",
    )
    assert counter.status_code == 303
    assert counter.headers["location"].endswith("told=1")
    emails = await emails_to("one@example.org")
    assert "its lease runs to 2030" in emails[-1]["text"]
