"""schemathesis over the partner API signed in as a partner, in-process, on SQLite and PostgreSQL.

The anonymous run (test_api_schema.py) only ever sees 401 under /api/v1/partner/. Here a partner signs in
through the real sign-in page on schemathesis' own ASGI session, which keeps the session cookie and sends it
on every call, with the headers a browser sends on a same-origin `fetch` (`Sec-Fetch-Site`, `Origin`). Path
ids are mostly those of the partner's real events and dates (made first), and a body's `organisation_id` and
`category` mostly real ones, so the calls reach the business rules rather than a 404 or a field error.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis.python.asgi import ASGIClient, get_client, shutdown_lifespans

from backend.accounts.tables import Membership
from backend.app import create_app
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.settings import Settings
from tests.support.databases import all_table_classes
from tests.support.events import MadeEvent, make_event, make_organisation
from tests.support.people import CSRF_FIELD, Person, make_person
from tests.support.web import KEEP_TABLES

MAX_EXAMPLES = 25
PARTNER_API = "/api/v1/partner/"
ORIGIN = "http://testserver"
# What a browser adds to a same-origin fetch from one of the site's pages (a write without a body, such as
# duplicate, still says it is JSON, as the API asks).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": ORIGIN, "Content-Type": "application/json"}
# Writes that end an event run last, so the others still find events that can change.
LAST = ("/cancel",)
NO_SUCH_ID = 987_654_321
# Partner operations that must have answered 2xx at least once: the fuzzing got past sign-in, the guards
# and the 404s into what each operation does.
MUST_SUCCEED = frozenset(
    {
        ("GET", "/api/v1/partner/events"),
        ("GET", "/api/v1/partner/events/{event_id}/occurrences/{occurrence_id}/attendees"),
        ("POST", "/api/v1/partner/events/{event_id}/duplicate"),
        ("POST", "/api/v1/partner/events/{event_id}/cancel"),
        ("POST", "/api/v1/partner/events/{event_id}/occurrences/{occurrence_id}/cancel"),
        ("POST", "/api/v1/partner/events/{event_id}/occurrences/{occurrence_id}/message"),
    }
)


def _run(coroutine: Any) -> Any:
    """Run set-up or clean-up queries on a loop of their own (PostgreSQL: a connection per query)."""
    return asyncio.run(coroutine)


async def _partner_with_events(settings: Settings) -> tuple[Person, int, list[MadeEvent]]:
    organisation = await make_organisation("Cowley Larder", trusted=True)
    person = await make_person(settings, Role.PARTNER)
    await Membership.insert(
        Membership(user=person.id, organisation=organisation, membership_key=f"{person.id}:{organisation}")
    )
    now = SettableClock().now()
    events = [
        await make_event(organisation, now + timedelta(days=3 + number), capacity=10, weekly=3) for number in range(4)
    ]
    return person, organisation, events


async def _clear() -> None:
    for table in reversed(all_table_classes()):
        if table._meta.tablename not in KEEP_TABLES:
            await table.delete(force=True)


@pytest.fixture
def signed_in(settings: Settings) -> Iterator[tuple[Any, ASGIClient, int, list[MadeEvent]]]:
    """The schema of an app on the database under test, and a session signed in as a partner of an
    organisation with four weekly events."""
    clock = SettableClock()
    app: Litestar = create_app(settings.with_overrides(anonymous_posts_per_minute=1_000_000), clock=clock)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    person, organisation, events = _run(_partner_with_events(settings))
    try:
        with get_client(schema.app) as session:
            page = session.get("/sign-in")
            token = CSRF_FIELD.search(page.text)
            assert token, page.text
            answer = session.post(
                "/sign-in",
                data={"_csrf_token": token.group(1), "email": person.email, "password": person.password},
                allow_redirects=False,
            )
            assert answer.status_code == 302, answer.text
            assert session.get("/account", allow_redirects=False).status_code == 200
            session.headers.update(SAME_ORIGIN)
            yield schema, session, organisation, events
    finally:
        shutdown_lifespans()  # closes the app's PostgreSQL pool before the database is dropped
        _run(_clear())


def _aimed(case: Any, session: ASGIClient, target: tuple[int, int], organisation: int, real_category: bool) -> Any:
    """The case with the real session cookie (schemathesis makes one up for the `session` security scheme),
    and its path ids (and the body's organisation and category) mostly the partner's real ones."""
    case.cookies = {**(case.cookies or {}), **session.cookies.get_dict()}
    event_id, occurrence_id = target
    if "event_id" in (case.path_parameters or {}):
        case.path_parameters["event_id"] = event_id
    if "occurrence_id" in (case.path_parameters or {}):
        case.path_parameters["occurrence_id"] = occurrence_id
    if isinstance(case.body, dict) and "organisation_id" in case.body and real_category:
        case.body["organisation_id"] = organisation
        case.body["category"] = "coffee-morning"
        starts = SettableClock().now() + timedelta(days=5)
        case.body["starts_at"] = starts.isoformat()
        case.body["ends_at"] = (starts + timedelta(hours=2)).isoformat()
        case.body["recurrence"] = "none"
    return case


def test_a_signed_in_partner_passes_the_default_checks_and_reaches_the_business_rules(
    signed_in: tuple[Any, ASGIClient, int, list[MadeEvent]],
) -> None:
    schema, session, organisation, events = signed_in
    targets = [(event.id, occurrence) for event in events for occurrence in event.occurrences]
    # Another event's date, and ids that are nobody's.
    targets += [(events[0].id, events[1].occurrences[0]), (NO_SUCH_ID, NO_SUCH_ID)]
    statuses: dict[tuple[str, str], Counter[int]] = {}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    partner = sorted(
        (operation for operation in operations if operation.path.startswith(PARTNER_API)),
        key=lambda operation: operation.path.endswith(LAST),
    )
    assert len(partner) >= 9, [operation.path for operation in operations]
    for operation in partner:
        seen = statuses.setdefault((operation.method.upper(), operation.path), Counter())

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(),
            target=st.sampled_from(targets),
            real=st.booleans(),
        )
        def run(case: Any, target: tuple[int, int], real: bool) -> None:
            aimed = _aimed(case, session, target, organisation, real)
            response = aimed.call_and_validate(session=session)
            seen[response.status_code] += 1  # noqa: B023 - run() runs in this iteration

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
    assert not failures, "\n\n".join(failures)
    summary = {f"{method} {path}": dict(counts) for (method, path), counts in statuses.items()}
    refused = {name: counts for name, counts in summary.items() if set(counts) <= {401, 403}}
    assert not refused, f"only ever refused, so the session or the same-origin headers were not sent: {refused}"
    succeeded = {key for key, counts in statuses.items() if any(200 <= status < 300 for status in counts)}
    assert succeeded >= MUST_SUCCEED, f"never answered 2xx: {sorted(MUST_SUCCEED - succeeded)}\n{summary}"
