"""The exchanges' routes admit exactly who tests/access/exchanges.py says (the matrix test checks the real
answers against the declared guards; this checks the declared guards against the written-down table)."""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from tests.access.exchanges import EXPECTED
from tests.access.roles import PUBLIC
from tests.meta.test_authorisation_matrix import declared_access

EXCHANGE_PREFIXES = ("/exchanges", "/officer/exchanges", "/facilitator/exchanges", "/api/v1/exchanges")


def test_every_exchanges_route_is_in_the_table_with_the_roles_it_admits(app: Litestar) -> None:
    found: dict[tuple[str, str], frozenset[str]] = {}
    for route in app.routes:
        if not route.path.startswith(EXCHANGE_PREFIXES):
            continue
        for method, (handler, _model) in getattr(route, "route_handler_map", {}).items():
            if method in {"HEAD", "OPTIONS"} or not isinstance(handler, HTTPRouteHandler):
                continue
            allowed = declared_access(handler)
            found[method, route.path_format if hasattr(route, "path_format") else route.path] = (
                PUBLIC if allowed is None else allowed
            )
    paths = {(m, p.replace(":str", "").replace(":int", "")): roles for (m, p), roles in found.items()}
    expected = {(m, p.replace(":str", "").replace(":int", "")): roles for (m, p), roles in EXPECTED.items()}
    assert paths == expected
