"""Error responses: translated HTML for browsers, JSON for the API, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

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
    500: (
        N_("Sorry, there is a problem with the service"),
        N_("Try again later. If you were sending something, it has not been saved."),
    ),
}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """The API and clients that ask for JSON get JSON; everyone else gets a page."""
    if request.url.path.startswith(("/api/", "/schema")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _status_of(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    return HTTP_500_INTERNAL_SERVER_ERROR


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The single exception handler for the whole app."""
    status = _status_of(exc)
    if status >= 500:
        logger.error("unhandled error on %s %s", request.method, request.scope.get("path_template", "?"), exc_info=exc)
    title_id, message_id = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
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
