"""Who may use each route, written down by hand from what the product should allow (never read from the guards).

One module per domain exports `EXPECTED: dict[tuple[str, str], frozenset[str]]`: (HTTP method, the path template
exactly as the app lists it) -> the roles allowed, using the names in `tests.access.roles`. The authorisation
matrix (tests/meta/test_authorisation_matrix.py) compares every route's real answers with the union of these
tables, and fails for a route missing from them.
"""

from __future__ import annotations

import importlib
import pkgutil

from tests.access.roles import viewers_allowed

Access = dict[tuple[str, str], frozenset[str]]


def expected_access() -> Access:
    """The union of every domain's table, PUBLIC and SIGNED_IN expanded to the viewers they admit."""
    combined: Access = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "roles":
            continue
        table: Access = importlib.import_module(f"{__name__}.{module_info.name}").EXPECTED
        for key, allowed in table.items():
            viewers = viewers_allowed(allowed)
            assert combined.get(key, viewers) == viewers, f"{key} is listed differently in two tables"
            combined[key] = viewers
    return combined
