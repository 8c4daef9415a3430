"""Residents report without an account: the notice, the form, the receipt, the private link, bad input."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.tables import AuditEntry
from backend.reports.tables import Referral, Report, ReportContact
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import CSRF_FIELD
from tests.support.reports import PARKS, form_page, report_form, send_report, token_of


async def test_the_notice_comes_first_with_999_and_hate_incident_signposting(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/reports")
    assert page.status_code == 200
    check_page(page.text, "en")
    for expected in ("999", "101", "True Vision", "Stop Hate UK", 'href="/reports/new"'):
        assert expected in page.text


async def test_an_anonymous_report_gives_a_reference_and_a_private_link(client: AsyncTestClient[Litestar]) -> None:
    token = token_of(await send_report(client))
    rows = await Report.select()
    assert len(rows) == 1
    report = rows[0]
    assert report["division_code"] == PARKS
    assert report["outcode"] == "OX4"  # the full postcode is not kept
    assert report["grading"] == "potential"  # "someone told me"
    assert report["status"] == "new"
    assert await ReportContact.count() == 0
    page = await client.get(f"/reports/r/{token}?sent=1")
    assert page.status_code == 200
    check_page(page.text, "en")
    assert report["reference"] in page.text
    assert "community centre will close" in page.text


async def test_the_same_nonce_twice_makes_one_report(client: AsyncTestClient[Litestar]) -> None:
    _csrf, nonce = await form_page(client)
    first = token_of(await send_report(client, nonce=nonce))
    second = token_of(await send_report(client, nonce=nonce))
    assert first == second
    assert await Report.count() == 1


async def test_a_report_queued_offline_is_taken_after_the_csrf_cookie_has_gone(
    client: AsyncTestClient[Litestar],
) -> None:
    """The phone's queue sends it hours later, when the browser has dropped its session cookies."""
    csrf, nonce = await form_page(client)
    client.cookies.clear()
    data = {"_csrf_token": csrf, "nonce": nonce, **report_form()}
    for foreign in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        refused = await client.post("/reports/new", data=data, headers=foreign, follow_redirects=False)
        assert refused.status_code == 403, foreign  # another site, or a request that says nothing, without a cookie
    assert await Report.count() == 0
    same_site = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    first = await client.post("/reports/new", data=data, headers=same_site, follow_redirects=False)
    again = await client.post("/reports/new", data=data, headers=same_site, follow_redirects=False)
    assert token_of(first) == token_of(again)
    assert await Report.count() == 1


async def test_the_form_shows_the_private_link_before_sending(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/reports/new")
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    nonce = page.text.split('name="nonce" value="')[1].split('"')[0]
    response = await client.post(
        "/reports/new", data={"_csrf_token": csrf.group(1), "nonce": nonce, **report_form()}, follow_redirects=False
    )
    token = token_of(response)
    assert f"/reports/r/{token}" in page.text  # an offline phone already holds its link


async def test_a_token_shows_only_its_own_report(client: AsyncTestClient[Litestar]) -> None:
    mine = token_of(await send_report(client, description="My own words about the bus stop."))
    token_of(await send_report(client, description="Somebody else's words about the park."))
    page = await client.get(f"/reports/r/{mine}")
    assert "bus stop" in page.text
    assert "the park" not in page.text
    unknown = await client.get("/reports/r/" + "x" * 43)
    assert unknown.status_code == 404
    assert "bus stop" not in unknown.text


async def test_contact_details_are_kept_apart_and_a_receipt_is_emailed(client: AsyncTestClient[Litestar]) -> None:
    token_of(await send_report(client, email="Resident@Example.org", phone="01865 792422"))
    report = (await Report.select(Report.id, Report.reference))[0]
    contact = await ReportContact.select().where(ReportContact.report_id == report["id"]).first()
    assert contact is not None
    assert contact["email"] == "resident@example.org"
    assert "resident@example.org" not in str(await Report.select().first())
    emails = await emails_to("resident@example.org")
    assert len(emails) == 1
    assert report["reference"] in emails[0]["text"]
    assert "/reports/r/" in emails[0]["text"]


async def test_a_hate_incident_with_police_opt_in_records_the_referral(client: AsyncTestClient[Litestar]) -> None:
    token_of(await send_report(client, category="hate_incident", hate_kind="religion", police_opt_in="yes"))
    report = (await Report.select())[0]
    assert report["police_opt_in"] is True
    assert report["hate_kind"] == "religion"
    referral = await Referral.select().first()
    assert referral is not None
    assert (referral["recipient"], referral["basis"], referral["status"]) == ("police", "consent", "requested")
    assert await AuditEntry.count().where(AuditEntry.action == "reports.police_opt_in") == 1


async def test_a_district_or_division_can_be_picked_instead_of_a_postcode(client: AsyncTestClient[Litestar]) -> None:
    token_of(await send_report(client, postcode="", area="division:E58002068"))
    token_of(await send_report(client, postcode="", area="district:E07000177"))
    rows = await Report.select(Report.division_code, Report.district_code).order_by(Report.id)
    assert rows == [
        {"division_code": "E58002068", "district_code": "E07000178"},
        {"division_code": "", "district_code": "E07000177"},
    ]


async def test_bad_input_gets_translated_messages_and_keeps_what_was_typed(client: AsyncTestClient[Litestar]) -> None:
    response = await send_report(
        client, category="", postcode="", description="<script>alert(1)</script> " + "x" * 5000
    )
    assert response.status_code == 400
    check_page(response.text, "en")
    assert "Choose what you want to report" in response.text
    assert "Enter a postcode or choose the area where it happened" in response.text
    assert "Must be 5000 characters or fewer" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # kept, shown as text
    assert "<script>alert(1)" not in response.text
    assert "Neighbours are angry with each other." in response.text
    assert await Report.count() == 0


async def test_an_unknown_postcode_is_explained_in_urdu(client: AsyncTestClient[Litestar]) -> None:
    await client.get("/language/ur", follow_redirects=False)
    response = await send_report(client, postcode="SW1A 1AA")
    assert response.status_code == 400
    assert 'lang="ur"' in response.text
    assert "We could not find that postcode in Oxfordshire" not in response.text  # translated
    assert 'value="SW1A 1AA"' in response.text
    invalid = await send_report(client, postcode="NOT A CODE")
    assert invalid.status_code == 400
    assert await Report.count() == 0


async def test_markup_in_a_report_is_shown_as_text(client: AsyncTestClient[Litestar]) -> None:
    token = token_of(await send_report(client, description='<img src=x onerror="alert(1)"> <b>bold</b>'))
    page = await client.get(f"/reports/r/{token}")
    assert "&lt;img src=x" in page.text
    assert "<b>bold</b>" not in page.text


async def test_the_honeypot_makes_no_report(client: AsyncTestClient[Litestar]) -> None:
    response = await send_report(client, website="http://spam.example")
    assert response.status_code == 303
    assert response.headers["location"] == "/reports/sent"
    assert await Report.count() == 0


async def test_the_reporter_adds_information_through_the_link(client: AsyncTestClient[Litestar]) -> None:
    token = token_of(await send_report(client))
    page = await client.get(f"/reports/r/{token}")
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    empty = await client.post(f"/reports/r/{token}/add", data={"_csrf_token": csrf.group(1), "information": ""})
    assert empty.status_code == 400
    assert "Enter the information you want to add" in empty.text
    added = await client.post(
        f"/reports/r/{token}/add",
        data={"_csrf_token": csrf.group(1), "information": "It happened again on Friday."},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert "It happened again on Friday." in (await client.get(f"/reports/r/{token}")).text
