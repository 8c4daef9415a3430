"""A resident asks for a Listening Exchange: the steps, bad input, the private link, the API — both databases."""

from __future__ import annotations

import re
from datetime import timedelta

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.exchanges.tables import ExchangeAvailability, ExchangeRequest, ExchangeStance, ExchangeSurvey
from tests.support.exchanges import answers, make_slot, make_topic, post_fields, request_token, send_request
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import CSRF_FIELD, sign_in_resident

Client = AsyncTestClient[Litestar]


async def step(client: Client, fields: list[tuple[str, str]], locale: str = "en") -> str:
    page = await client.get("/exchanges/topics/ltn/request", headers={"Accept-Language": locale})
    token = CSRF_FIELD.search(page.text)
    assert token
    response = await post_fields(
        client, "/exchanges/topics/ltn/request", [("_csrf_token", token.group(1)), *fields], locale
    )
    return f"{response.status_code}\n{response.text}"


def hidden(html: str) -> list[tuple[str, str]]:
    """The hidden fields a step carries forward (what was answered on earlier steps)."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (str(i["name"]), str(i["value"]))
        for i in soup.select("form input[type=hidden]")
        if i["name"] not in {"_csrf_token", "step"}
    ]


async def error_summary(client: Client, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A refused step's error summary: each message and the field it links to."""
    status, html = (await step(client, fields)).split("\n", 1)
    assert status == "400"
    links = BeautifulSoup(html, "html.parser").select(".govuk-error-summary__list a")
    return [(" ".join(link.get_text().split()), str(link["href"])) for link in links]


async def test_the_steps_keep_every_answer_and_explain_what_is_missing(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic)
    page = await client.get("/exchanges/topics/ltn")
    assert page.status_code == 200
    check_page(page.text, "en")
    assert "18 or over" in page.text
    # Step 1 with one statement unanswered: 400, the error, and the two answers kept.
    result = await step(client, [("step", "stances"), ("stance_1", "1"), ("stance_2", "5")])
    status, html = result.split("\n", 1)
    assert status == "400"
    check_page(html, "en")
    assert "Choose how far you agree with statement 3" in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("input[name=stance_1][value='1']").has_attr("checked")
    assert soup.select_one("input[name=stance_2][value='5']").has_attr("checked")
    # Complete: the consent step, carrying the stances.
    status, html = (
        await step(client, [("step", "stances"), ("stance_1", "1"), ("stance_2", "5"), ("stance_3", "2")])
    ).split("\n", 1)
    assert status == "200"
    assert "Your consent" in html
    carried = hidden(html)
    assert ("stance_1", "1") in carried
    assert ("stance_3", "2") in carried
    # Consent without the age confirmation: refused, answers still carried.
    status, html = (await step(client, [*carried, ("step", "consent"), ("consent", "yes")])).split("\n", 1)
    assert status == "400"
    assert "18 or over" in html
    assert ("stance_2", "5") in hidden(html)
    status, html = (await step(client, [*carried, ("step", "consent"), ("consent", "yes"), ("adult", "yes")])).split(
        "\n", 1
    )
    assert status == "200"
    carried = hidden(html)
    status, html = (
        await step(
            client, [*carried, ("step", "before"), ("thermometer", "101"), ("understanding", "3"), ("willingness", "4")]
        )
    ).split("\n", 1)
    assert status == "400"
    assert "Enter a number from 0 to 100" in html
    # Nothing answered: the summary says which question each error is about, each linked to its field.
    summary = await error_summary(client, [("step", "stances")])
    assert summary == [(f"Choose how far you agree with statement {n}", f"#stance_{n}") for n in (1, 2, 3)]
    assert await error_summary(client, [*carried, ("step", "before")]) == [
        ("Enter a number from 0 to 100", "#thermometer"),
        ("Choose how well you understand why people hold the opposite view, from 1 to 7", "#understanding"),
        ("Choose how willing you are to talk with someone who disagrees with you, from 1 to 7", "#willingness"),
    ]
    status, html = (
        await step(
            client, [*carried, ("step", "before"), ("thermometer", "60"), ("understanding", "3"), ("willingness", "4")]
        )
    ).split("\n", 1)
    assert status == "200"
    carried = hidden(html)
    # No slot chosen: explained; then one chosen.
    status, html = (await step(client, [*carried, ("step", "slots")])).split("\n", 1)
    assert status == "400"
    assert "Choose at least one session you could attend" in html
    status, html = (await step(client, [*carried, ("step", "slots"), ("slots", str(slot))])).split("\n", 1)
    assert status == "200"
    assert 'action="/exchanges/topics/ltn/request/send"' in html
    carried = hidden(html)
    assert ("slots", str(slot)) in carried
    assert ("consent", "yes") in carried
    assert ("thermometer", "60") in carried
    # Back from the last step keeps everything too.
    status, html = (await step(client, [*carried, ("step", "slots"), ("go", "back")])).split("\n", 1)
    assert status == "200"


