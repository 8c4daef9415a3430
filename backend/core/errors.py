"""Error responses: translated HTML for browsers, JSON for the API, never a stack trace."""

from __future__ import annotations

import errno
import logging
import sqlite3
from typing import Any
from urllib.parse import urlencode

from asyncpg import exceptions as pg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from backend.core.i18n import N_, translate

logger = logging.getLogger("hearby.errors")

ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: (N_("There is a problem with your request"), N_("Check what you entered and try again.")),
    401: (N_("You need to sign in"), N_("Sign in to see this page.")),
    403: (
        N_("You cannot see this page"),
        N_("Your account does not allow this, or the form expired. Go back, reload the page and try again."),
    ),
    404: (N_("Page not found"), N_("If you typed the web address, check it is correct.")),
    405: (N_("That action is not allowed here"), N_("Go back and use the buttons and links on the page.")),
    413: (N_("What you sent is too large"), N_("Send less text or a smaller file and try again.")),
    429: (N_("Too many attempts"), N_("Wait a minute and try again. Nothing you entered has been saved.")),
    # Whether something sent was saved is not known when a request fails: never say "not saved".
    500: (
        N_("Sorry, there is a problem with the service"),
        N_("Try again later. If you were sending something, we could not confirm that it was saved."),
    ),
    503: (
        N_("Sorry, we could not confirm that"),
        N_("We could not confirm what you sent. Try again in a minute: you will not be booked twice."),
    ),
}
# A page that was only being read, when the service is away for a moment.
UNAVAILABLE_READ = N_("The service is away for a moment. Try again in a minute.")
# Seconds a client should wait before trying again when the database is unreachable (a restart, a fail-over).
RETRY_AFTER_SECONDS = 5
_CONNECTION_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH}


def database_unreachable(exc: BaseException) -> bool:
    """True when the error (or what caused it) is the database being out of reach: refused or dropped
    connections, a server shutting down or starting, a closed pool, an SQLite file that cannot be opened."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            ConnectionError
            | TimeoutError
            | pg.PostgresConnectionError
            | pg.OperatorInterventionError
            | pg.TooManyConnectionsError,
        ):
            return True
        if isinstance(current, pg.InterfaceError) and "closed" in str(current):  # a closed connection or pool
            return True
        if isinstance(current, OSError) and current.errno in _CONNECTION_ERRNOS:
            return True
        if isinstance(current, sqlite3.OperationalError) and any(
            words in str(current) for words in ("unable to open database", "database is locked", "disk I/O error")
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """The API and clients that ask for JSON get JSON; everyone else gets a page."""
    if request.url.path.startswith(("/api/", "/schema")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _status_of(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if database_unreachable(exc):
        return HTTP_503_SERVICE_UNAVAILABLE
    return HTTP_500_INTERNAL_SERVER_ERROR


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The single exception handler for the whole app."""
    status = _status_of(exc)
    if status >= 500:
        logger.error("unhandled error on %s %s", request.method, request.scope.get("path_template", "?"), exc_info=exc)
    title_id, message_id = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if status == HTTP_503_SERVICE_UNAVAILABLE:
        headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        if request.method in {"GET", "HEAD"}:
            message_id = UNAVAILABLE_READ
    if status == 429:
        # Litestar's rate limiter sends RateLimit-* headers; browsers and clients also read Retry-After.
        headers.setdefault("Retry-After", headers.get("RateLimit-Reset", "60"))
    if status == 401 and not wants_json(request) and request.method == "GET":
        # Browsers are sent to sign in, and brought back afterwards.
        return Redirect(path=f"/sign-in?{urlencode({'next': request.url.path})}")
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": translate(request, title_id)}
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            # Which field failed and why, without echoing the submitted values back.
            body["errors"] = [
                {"key": item.get("key"), "source": item.get("source"), "message": item.get("message")}
                for item in exc.extra
                if isinstance(item, dict)
            ]
        elif isinstance(exc, ValidationException) and exc.detail:
            body["errors"] = [{"key": None, "source": None, "message": exc.detail}]
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="errors/error.html",
        context={
            "status_code": status,
            "title": translate(request, title_id),
            "message": translate(request, message_id),
        },
        status_code=status,
        headers=headers,
        media_type=MediaType.HTML,
    )
