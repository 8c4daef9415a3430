"""The engagement domain's routes answer each viewer as tests/access/engagement.py says (and none is missing
from that table) — real requests, anonymous and as every role."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.settings import Settings
from tests.access.engagement import EXPECTED
from tests.access.roles import PUBLIC, SIGNED_IN
from tests.support.people import PeopleFactory, csrf_token, sign_in, sign_in_resident

DOMAIN_PREFIXES = (
    "/have-your-say",
    "/you-said-we-did",
    "/feedback",
    "/officer/engagement",
    "/api/v1/questions",
    "/api/v1/you-said-we-did",
    "/api/v1/feedback",
    "/api/v1/engagement",
)
EXAMPLES = {"question_id": "1", "answer_id": "1", "token": "x" * 32}
VIEWERS = ("anonymous", *[role.value for role in Role])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Many anonymous POSTs: lift the rate limit for this test."""
    return settings.with_overrides(anonymous_posts_per_minute=1_000_000)


def engagement_routes(app: Litestar) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if route.path.startswith(DOMAIN_PREFIXES):
            found.extend(
                (method, route.path) for method in getattr(route, "methods", ()) if method not in {"HEAD", "OPTIONS"}
            )
    return sorted(found)


def test_every_engagement_route_is_in_the_table(app: Litestar) -> None:
    assert set(engagement_routes(app)) == set(EXPECTED)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_each_viewer_gets_what_the_table_says(
    viewer: str, app: Litestar, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    if viewer == "resident":
        await sign_in_resident(client, "access-resident@example.org")
    elif viewer != "anonymous":
        await sign_in(client, await people(Role(viewer)), clock)
    token = await csrf_token(client, "/feedback")
    problems = []
    for method, template in engagement_routes(app):
        path = re.sub(r"{(\w+):\w+}", lambda match: EXAMPLES[match.group(1)], template)
        if method == "GET":
            response = await client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
        else:
            response = await client.request(
                method, path, data={"_csrf_token": token}, follow_redirects=False, headers={"Accept": "text/html"}
            )
        allowed = EXPECTED[method, template]
        expected_through = PUBLIC in allowed or viewer in allowed or (SIGNED_IN in allowed and viewer != "anonymous")
        status = response.status_code
        refused = status in {401, 403} or (status in {302, 303} and response.headers["location"].startswith("/sign-in"))
        if status >= 500:
            problems.append(f"{method} {template}: {status}")
        elif expected_through == refused:
            problems.append(f"{method} {template}: {viewer} got {status}")
    assert not problems, "\n".join(problems)
