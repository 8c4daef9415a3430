"""The site's own pages and files: everyone, signed in or not."""

from __future__ import annotations

from tests.access.roles import PUBLIC

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/"): frozenset({PUBLIC}),
    ("GET", "/about"): frozenset({PUBLIC}),
    ("GET", "/language/{code:str}"): frozenset({PUBLIC}),
    ("GET", "/offline/{code:str}"): frozenset({PUBLIC}),
    ("GET", "/offline/{code:str}/saved"): frozenset({PUBLIC}),
    ("GET", "/manifest.webmanifest"): frozenset({PUBLIC}),
    ("GET", "/service-worker.js"): frozenset({PUBLIC}),
    ("GET", "/health"): frozenset({PUBLIC}),
    ("GET", "/api/v1/ping"): frozenset({PUBLIC}),
}
