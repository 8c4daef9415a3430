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
from schemathesis.python.asgi import get_client

from backend.app import create_app
from backend.settings import Settings

MAX_EXAMPLES = 40


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
    raw = schema.raw_schema if hasattr(schema, "raw_schema") else schema.specification.raw
    assert str(raw["openapi"]).startswith("3.1")
    assert raw["paths"], "no operations in the schema"
    assert all(path.startswith("/api/v1/") for path in raw["paths"]), "HTML pages must stay out of the schema"
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                assert "security" in operation, f"{method.upper()} {path} does not say what authentication it needs"


def test_every_operation_passes_the_default_checks(schema: Any, session: Any) -> None:
    failures: list[str] = []
    operations = list(schema.get_all_operations())
    assert operations
    for result in operations:
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(session=session)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
    assert not failures, "\n\n".join(failures)
