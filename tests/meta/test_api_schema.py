"""schemathesis over /schema/openapi.json, in-process: every operation, its default checks, no failures.

The schema is loaded eagerly (schemathesis' pytest fixture loader is broken on pytest 9.2) from an app on
SQLite (a PostgreSQL pool's event loop would clash with the test's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from schemathesis.python.asgi import get_client
from schemathesis.specs.openapi.checks import positive_data_acceptance

from backend.app import create_app
from backend.core.guards import PUBLIC, requires_roles, requires_sign_in
from backend.core.roles import Role
from backend.settings import Settings

MAX_EXAMPLES = 40
SIGNED_IN: list[dict[str, list[str]]] = [{"session": []}]
NO_AUTHENTICATION: list[dict[str, list[str]]] = [{}]
# Operations here act for a signed-in person; one of them turning public is a mistake, not a decision.
SIGNED_IN_PREFIXES = ("/api/v1/partner/",)


@pytest.fixture(scope="module")
def schema(sqlite_settings: Settings) -> Any:
    # Fuzzing must not trip the anonymous-POST limit, which would turn later cases into 429s.
    app = create_app(sqlite_settings.with_overrides(anonymous_posts_per_minute=1_000_000))
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app)


@pytest.fixture(scope="module")
def session(schema: Any) -> Iterator[Any]:
    """One in-process client (and one app lifespan) for every call."""
    with get_client(schema.app) as client:
        yield client


def test_the_schema_is_openapi_3_1_and_lists_only_the_api(schema: Any) -> None:
    raw = _raw(schema)
    assert str(raw["openapi"]).startswith("3.1")
    assert raw["paths"], "no operations in the schema"
    assert all(path.startswith("/api/v1/") for path in raw["paths"]), "HTML pages must stay out of the schema"
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                assert "security" in operation, f"{method.upper()} {path} does not say what authentication it needs"


def _raw(schema: Any) -> dict[str, Any]:
    raw: dict[str, Any] = schema.raw_schema if hasattr(schema, "raw_schema") else schema.specification.raw
    return raw


def _operations(raw: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in raw["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and "responses" in operation
    ]


def declared_access(handler: HTTPRouteHandler) -> frozenset[str] | None:
    """The roles a handler's guards admit (None = everyone): what its documented security must say.

    (Who *should* be admitted is written down separately, in tests/access/, and checked by the matrix.)
    """
    allowed: frozenset[str] | None = None
    for wrapped in handler.resolve_guards():
        guard = getattr(wrapped, "func", wrapped)  # Litestar wraps guards in AsyncCallable
        roles = getattr(guard, "allowed_roles", None)
        if roles is not None:
            allowed = frozenset(r.value for r in roles) if allowed is None else allowed & {r.value for r in roles}
        elif guard is requires_sign_in:
            allowed = frozenset(r.value for r in Role) if allowed is None else allowed
    return allowed


def security_problems(app: Litestar, raw: dict[str, Any]) -> list[str]:
    """Operations whose documented security disagrees with their guards, or that are public under a prefix
    that must stay signed in: a guarded operation declares `session` (and documents its 401), a public one
    declares no authentication."""
    handlers: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        for method, (handler, _kwargs) in getattr(route, "route_handler_map", {}).items():
            if isinstance(handler, HTTPRouteHandler):
                handlers[method, route.path_format] = handler
    problems = []
    for method, path, operation in _operations(raw):
        name = f"{method} {path}"
        handler = handlers.get((method, path))
        if handler is None:
            problems.append(f"{name}: in the schema but no route serves it")
            continue
        security = operation.get("security")
        signed_in = declared_access(handler) is not None
        if path.startswith(SIGNED_IN_PREFIXES) and not signed_in:
            problems.append(f"{name}: must need a signed-in session, but its guards let anyone in")
        if signed_in:
            if security != SIGNED_IN:
                problems.append(f"{name}: guarded, so its security must be {SIGNED_IN}, not {security}")
            if "401" not in operation["responses"]:
                problems.append(f"{name}: guarded, so it must document its 401 answer")
        elif security != NO_AUTHENTICATION:
            problems.append(f"{name}: public, so its security must be {NO_AUTHENTICATION}, not {security}")
    return problems


def test_each_operation_declares_the_authentication_its_guards_need(schema: Any) -> None:
    raw = _raw(schema)
    partner = [(method, path) for method, path, _ in _operations(raw) if path.startswith("/api/v1/partner/")]
    assert len(partner) >= 9, f"the partner operations are missing from the schema: {partner}"
    problems = security_problems(schema.app, raw)
    assert not problems, "\n".join(problems)


def test_the_security_check_reports_each_kind_of_mismatch() -> None:
    # A bare Litestar app: `create_app` would bind the tables to another engine under the fuzzing test's app.
    @get("/api/v1/partner/events/leaked", opt=PUBLIC, security=[{}], sync_to_thread=False)
    def leaked() -> str:
        return "everyone's attendees"

    @get("/api/v1/partner/events/unsaid", opt=PUBLIC, security=[{"session": []}], sync_to_thread=False)
    def unsaid() -> str:
        return "says it needs a session, lets anyone in"

    @get("/api/v1/notes", guards=[requires_roles(Role.OFFICER)], security=[{}], sync_to_thread=False)
    def undocumented() -> str:
        return "guarded, but the schema says anyone may call it"

    @get(
        "/api/v1/partner/events/fine",
        guards=[requires_roles(Role.PARTNER)],
        security=[{"session": []}],
        responses={401: ResponseSpec(data_container=str, description="Not signed in")},
        sync_to_thread=False,
    )
    def guarded() -> str:
        return "as it should be"

    @get("/api/v1/open", opt=PUBLIC, security=[{}], sync_to_thread=False)
    def public() -> str:
        return "as it should be"

    app = Litestar(route_handlers=[leaked, unsaid, undocumented, guarded, public])
    reported = security_problems(app, app.openapi_schema.to_schema())
    assert reported == [
        "GET /api/v1/partner/events/leaked: must need a signed-in session, but its guards let anyone in",
        "GET /api/v1/partner/events/unsaid: must need a signed-in session, but its guards let anyone in",
        "GET /api/v1/partner/events/unsaid: public, so its security must be [{}], not [{'session': []}]",
        "GET /api/v1/notes: guarded, so its security must be [{'session': []}], not [{}]",
        "GET /api/v1/notes: guarded, so it must document its 401 answer",
    ]


# Operations whose valid input JSON Schema cannot describe, so schema-valid data may be refused: a push
# subscription's key must be a point on the P-256 curve (its refusals: tests/integration/test_push_subscriptions.py);
# a report's fields depend on each other and on its category (a postcode or an area, the details a category asks
# for; its refusals: tests/integration/test_reports_api.py).
BEYOND_SCHEMA = frozenset({("POST", "/api/v1/push/subscriptions"), ("POST", "/api/v1/reports")})


def test_every_operation_passes_the_default_checks(schema: Any, session: Any) -> None:
    failures: list[str] = []
    operations = list(schema.get_all_operations())
    assert operations
    for result in operations:
        operation = result.ok()
        excluded = [positive_data_acceptance] if (operation.method.upper(), operation.path) in BEYOND_SCHEMA else []

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(session=session, excluded_checks=excluded)  # noqa: B023 - run() runs in this iteration

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
    assert not failures, "\n\n".join(failures)
