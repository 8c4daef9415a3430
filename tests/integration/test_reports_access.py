"""Every reports route, for every viewer, answers as tests/access/reports.py says (written down, not read from
the guards): partners and facilitators never reach reports, members see aggregates only, a token shows one report."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.reports.tables import Report
from backend.settings import Settings
from tests.access.reports import EXPECTED
from tests.access.roles import PUBLIC
from tests.support.people import CSRF_FIELD, PeopleFactory, sign_in, sign_in_resident
from tests.support.reports import send_report, token_of

PREFIXES = ("/reports", "/desk", "/insight", "/api/v1/reports")
VIEWERS = ("anonymous", *[role.value for role in Role])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Many anonymous POSTs in one test: lift the rate limit."""
    return settings.with_overrides(anonymous_posts_per_minute=1_000_000)


def test_every_reports_route_is_in_the_access_table(app: Litestar) -> None:
    found = set()
    for route in app.routes:
        if not route.path.startswith(PREFIXES):
            continue
        for method in getattr(route, "route_handler_map", {}):
            if method not in {"HEAD", "OPTIONS"}:
                found.add((method, route.path))
    assert found == set(EXPECTED)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_each_viewer_gets_exactly_what_the_table_allows(
    viewer: str, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    token = token_of(await send_report(client))
    report_id = (await Report.select(Report.id))[0]["id"]
    values = {"token": token, "report_id": str(report_id), "referral_id": "1", "thread_id": "1"}
    if viewer == "resident":
        await sign_in_resident(client, "access-resident@example.org")
    elif viewer != "anonymous":
        await sign_in(client, await people(Role(viewer)), clock)
    csrf_match = CSRF_FIELD.search((await client.get("/reports/new")).text)
    assert csrf_match
    csrf = csrf_match.group(1)
    problems = []
    for (method, template), allowed in sorted(EXPECTED.items()):
        path = re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], template)
        if method == "GET":
            response = await client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
        elif path.startswith("/api/"):
            response = await client.post(path, json={}, follow_redirects=False)
        else:
            response = await client.post(path, data={"_csrf_token": csrf}, follow_redirects=False)
        status = response.status_code
        refused = status in {401, 403} or (status in {302, 303} and response.headers["location"].startswith("/sign-in"))
        may = PUBLIC in allowed or viewer in allowed
        if status >= 500:
            problems.append(f"{method} {template}: {status} for {viewer}")
        elif may and refused:
            problems.append(f"{method} {template}: {viewer} should get through, got {status}")
        elif not may and not refused:
            problems.append(f"{method} {template}: {viewer} should be refused, got {status}")
        if viewer == "member" and method == "GET" and status == 200 and "{token" not in template:
            assert "community centre will close" not in response.text, f"{template} shows report text to a member"
    assert not problems, "\n".join(problems)
