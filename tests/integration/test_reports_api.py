"""The reports API: submission with an Idempotency-Key (exactly one report), status by token, officers' operations."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.reports.tables import Report
from tests.support.people import PeopleFactory, sign_in

BODY = {
    "category": "group_tension",
    "description": "Shouting between two groups outside the mosque after Friday prayers.",
    "postcode": "OX4",
    "source": "saw",
}


async def test_a_retried_submission_makes_one_report(client: AsyncTestClient[Litestar]) -> None:
    key = "7f1c2e9a-4b7d-4c1e-9f00-1234567890ab"
    first = await client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": key})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert await Report.count() == 1
    receipt = first.json()
    assert receipt["reference"].startswith("TR-")
    status = await client.get(f"/api/v1/reports/status/{receipt['token']}")
    assert status.status_code == 200
    assert status.json()["status"] == "new"
    assert status.json()["reference"] == receipt["reference"]
    other = await client.post("/api/v1/reports", json=BODY, headers={"Idempotency-Key": key + "-other"})
    assert other.json()["reference"] != receipt["reference"]
    assert await Report.count() == 2


async def test_bad_input_is_explained_field_by_field(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/api/v1/reports", json={"category": "nonsense", "description": "", "postcode": "ZZ99 9ZZ"}
    )
    assert response.status_code == 400
    keys = {error["key"] for error in response.json()["errors"]}
    assert keys == {"category", "postcode", "description", "source"}
    assert await Report.count() == 0
    missing = await client.get("/api/v1/reports/status/" + "a" * 43)
    assert missing.status_code == 404


async def test_officers_triage_reply_and_close_over_the_api(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token = (await client.post("/api/v1/reports", json=BODY)).json()["token"]
    report_id = (await Report.select(Report.id))[0]["id"]
    refused = await client.post(f"/api/v1/reports/desk/{report_id}/close", json={"outcome": "resolved"})
    assert refused.status_code == 401
    await sign_in(client, await people(Role.OFFICER), clock)
    triage = await client.post(
        f"/api/v1/reports/desk/{report_id}/triage",
        json={"category": "group_tension", "tension_level": 5, "division": "E58002068"},
    )
    assert triage.status_code == 200, triage.text
    assert (
        await client.post(f"/api/v1/reports/desk/{report_id}/reply", json={"template": "received"})
    ).status_code == 200
    closed = await client.post(f"/api/v1/reports/desk/{report_id}/close", json={"outcome": "resolved"})
    assert closed.status_code == 200
    again = await client.post(f"/api/v1/reports/desk/{report_id}/close", json={"outcome": "resolved"})
    assert again.status_code == 409
    status = (await client.get(f"/api/v1/reports/status/{token}")).json()
    assert (status["status"], status["outcome"]) == ("closed", "resolved")
    assert status["messages"][0]["author"] == "officer"