async def test_a_sent_request_stores_once_and_its_link_opens_only_it(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic)
    fields = answers((1, 1, 2), [slot], email="ola@example.org", first_name="Ola", languages=("pl",), nonce="n" * 24)
    first = await send_request(client, fields, locale="pl")
    again = await send_request(client, fields, locale="pl")  # a double submit, or the offline queue's replay
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert await ExchangeRequest.count() == 1
    found = re.search(r"/exchanges/requests/([\w-]+)", first.headers["location"])
    assert found
    token = found.group(1)
    page = await client.get(f"/exchanges/requests/{token}", headers={"Accept-Language": "pl"})
    assert page.status_code == 200
    check_page(page.text, "pl")
    row = await ExchangeRequest.select().first()
    assert row is not None
    assert row["reference"] in page.text
    assert row["locale"] == "pl"
    assert row["first_name"] == "Ola"
    assert await ExchangeStance.count() == 1
    assert await ExchangeSurvey.count() == 1
    emails = await emails_to("ola@example.org")
    assert len(emails) == 1
    assert emails[0]["locale"] == "pl"
    assert f"/exchanges/requests/{token}" in emails[0]["text"]
    assert "Dzielnice o ograniczonym ruchu" in emails[0]["text"]  # the topic in her language
    # Someone else's request: their token never opens this one.
    other = await request_token(client, answers((5, 5, 5), [slot], email="sam@example.org"))
    assert other != token
    other_page = await client.get(f"/exchanges/requests/{other}")
    assert row["reference"] not in other_page.text
    assert (await client.get(f"/exchanges/requests/{token[:-2]}xx")).status_code == 404


async def test_a_slot_that_closes_while_choosing_keeps_the_other_answers(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    soon = await make_slot(app, clock, topic, days=3)
    later = await make_slot(app, clock, topic, days=9)
    fields = answers((1, 2, 3), [soon], email="kim@example.org")
    clock.advance(days=1, seconds=60)  # the first slot's cut-off (two days before it) has passed
    response = await send_request(client, fields)
    assert response.status_code == 400
    check_page(response.text, "en")
    assert "have just closed" in response.text
    carried = hidden(response.text)
    assert ("stance_3", "3") in carried
    assert ("email", "kim@example.org") in carried
    assert f'value="{later}"' in response.text
    assert await ExchangeRequest.count() == 0


async def test_withdrawing_deletes_stances_and_answers(client: Client, app: Litestar, clock: SettableClock) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic)
    token = await request_token(client, answers((1, 1, 1), [slot], email="lee@example.org"))
    page = await client.get(f"/exchanges/requests/{token}")
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    response = await client.post(f"/exchanges/requests/{token}/withdraw", data={"_csrf_token": csrf.group(1)})
    assert response.status_code == 200
    assert "You have withdrawn" in response.text
    assert await ExchangeStance.count() == 0
    assert await ExchangeSurvey.count() == 0
    assert await ExchangeAvailability.count() == 0
    row = await ExchangeRequest.select(ExchangeRequest.status).first()
    assert row == {"status": "withdrawn"}


