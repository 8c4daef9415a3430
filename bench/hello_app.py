"""A bare Litestar "hello" app: the framework's own floor on this machine, for the pages bench's ratios.

.venv/bin/uvicorn --factory bench.hello_app:make_app --no-server-header --no-access-log
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/api/v1/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    """The same answer as Hearby's ping."""
    return {"status": "ok"}


def make_app() -> Litestar:
    """Nothing but the one route."""
    return Litestar(route_handlers=[ping], debug=False, logging_config=None)
