"""A reporter adds information to their report (the private link's form, the API, the phone's offline queue):
the same submission sent twice, one after the other or at the same moment, is stored once and answers the same."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.reports.tables import Report, ReportMessage
from tests.integration.test_bookings import all_at_once, browsers
from tests.support.html_checks import check_page
from tests.support.people import CSRF_FIELD
from tests.support.reports import NONCE_FIELD, send_report, token_of

Client = AsyncTestClient[Litestar]
ADDED = re.compile(r"^/reports/r/[\w-]+\?added=1#messages$")
TEXT = "It happened again on Friday evening, outside the library."


async def _status_form(http: httpx.AsyncClient | Client, token: str) -> tuple[str, str]:
    """Open the private link: the add form's CSRF token and nonce."""
    page = await http.get(f"/reports/r/{token}")
    assert page.status_code == 200, page.text
    csrf, nonce = CSRF_FIELD.search(page.text), NONCE_FIELD.search(page.text)
    assert csrf
    assert nonce
    return csrf.group(1), nonce.group(1)


async def _messages(token: str) -> list[str]:
    """What the reporter has added to the report this token belongs to, oldest first."""
    report = await Report.select(Report.id).where(Report.reference.is_not_null()).order_by(Report.id).first()
    assert report is not None
    rows = await (
        ReportMessage.select(ReportMessage.body)
        .where((ReportMessage.report_id == report["id"]) & (ReportMessage.author == "reporter"))
        .order_by(ReportMessage.id)
    )
    return [row["body"] for row in rows]


async def test_the_form_carries_a_nonce_and_each_visit_gets_a_new_one(client: Client) -> None:
    token = token_of(await send_report(client))
    page = await client.get(f"/reports/r/{token}")
    check_page(page.text, "en")
    _csrf, first = await _status_form(client, token)
    _csrf, second = await _status_form(client, token)
    assert first != second


async def test_the_same_form_sent_twice_at_once_adds_the_information_once(app: Litestar, client: Client) -> None:
    token = token_of(await send_report(client))
    async with browsers(app) as http:
        csrf, nonce = await _status_form(http, token)
        form = {"_csrf_token": csrf, "nonce": nonce, "information": TEXT}
        answers = await all_at_once(*[lambda: http.post(f"/reports/r/{token}/add", data=form) for _ in range(2)])
    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[:300] for answer in answers]
    assert {answer.headers["location"] for answer in answers} == {f"/reports/r/{token}?added=1#messages"}
    assert await _messages(token) == [TEXT]


async def test_the_same_key_sent_twice_at_once_over_the_api_adds_the_information_once(
    app: Litestar, client: Client
) -> None:
    token = token_of(await send_report(client))
    headers = {"Idempotency-Key": "3c1d7e0a-9b2f-4f6e-8a31-information"}
    body = {"information": TEXT}
    async with browsers(app) as http:
        answers = await all_at_once(
            lambda: http.post(f"/api/v1/reports/status/{token}/information", json=body, headers=headers),
            lambda: http.post(f"/api/v1/reports/status/{token}/information", json=body, headers=headers),
        )
    assert [answer.status_code for answer in answers] == [201, 201], [answer.text for answer in answers]
    # One of the two added it; the other answers as a replay of it.
    assert sorted(answer.headers.get("Idempotent-Replayed", "") for answer in answers) == ["", "true"]
    assert await _messages(token) == [TEXT]
    status = await client.get(f"/api/v1/reports/status/{token}")
    assert [message["body"] for message in status.json()["messages"]] == [TEXT]


async def test_a_retry_answers_as_the_first_did_and_a_new_form_adds_again(client: Client) -> None:
    token = token_of(await send_report(client))
    csrf, nonce = await _status_form(client, token)
    form = {"_csrf_token": csrf, "nonce": nonce, "information": TEXT}
    first = await client.post(f"/reports/r/{token}/add", data=form, follow_redirects=False)
    retry = await client.post(f"/reports/r/{token}/add", data=form, follow_redirects=False)
    assert (first.status_code, retry.status_code) == (303, 303)
    assert first.headers["location"] == retry.headers["location"]
    assert ADDED.match(first.headers["location"])
    assert await _messages(token) == [TEXT]
    shown = await client.get(first.headers["location"])
    assert "Your information has been added to your report." in shown.text
    # The same words sent again from a fresh page are a second, deliberate addition: kept.
    csrf, fresh = await _status_form(client, token)
    again = {"_csrf_token": csrf, "nonce": fresh, "information": TEXT}
    assert (await client.post(f"/reports/r/{token}/add", data=again, follow_redirects=False)).status_code == 303
    assert await _messages(token) == [TEXT, TEXT]


async def test_a_nonce_is_scoped_to_its_report(client: Client) -> None:
    first = token_of(await send_report(client))
    second = token_of(await send_report(client))
    key = {"Idempotency-Key": "the-same-key-for-two-reports"}
    for token in (first, second):
        response = await client.post(
            f"/api/v1/reports/status/{token}/information", json={"information": TEXT}, headers=key
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert await ReportMessage.count().where(ReportMessage.author == "reporter") == 2


async def test_the_same_nonce_with_other_words_is_refused_and_keeps_what_was_typed(client: Client) -> None:
    token = token_of(await send_report(client))
    csrf, nonce = await _status_form(client, token)
    await client.post(f"/reports/r/{token}/add", data={"_csrf_token": csrf, "nonce": nonce, "information": TEXT})
    other = "And a second thing: the posters were put back up."
    refused = await client.post(
        f"/reports/r/{token}/add", data={"_csrf_token": csrf, "nonce": nonce, "information": other}
    )
    assert refused.status_code == 409
    check_page(refused.text, "en")
    assert "This form was already used to send something else" in refused.text
    assert other in refused.text  # what was typed is still in the box
    renewed = NONCE_FIELD.search(refused.text)
    assert renewed
    assert renewed.group(1) != nonce  # sending it again now adds it
    assert await _messages(token) == [TEXT]
    again = await client.post(
        f"/reports/r/{token}/add",
        data={"_csrf_token": csrf, "nonce": renewed.group(1), "information": other},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert await _messages(token) == [TEXT, other]
    await client.get("/language/ur", follow_redirects=False)
    in_urdu = await client.post(
        f"/reports/r/{token}/add", data={"_csrf_token": csrf, "nonce": nonce, "information": "کچھ اور"}
    )
    assert in_urdu.status_code == 409
    check_page(in_urdu.text, "ur")
    assert "This form was already used" not in in_urdu.text  # translated
    assert "یہ فارم پہلے ہی کچھ اور بھیجنے کے لیے استعمال ہو چکا ہے" in in_urdu.text
    assert "کچھ اور" in in_urdu.text  # what was typed stays


async def test_the_api_refuses_a_key_used_for_other_information(client: Client) -> None:
    token = token_of(await send_report(client))
    key = {"Idempotency-Key": "a1b2c3d4e5f6a7b8-reused"}
    path = f"/api/v1/reports/status/{token}/information"
    assert (await client.post(path, json={"information": TEXT}, headers=key)).status_code == 201
    refused = await client.post(path, json={"information": "Something else entirely."}, headers=key)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "This Idempotency-Key was already used for other information"
    assert await _messages(token) == [TEXT]
    missing = await client.post(
        "/api/v1/reports/status/" + "a" * 43 + "/information", json={"information": TEXT}, headers=key
    )
    assert missing.status_code == 404