async def test_the_api_takes_a_request_once_per_idempotency_key(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic)
    topics = await client.get("/api/v1/exchanges/topics", headers={"Accept-Language": "ur"})
    assert topics.json()[0]["title"] == "کم ٹریفک والے محلے"
    slots = (await client.get("/api/v1/exchanges/topics/ltn/slots")).json()
    assert [s["id"] for s in slots] == [slot]
    assert "online_link" not in slots[0]
    body = {
        "topic": "ltn",
        "stances": [5, 4, 5],
        "consent": True,
        "adult": True,
        "thermometer": 30,
        "understanding": 2,
        "willingness": 6,
        "slots": [slot],
        "languages": ["ur", "en"],
        "first_name": "Ayesha",
        "email": "ayesha@example.org",
    }
    key = {"Idempotency-Key": "a1b2c3d4e5f6a7b8c9d0"}
    first = await client.post("/api/v1/exchanges/requests", json=body, headers={**key, "Accept-Language": "ur"})
    second = await client.post("/api/v1/exchanges/requests", json=body, headers={**key, "Accept-Language": "ur"})
    assert first.status_code == second.status_code == 201
    assert first.json()["token"] == second.json()["token"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await ExchangeRequest.count() == 1
    status = await client.get(f"/api/v1/exchanges/requests/{first.json()['token']}")
    assert status.json()["status"] == "waiting"
    under_age = await client.post("/api/v1/exchanges/requests", json={**body, "adult": False})
    assert under_age.status_code == 400  # the schema says `adult` must be true
    clock.advance(days=6)
    closed = await client.post("/api/v1/exchanges/requests", json={**body, "email": "x@example.org"})
    assert closed.status_code == 409
    assert timedelta(days=6)  # the slot's cut-off (5 days away) has passed


async def test_the_resident_pages_pass_the_house_checks_in_urdu(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic, online=False, features=("step_free",))
    headers = {"Accept-Language": "ur"}
    for path in ("/exchanges", "/exchanges/topics/ltn", "/exchanges/topics/ltn/request"):
        page = await client.get(path, headers=headers)
        assert page.status_code == 200, path
        check_page(page.text, "ur")
    topic_page = await client.get("/exchanges/topics/ltn", headers=headers)
    assert "کم ٹریفک والے محلے" in topic_page.text
    # Each Latin run isolated inside right-to-left text, so none borrows the next sentence's digits or full
    # stop: the date, the times (left to right), the address (its postcode left to right, on one line).
    session = topic_page.text.split('<ul class="govuk-list govuk-list--spaced">', 1)[1].split("</li>", 1)[0]
    assert re.search(r'^\s*<li><bdi>[^<]+</bdi>, <bdi dir="ltr">\d\d:\d\d–\d\d:\d\d</bdi>\. ', session)
    assert '<bdi>Town Hall, Oxford <bdi dir="ltr">OX1 1BX</bdi></bdi>. ' in session  # the address as one run
    assert "سیڑھیوں کے بغیر رسائی. سہولت کار: <bdi>Fran</bdi>." in session  # a space between sentences
    token = await request_token(client, answers((1, 2, 3), [slot], email="ur@example.org", languages=("ur",)), "ur")
    status = await client.get(f"/exchanges/requests/{token}?sent=1", headers=headers)
    sent = check_page(status.text, "ur")
    reference = (await ExchangeRequest.select(ExchangeRequest.reference).first() or {})["reference"]
    assert f"<bdi>{reference}</bdi>" in status.text
    # The confirmation panel: a label, then the reference as markup (its tags once showed as text).
    panel = sent.select_one(".govuk-panel__body")
    assert " ".join(panel.get_text(" ").split()) == f"آپ کا حوالہ {reference}"
    assert panel.select_one('bdi[dir="ltr"]').get_text() == reference
    survey = await client.get(f"/exchanges/requests/{token}/survey/after", headers=headers)
    check_page(survey.text, "ur")


async def test_a_signed_in_resident_sees_their_requests_on_their_account_page(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock)
    slot = await make_slot(app, clock, topic)
    # Someone else's request, sent signed out: it must not appear on her account page.
    await request_token(client, answers((5, 5, 5), [slot], email="sam@example.org"))
    await sign_in_resident(client, "nadia@example.org")
    page = await client.get("/account", headers={"Accept-Language": "ur"})
    assert "آپ کی سننے کے تبادلے کی درخواستیں" not in page.text  # no requests yet: no section
    await request_token(client, answers((1, 1, 2), [slot], email="nadia@example.org", languages=("ur",)), "ur")
    mine = await ExchangeRequest.select().where(ExchangeRequest.email == "nadia@example.org").first()
    theirs = await ExchangeRequest.select().where(ExchangeRequest.email == "sam@example.org").first()
    assert mine is not None
    assert theirs is not None
    page = await client.get("/account", headers={"Accept-Language": "ur"})
    assert page.status_code == 200
    check_page(page.text, "ur")
    section = BeautifulSoup(page.text, "html.parser").find("h2", string="آپ کی سننے کے تبادلے کی درخواستیں")
    assert section is not None
    listing = section.find_next("dl").get_text(" ", strip=True)
    assert "کم ٹریفک والے محلے" in listing  # the topic, in Urdu
    assert mine["reference"] in listing
    assert "جوڑا بننے کا انتظار" in listing  # "waiting to be matched"
    assert theirs["reference"] not in page.text
