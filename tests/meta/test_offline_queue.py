"""What the service worker keeps and sends later is accepted later.

A form the phone queues offline (`QUEUEABLE` in `frontend/pwa/service-worker.js`) can arrive hours after it was
seen, when the browser has dropped the CSRF cookie: its route must use `resident_form_from_this_site` (which
checks where the request comes from instead) with `QUEUEABLE_FORM`, or the resident's report, answer or booking
is refused with a 403 long after the page said "saved on this phone". Each pattern must name a real route, and
every route marked queueable must be one the service worker queues.
"""

from __future__ import annotations

import re

from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from backend.app import create_app
from backend.core.guards import resident_form_from_this_site
from backend.settings import REPO_ROOT, Settings

SERVICE_WORKER = REPO_ROOT / "frontend" / "pwa" / "service-worker.js"
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
SAMPLES = {"int": "12", "str": "a-sample-token-1234567890"}
SAMPLES_BY_NAME = {"wave": "after"}  # a questionnaire's wave is one of a few words


def queueable_patterns() -> list[re.Pattern[str]]:
    """The service worker's QUEUEABLE regular expressions, as Python patterns."""
    source = SERVICE_WORKER.read_text()
    block = source[source.index("const QUEUEABLE = [") : source.index("];", source.index("const QUEUEABLE = ["))]
    literals = re.findall(r"^\s*/(.+)/,", block, re.MULTILINE)
    assert literals, "no QUEUEABLE patterns found in the service worker"
    return [re.compile(literal.replace(r"\/", "/")) for literal in literals]


def post_routes(settings: Settings) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(route path, a sample path for it, handler) for every POST handler of the real app."""
    routes = []
    for route in create_app(settings).routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if "POST" in (handler.http_methods or set()):
                sample = PARAMETER.sub(
                    lambda match: SAMPLES_BY_NAME.get(match.group(1)) or SAMPLES.get(match.group(2), "sample"),
                    route.path,
                )
                routes.append((route.path, sample, handler))
    return routes


def test_every_queued_form_is_accepted_without_its_csrf_cookie(sqlite_settings: Settings) -> None:
    routes = post_routes(sqlite_settings)
    problems = []
    for pattern in queueable_patterns():
        matched = [(path, handler) for path, sample, handler in routes if pattern.fullmatch(sample)]
        if not matched:
            problems.append(f"{pattern.pattern}: no POST route matches (a stale pattern?)")
        for path, handler in matched:
            guards = [guard for layer in handler.ownership_layers for guard in (layer.guards or [])]
            opt = {key: value for layer in handler.ownership_layers for key, value in (layer.opt or {}).items()}
            if resident_form_from_this_site not in guards or not opt.get("exclude_from_csrf"):
                problems.append(f"POST {path}: queued offline, but needs the CSRF cookie")
    assert not problems, "\n".join(problems)


def test_every_route_marked_queueable_is_queued_by_the_service_worker(sqlite_settings: Settings) -> None:
    patterns = queueable_patterns()
    unqueued = [
        path
        for path, sample, handler in post_routes(sqlite_settings)
        if (handler.opt or {}).get("exclude_from_csrf") and not any(p.fullmatch(sample) for p in patterns)
    ]
    assert not unqueued, f"marked QUEUEABLE_FORM but the service worker never queues them: {unqueued}"
