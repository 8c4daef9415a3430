"""Routes of the notifications domain: the developer mail page and the admins' dead-job list."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from backend.core.auth import current_user
from backend.core.guards import PUBLIC, requires_roles
from backend.core.roles import Role
from backend.notifications.services import NotificationsService

JobId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


def dev_tools_only(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A guard: the route exists only when DEV_TOOLS is on (never in production, where it is a 404)."""
    if not connection.app.state["settings"].dev_tools:
        raise NotFoundException()


class DevMail(Controller):
    """The developer outbox: every email the app has queued, readable without a mail server.

    Public only in development (a local developer tool); `dev_tools_only` makes it a 404 otherwise.
    """

    path = "/dev/mail"
    guards = (dev_tools_only,)
    include_in_schema = False

    @get("/", name="dev_mail", opt=PUBLIC)
    async def index(self, notifications_service: NamedDependency[NotificationsService]) -> Template:
        """The latest emails: subject, recipient, status and time."""
        emails = await notifications_service.recent_emails()
        return Template("notifications/dev_mail.html", context={"emails": emails})

    @get("/{job_id:int}", name="dev_mail_message", opt=PUBLIC)
    async def message(self, notifications_service: NamedDependency[NotificationsService], job_id: JobId) -> Template:
        """One email: its text and its HTML (shown as escaped source, never rendered)."""
        email = await notifications_service.email(job_id)
        if email is None:
            raise NotFoundException()
        return Template("notifications/dev_mail_message.html", context={"email": email})


class OutboxAdmin(Controller):
    """Admins see the jobs that failed for good and can queue them again."""

    path = "/admin/outbox"
    guards = (requires_roles(Role.ADMIN),)
    include_in_schema = False

    @get("/dead", name="outbox_dead")
    async def dead(
        self,
        notifications_service: NamedDependency[NotificationsService],
        retried: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
        missing: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> Template:
        """Dead jobs: kind, key, attempts, last error, created."""
        jobs = await notifications_service.dead_jobs()
        return Template("notifications/dead_jobs.html", context={"jobs": jobs, "retried": retried, "missing": missing})

    @post("/{job_id:int}/retry", name="outbox_retry")
    async def retry(
        self,
        request: Request[Any, Any, Any],
        notifications_service: NamedDependency[NotificationsService],
        job_id: JobId,
    ) -> Redirect:
        """Queue a dead job again (audited), then return to the list."""
        retried = await notifications_service.retry_dead_job(job_id, current_user(request))
        query = {"retried": str(job_id)} if retried else {"missing": str(job_id)}
        return Redirect(path="/admin/outbox/dead", query_params=query, status_code=HTTP_303_SEE_OTHER)


def provide_notifications_service(state: State) -> NotificationsService:
    """The notifications service, bound to the app's engine and clock."""
    return NotificationsService(state["engine"], state["clock"])


ROUTE_HANDLERS: list[Any] = [DevMail, OutboxAdmin]
DEPENDENCIES: dict[str, Provide] = {
    "notifications_service": Provide(provide_notifications_service, sync_to_thread=False)
}
