"""Rumour threads on the officers' desk: the list, one thread (its reports, and a chart and table of how it
spread over time and area), and its counter-message (officers and admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from backend.areas.services import AreasService
from backend.core.auth import current_user
from backend.core.forms import Form, check_length, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_
from backend.core.roles import Role
from backend.reports.casework import CaseworkService, ThreadView
from backend.reports.schemas import MAX_MESSAGE
from backend.reports.spread import OTHER, UNKNOWN

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
NO_STORE = {"Cache-Control": "no-store"}


async def _thread_page(
    view: ThreadView, areas: AreasService, form: Form, told: int | None = None, status_code: int = 200
) -> Template:
    names = {item.code: item.name for item in await areas.list_districts()}
    names.update({item.code: item.name for item in await areas.list_divisions()})
    return Template(
        "reports/desk/thread.html",
        context={
            "thread": view.thread,
            "reports": view.reports,
            "spread": view.spread,
            "other_series": OTHER,
            "unknown_series": UNKNOWN,
            "form": form,
            "told": told,
            "area_names": names,
        },
        status_code=status_code,
        headers=NO_STORE,
    )


class ThreadPages(Controller):
    """Rumour threads: the list, one thread over time and area, its counter-message."""

    path = "/desk/threads"
    include_in_schema = False
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="desk_threads")
    async def threads(self, casework_service: NamedDependency[CaseworkService]) -> Template:
        """Every thread, with how many reports it links."""
        return Template(
            "reports/desk/threads.html", context={"threads": await casework_service.threads()}, headers=NO_STORE
        )

    @get("/{thread_id:int}", name="desk_thread")
    async def thread(
        self,
        casework_service: NamedDependency[CaseworkService],
        areas_service: NamedDependency[AreasService],
        thread_id: Id,
        told: Annotated[int | None, QueryParameter(ge=0, le=100000)] = None,
    ) -> Template:
        """A thread's reports, how they spread over time and area, and its counter-message."""
        view = await casework_service.thread(thread_id)
        if view is None:
            raise NotFoundException()
        return await _thread_page(view, areas_service, Form(), told)

    @post("/{thread_id:int}/counter")
    async def counter(
        self,
        request: Request[Any, Any, Any],
        casework_service: NamedDependency[CaseworkService],
        areas_service: NamedDependency[AreasService],
        thread_id: Id,
    ) -> Response[Any]:
        """Record the counter-message published, and tell the reporters who left an email."""
        form = await read_form(request, "counter_message")
        check_length(request, form, "counter_message", MAX_MESSAGE)
        if not form.values.get("counter_message"):
            form.add_error(request, "counter_message", N_("Enter the counter-message"))
        view = await casework_service.thread(thread_id)
        if view is None:
            raise NotFoundException()
        if not form.ok:
            return await _thread_page(view, areas_service, form, status_code=HTTP_400_BAD_REQUEST)
        officer = current_user(request)
        assert officer is not None  # the guard let only signed-in officers through
        told = await casework_service.publish_counter_message(officer, thread_id, form.values["counter_message"])
        return Redirect(path=f"/desk/threads/{thread_id}?told={told}", status_code=HTTP_303_SEE_OTHER)


THREAD_HANDLERS: list[Any] = [ThreadPages]
