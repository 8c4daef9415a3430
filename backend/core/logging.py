"""One structured line per request: method, route template, status, duration, request id. No personal data."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_logger = logging.getLogger("hearby.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HeadersFor = Callable[[Scope], list[tuple[bytes, bytes]]]


def _no_headers(_scope: Scope) -> list[tuple[bytes, bytes]]:
    return []


class RequestIds:
    """Request ids unique across processes and restarts: a random prefix per process, then a counter.

    Cheaper than a uuid4 per request (no system call), and as good for finding a request's log lines."""

    def __init__(self) -> None:
        self.prefix = os.urandom(6).hex()
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        """The next id, e.g. `3fa9c1d2e4b7-0000002a`."""
        return f"{self.prefix}-{next(self.counter):08x}"


class JsonFormatter(logging.Formatter):
    """Log records as single JSON lines, easy for the platform's log drain to parse."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object per record, with any structured fields merged in."""
        line = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Send JSON lines to stdout; quieten uvicorn's own access log (ours replaces it)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True


class RequestLogMiddleware:
    """Logs the route template (never the raw path or query string, which may carry tokens), and adds the
    request id and `headers_for(scope)` (the security headers) to every response, in one `send` wrapper."""

    def __init__(self, app: ASGIApp, headers_for: HeadersFor = _no_headers) -> None:
        self.app = app
        self.headers_for = headers_for
        self.new_id = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request, add the headers as the response starts, and log it once the response has gone."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else self.new_id()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or ())
                headers.extend(self.headers_for(scope))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if request_logger.isEnabledFor(logging.INFO):
                route = scope.get("path_template") or (
                    "<static>" if scope["path"].startswith("/static/") else "<unmatched>"
                )
                request_logger.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope.get("method", "?"),
                            "route": route,
                            "status": status,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                            "request_id": request_id,
                        }
                    },
                )
