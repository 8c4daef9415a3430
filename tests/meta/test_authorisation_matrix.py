"""Every route, requested anonymously and as each role: only the allowed get through, and never a 500.

Allowed is read from the route's own declaration (its role guards, `requires_sign_in`, or the public
marker), so a route added with the wrong guard shows up here as a mismatch with what the app does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.guards import requires_sign_in
from backend.core.roles import Role
from backend.settings import Settings
from tests.support.people import CSRF_FIELD, PeopleFactory, sign_in, sign_in_resident

SKIPPED_PREFIXES = ("/static", "/icons", "/schema")
# Values for path parameters; a route with a parameter not listed here fails the test.
PATH_EXAMPLES = {
    "user_id": "1",
    "job_id": "1",
    "token": "x" * 32,
    "code": "pl",
    "organisation_id": "1",
    "event_id": "1",
    "occurrence_id": "1",
    "category_id": "1",
    "event_ref": "1",  # /events/{event_ref} (a page, or `1.ics`)
    "occurrence_ref": "1",
    "booking_id": "1",
    "feedback_id": "1",
    "entry_id": "1",
    "slug": "no-such-topic",
    "slot_id": "1",
    "topic_id": "1",
    "pair_id": "1",
    "wave": "after",
}
VIEWERS = ("anonymous", *[role.value for role in Role])


def declared_access(handler: HTTPRouteHandler) -> frozenset[str] | None:
    """The roles a handler admits (None = everyone, including anonymous visitors)."""
    allowed: frozenset[str] | None = None
    for wrapped in handler.resolve_guards():
        guard = getattr(wrapped, "func", wrapped)  # Litestar wraps guards in AsyncCallable
        roles = getattr(guard, "allowed_roles", None)
        if roles is not None:
            allowed = frozenset(r.value for r in roles) if allowed is None else allowed & {r.value for r in roles}
        elif guard is requires_sign_in:
            allowed = frozenset(r.value for r in Role) if allowed is None else allowed
    return allowed


def routes(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    found = []
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        for method, (handler, _kwargs_model) in getattr(route, "route_handler_map", {}).items():
            if method in {"HEAD", "OPTIONS"} or not isinstance(handler, HTTPRouteHandler):
                continue
            path = route.path
            for name in re.findall(r"{(\w+)(?::\w+)?}", route.path_format if hasattr(route, "path_format") else path):
                assert name in PATH_EXAMPLES, f"add an example value for {{{name}}} ({path}) to PATH_EXAMPLES"
                path = re.sub(r"{" + name + r"(:\w+)?}", PATH_EXAMPLES[name], path)
            found.append((method, path, handler))
    return sorted(found, key=lambda item: (item[1], item[0]))


async def request_as(client: AsyncTestClient[Litestar], method: str, path: str, token: str) -> Any:
    if method == "GET":
        return await client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
    return await client.request(
        method, path, data={"_csrf_token": token}, follow_redirects=False, headers={"Accept": "text/html"}
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This test makes far more anonymous POSTs than a visitor may; lift the rate limit for it."""
    return settings.with_overrides(anonymous_posts_per_minute=1_000_000)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_only_allowed_viewers_get_through(
    viewer: str, app: Litestar, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await people(Role.PARTNER)  # makes sure user 1 exists for /admin/users/{user_id}
    if viewer == "resident":
        await sign_in_resident(client, "matrix-resident@example.org")
    elif viewer != "anonymous":
        await sign_in(client, await people(Role(viewer)), clock)
    token_page = await client.get("/sign-in/email")
    token = CSRF_FIELD.search(token_page.text).group(1)
    problems = []
    checked = routes(app)
    assert {("GET", "/admin/users"), ("GET", "/account"), ("POST", "/sign-in")} <= {(m, p) for m, p, _ in checked}
    for method, path, handler in checked:
        if path in {"/sign-out", "/account/sign-out-everywhere", "/account/delete", "/account/recovery-codes"}:
            continue  # they end or change this viewer's session; their access is covered by the GET pages
        response = await request_as(client, method, path, token)
        allowed = declared_access(handler)
        status = response.status_code
        if status >= 500:
            problems.append(f"{method} {path}: {status} for {viewer}")
            continue
        refused = status in {401, 403} or (status in {302, 303} and response.headers["location"].startswith("/sign-in"))
        if allowed is None:
            if status in {401, 403}:
                problems.append(f"{method} {path}: public, but {viewer} got {status}")
        elif viewer in allowed:
            if refused:
                problems.append(f"{method} {path}: {viewer} should get through, got {status}")
        elif not refused:
            problems.append(f"{method} {path}: {viewer} should be refused, got {status}")
        elif viewer == "anonymous" and status == 403 and method == "GET":
            problems.append(f"{method} {path}: anonymous should be sent to sign in, got 403")
    assert not problems, "\n".join(problems)
