"""Areas: reference data about places, open to everyone."""

from __future__ import annotations

from tests.access.roles import PUBLIC

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/areas"): frozenset({PUBLIC}),
    ("GET", "/api/v1/areas/districts"): frozenset({PUBLIC}),
    ("GET", "/api/v1/areas/divisions"): frozenset({PUBLIC}),
    ("GET", "/api/v1/areas/lookup"): frozenset({PUBLIC}),
}
