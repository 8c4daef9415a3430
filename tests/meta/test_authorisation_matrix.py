"""Every route, requested anonymously and as each role (real sign-ins): only those the access tables allow get
through, and never a 500.

What is allowed is written down by hand in `tests/access/` (one module per domain), independently of the guards,
so a wrong guard shows up here as a difference between the table and what the app does. A route missing from the
tables fails, and so does a table entry for a route that no longer exists.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient
from litestar.utils import ensure_async_callable

from backend.app import create_app
from backend.core.clock import SettableClock
from backend.core.guards import requires_sign_in
from backend.core.roles import Role
from backend.settings import Settings
from tests.access import expected_access
from tests.access.roles import ANONYMOUS, RESIDENT, VIEWERS
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
    "question_id": "1",
    "answer_id": "1",
    "report_id": "1",
    "referral_id": "1",
    "thread_id": "1",
    "slug": "no-such-topic",
    "slot_id": "1",
    "topic_id": "1",
    "pair_id": "1",
    "wave": "after",
}
# They end or change this viewer's session; their access is checked with a session of their own below.
SESSION_ENDING = frozenset(
    {
        ("POST", "/sign-out"),
        ("POST", "/account/sign-out-everywhere"),
        ("POST", "/account/delete"),
        ("POST", "/account/recovery-codes"),
    }
)

_residents = itertools.count(1)

Route = tuple[str, str, str, HTTPRouteHandler]  # method, path template, a concrete path, the handler


def routes(app: Litestar) -> list[Route]:
    """Every method of every route the app answers (HEAD and OPTIONS, which Litestar derives, aside)."""
    found = []
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        for method, (handler, _kwargs_model) in getattr(route, "route_handler_map", {}).items():
            if method in {"HEAD", "OPTIONS"} or not isinstance(handler, HTTPRouteHandler):
                continue
            path = route.path
            for name in re.findall(r"{(\w+)(?::\w+)?}", route.path):
                assert name in PATH_EXAMPLES, f"add an example value for {{{name}}} ({route.path}) to PATH_EXAMPLES"
                path = re.sub(r"{" + name + r"(:\w+)?}", PATH_EXAMPLES[name], path)
            found.append((method, route.path, path, handler))
    return sorted(found, key=lambda item: (item[1], item[0]))


def missing_and_stale(app: Litestar) -> tuple[list[str], list[str]]:
    """Routes the tables do not mention, and table entries for routes the app does not have."""
    expected = expected_access()
    answered = {(method, template) for method, template, _path, _handler in routes(app)}
    missing = sorted(f"{method} {template}" for method, template in answered - expected.keys())
    stale = sorted(f"{method} {template}" for method, template in expected.keys() - answered)
    return missing, stale


async def request_as(client: AsyncTestClient[Litestar], method: str, path: str, token: str) -> Any:
    if method == "GET":
        return await client.get(path, follow_redirects=False, headers={"Accept": "text/html"})
    return await client.request(
        method, path, data={"_csrf_token": token}, follow_redirects=False, headers={"Accept": "text/html"}
    )


async def sign_in_as(
    viewer: str, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    if viewer == RESIDENT:
        await sign_in_resident(client, f"matrix-resident-{next(_residents)}@example.org")
    elif viewer != ANONYMOUS:
        await sign_in(client, await people(Role(viewer)), clock)


def judge(viewer: str, allowed: frozenset[str], method: str, template: str, response: Any) -> str | None:
    """What is wrong with this answer to this viewer (None when it is what the tables say)."""
    status = response.status_code
    if status >= 500:
        return f"{method} {template}: {status} for {viewer}"
    if allowed == frozenset(VIEWERS):
        # A public page may send a visitor back to the start of signing in (a two-factor step without the
        # password step before it); a refusal is a 401 or 403.
        return f"{method} {template}: public, but {viewer} got {status}" if status in {401, 403} else None
    sent_to_sign_in = status in {302, 303} and response.headers["location"].startswith("/sign-in")
    refused = status in {401, 403} or sent_to_sign_in
    if viewer in allowed:
        return f"{method} {template}: {viewer} should get through, got {status}" if refused else None
    if not refused:
        return f"{method} {template}: {viewer} should be refused, got {status}"
    if viewer == ANONYMOUS and status == 403 and method == "GET":
        return f"{method} {template}: anonymous should be sent to sign in, got 403"
    return None


async def differences(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    viewer: str,
    *,
    only: str = "",
    skip: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Where the app's answers to this (already signed-in) viewer differ from the tables."""
    expected = expected_access()
    token = CSRF_FIELD.search((await client.get("/sign-in/email")).text).group(1)
    problems = []
    for method, template, path, _handler in routes(app):
        if not template.startswith(only) or (method, template) in skip:
            continue
        if (method, template) not in expected:
            problems.append(f"{method} {template}: not in the access tables (tests/access/)")
            continue
        problem = judge(
            viewer, expected[method, template], method, template, await request_as(client, method, path, token)
        )
        if problem:
            problems.append(problem)
    return problems


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This test makes far more anonymous POSTs than a visitor may; lift the rate limit for it."""
    return settings.with_overrides(anonymous_posts_per_minute=1_000_000)


def test_every_route_is_in_the_access_tables_and_every_entry_is_a_route(sqlite_settings: Settings) -> None:
    missing, stale = missing_and_stale(create_app(sqlite_settings))
    assert not missing, "Say who may use these routes in tests/access/<domain>.py:\n  " + "\n  ".join(missing)
    assert not stale, "These entries in tests/access/ name no route the app has:\n  " + "\n  ".join(stale)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_only_allowed_viewers_get_through(
    viewer: str, app: Litestar, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await people(Role.PARTNER)  # makes sure user 1 exists for /admin/users/{user_id}
    await sign_in_as(viewer, client, people, clock)
    checked = {(method, template) for method, template, _path, _handler in routes(app)}
    assert {("GET", "/admin/users"), ("GET", "/account"), ("POST", "/sign-in")} <= checked
    problems = await differences(app, client, viewer, skip=SESSION_ENDING)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a sign-in per route: once is enough
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_only_allowed_viewers_may_end_or_change_a_session(
    viewer: str, app: Litestar, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    """Each route that ends or changes the session, tried with a fresh sign-in of its own."""
    expected = expected_access()
    problems = []
    for method, template, path, _handler in routes(app):
        if (method, template) not in SESSION_ENDING:
            continue
        client.cookies.clear()
        await sign_in_as(viewer, client, people, clock)
        token = CSRF_FIELD.search((await client.get("/sign-in/email")).text).group(1)
        response = await request_as(client, method, path, token)
        problem = judge(viewer, expected[method, template], method, template, response)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_weaker_guard_on_user_management_is_caught(
    app: Litestar, client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    """Swap the admin guard on /admin/users for `requires_sign_in` in this test's app: the comparison must fail."""
    weakened = 0
    for _method, template, _path, handler in routes(app):
        if template.startswith("/admin/users"):
            handler._resolved_guards = [ensure_async_callable(requires_sign_in)]  # the mutation
            weakened += 1
    assert weakened >= 4
    await people(Role.PARTNER)
    await sign_in_as(RESIDENT, client, people, clock)
    problems = await differences(app, client, RESIDENT, only="/admin/users")
    assert "GET /admin/users: resident should be refused, got 200" in problems, problems
