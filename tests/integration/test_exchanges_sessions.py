"""After matching: the facilitator's attendance, the questionnaires, the officers' evaluation with suppression,
the researchers' export, and retention — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.exchanges.jobs import purge_identities
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSurvey
from backend.settings import Settings
from tests.support.exchanges import answers, make_slot, make_topic, pairing_of, post_fields, request_token
from tests.support.outbox import emails_to
from tests.support.people import CSRF_FIELD, PeopleFactory, csrf_token, sign_in

Client = AsyncTestClient[Litestar]


async def test_attendance_questionnaires_evaluation_export_and_retention(
    client: Client, app: Litestar, clock: SettableClock, settings: Settings, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=4, facilitator_id=facilitator.id)
    tokens = {}
    for index in range(8):
        stance = (1, 1, 1) if index % 2 else (5, 5, 5)
        email = f"person{index}@example.org"
        tokens[email] = await request_token(client, answers(stance, [slot], email=email, first_name=f"Name{index}"))
    assert (await pairing_of(app, clock).run_matching(slot)).pairs == 4

    # The facilitator sees first names, languages and needs; never emails or stances.
    await sign_in(client, facilitator, clock)
    page = await client.get(f"/facilitator/exchanges/slots/{slot}")
    assert page.status_code == 200
    assert "Name0" in page.text
    assert "person0@example.org" not in page.text
    pairs = await ExchangePair.select().order_by(ExchangePair.id)
    absent = pairs[0]["request_a"]
    token = await csrf_token(client, f"/facilitator/exchanges/slots/{slot}")
    for pair in pairs:
        marks = [(f"mark_{pair['request_a']}", "no_show" if pair["request_a"] == absent else "attended")]
        marks.append((f"mark_{pair['request_b']}", "attended"))
        response = await post_fields(
            client, f"/facilitator/exchanges/pairs/{pair['id']}/attendance", [("_csrf_token", token), *marks]
        )
        assert response.status_code == 303
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.attendance_marked") == 4
    partner = await ExchangeRequest.select().where(ExchangeRequest.id == pairs[0]["request_b"]).first()
    assert partner is not None
    assert partner["status"] == "waiting"  # back in the pool, and told
    assert any("did not come" in e["text"] for e in await emails_to(partner["email"]))

    # After the session: the after-questionnaire opens for those who came (not for the no-show).
    clock.advance(days=7, hours=2)
    absent_row = await ExchangeRequest.select().where(ExchangeRequest.id == absent).first()
    assert absent_row is not None
    closed = await client.get(f"/exchanges/requests/{tokens[absent_row['email']]}/survey/after")
    assert "not open yet" in closed.text
    attended = [email for email in tokens if email != absent_row["email"]]
    for email in attended:
        path = f"/exchanges/requests/{tokens[email]}/survey/after"
        page = await client.get(path)
        form_token = CSRF_FIELD.search(page.text)
        assert form_token, page.text
        fields = [
            ("_csrf_token", form_token.group(1)),
            ("thermometer", "50"),  # 40 before: +10
            ("understanding", "5"),  # 3 before: +2
            ("willingness", "5"),  # 5 before: 0
            ("heard", "6"),
            ("understand_better", "6"),
            ("comment", f"private words of {email}"),
        ]
        response = await post_fields(client, path, fields)
        assert response.status_code == 303, response.text
    assert await ExchangeSurvey.count().where(ExchangeSurvey.wave == "after") == 7

    # The officer's dashboard: 7 took part (change shown); comparison group and no-shows under 5 are suppressed.
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    dashboard = await client.get("/officer/exchanges/evaluation")
    assert dashboard.status_code == 200
    text = dashboard.text
    assert "fewer than 5" in text
    aggregates = (await client.get("/api/v1/exchanges/evaluation")).json()
    assert aggregates["requests"]["value"] == 8
    assert aggregates["attended"]["value"] == 7
    assert aggregates["no_shows"] == {
        "n_label": "fewer than 5",
        "value": None,
        "low": None,
        "high": None,
        "suppressed": True,
    }
    thermometer = aggregates["changes"]["thermometer"]["after"]
    assert thermometer["exchange"]["value"] == 10.0
    assert thermometer["exchange"]["low"] == 10.0
    assert thermometer["exchange"]["high"] == 10.0
    assert aggregates["changes"]["understanding"]["after"]["exchange"]["value"] == 2.0
    assert thermometer["comparison"]["suppressed"] is True
    assert aggregates["changes"]["thermometer"]["follow_up"]["exchange"]["suppressed"] is True

    # The export: one row per request, fresh random ids each time, no emails or unshared comments; audited.
    token = await csrf_token(client, "/officer/exchanges/export/dictionary")
    first = await client.post("/officer/exchanges/export.csv", data={"_csrf_token": token})
    second = await client.post("/officer/exchanges/export.csv", data={"_csrf_token": token})
    rows = list(csv.DictReader(io.StringIO(first.text)))
    again = list(csv.DictReader(io.StringIO(second.text)))
    assert len(rows) == 8
    assert "@" not in first.text
    assert "private words" not in first.text
    assert "Name" not in first.text
    assert not {r["participant"] for r in rows} & {r["participant"] for r in again}
    assert sorted(r["after_thermometer"] for r in rows) == ["", *["50"] * 7]
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.export") == 2

    # Retention: nothing identifying goes before 12 months after the last slot; then it does, surveys stay.
    assert await purge_identities(settings, clock.now() + timedelta(days=330)) == 0
    purged = await purge_identities(settings, clock.now() + timedelta(days=380))
    assert purged == 8
    left = await ExchangeRequest.select(ExchangeRequest.email, ExchangeRequest.first_name)
    assert {(r["email"], r["first_name"]) for r in left} == {("", "")}
    assert await ExchangeSurvey.count() == 8 + 7
    assert (await client.get(f"/exchanges/requests/{tokens['person1@example.org']}")).status_code == 404
