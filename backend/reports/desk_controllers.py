"""The officers' desk pages: the queue, a report, and every action on it (officers and admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from backend.areas.services import AreasService
from backend.core.auth import CurrentUser, current_user
from backend.core.forms import Form, check_length, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_
from backend.core.roles import Role
from backend.reports.casework import CaseworkService
from backend.reports.desk import DeskError, DeskService, Triage
from backend.reports.schemas import (
    CATEGORY_LABELS,
    GRADING_LABELS,
    HATE_KINDS,
    LEVELS,
    MAX_MESSAGE,
    MAX_REASON,
    NEXT_STATUSES,
    OUTCOMES,
    PERIODS,
    REFERRAL_BASES,
    REFERRAL_RECIPIENTS,
    REPLY_TEMPLATE_LABELS,
    SOURCES,
    STATUS_LABELS,
    QueueFilters,
)

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
NO_STORE = {"Cache-Control": "no-store"}
OFFICERS = [requires_roles(Role.OFFICER, Role.ADMIN)]
DESK_MESSAGES = {
    "invalid": N_("Check the choices and try again"),
    "not_found": N_("That report no longer exists"),
    "closed": N_("The report is closed: reopen it first"),
    "not_allowed": N_("That is not possible for this report as it is now"),
    "reason": N_("Give a reason"),
    "second_officer": N_("Another officer must approve releasing unredacted text"),
    "not_an_officer": N_("Choose an officer from the list"),
}


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard let only signed-in officers through
    return user


def _back(report_id: int, anchor: str = "") -> Redirect:
    return Redirect(path=f"/desk/reports/{report_id}{anchor}", status_code=HTTP_303_SEE_OTHER)


async def _areas(areas: AreasService) -> dict[str, Any]:
    """The districts and divisions for the area lists, and every area's name by code (read once per page)."""
    districts = await areas.list_districts()
    divisions = await areas.list_divisions()
    names = {item.code: item.name for item in districts}
    names.update({item.code: item.name for item in divisions})
    return {"districts": districts, "divisions": divisions, "area_names": names}


class DeskPages(Controller):
    """The queue and one report."""

    path = "/desk"
    include_in_schema = False
    guards = OFFICERS

    @get("/reports", name="desk_queue")
    async def queue(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        category: Annotated[str, QueryParameter(max_length=30)] = "",
        area: Annotated[str, QueryParameter(max_length=30)] = "",
        level: Annotated[int | None, QueryParameter(ge=1, le=5)] = None,
        assignee: Annotated[str, QueryParameter(max_length=12)] = "",
        older_than_days: Annotated[int | None, QueryParameter(ge=0, le=3650)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10000)] = 1,
    ) -> Template:
        """Reports with filters (status, category, area, level, assignee, age) and counts by status."""
        kind, _, code = area.partition(":")
        filters = QueueFilters(
            status=status if status in STATUS_LABELS else "",
            category=category if category in CATEGORY_LABELS else "",
            district=code if kind == "district" else "",
            division=code if kind == "division" else "",
            level=level,
            assignee=assignee,
            older_than_days=older_than_days,
            page=page,
        )
        rows, total, counts = await desk_service.queue(filters, _user(request))
        return Template(
            "reports/desk/queue.html",
            context={
                "rows": rows,
                "total": total,
                "counts": counts,
                "filters": filters,
                "area": area,
                "statuses": STATUS_LABELS,
                "categories": CATEGORY_LABELS,
                "levels": LEVELS,
                **await _areas(areas_service),
                "me": _user(request).id,
                "officers": await desk_service.officers(),
            },
            headers=NO_STORE,
        )

    @get("/reports/{report_id:int}", name="desk_report")
    async def report(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Template:
        """One report: its text (redacted where it has been), triage, actions, replies, referrals."""
        return await render_report(request, desk_service, areas_service, report_id)


async def render_report(  # noqa: PLR0917 - the page and what to show on it
    request: Request[Any, Any, Any],
    desk: DeskService,
    areas: AreasService,
    report_id: int,
    form: Form | None = None,
    status_code: int = 200,
) -> Template:
    """The report page (also re-rendered with a form's errors)."""
    report = await desk.report(report_id, _user(request))
    if report is None:
        raise NotFoundException()
    return Template(
        "reports/desk/report.html",
        context={
            "report": report,
            "form": form or Form(),
            "statuses": STATUS_LABELS,
            "next_statuses": NEXT_STATUSES.get(report.status, ()),
            "categories": CATEGORY_LABELS,
            "hate_kinds": HATE_KINDS,
            "periods": PERIODS,
            "sources": SOURCES,
            "gradings": GRADING_LABELS,
            "levels": LEVELS,
            "outcomes": OUTCOMES,
            "replies": REPLY_TEMPLATE_LABELS,
            "recipients": REFERRAL_RECIPIENTS,
            "bases": REFERRAL_BASES,
            **await _areas(areas),
            "me": _user(request),
            "is_admin": Role.ADMIN in _user(request).roles,
            "officers": await desk.officers(),
        },
        status_code=status_code,
        headers=NO_STORE,
    )


class DeskActions(Controller):
    """What officers do to a report; each answers by going back to the report (or showing what was wrong)."""

    path = "/desk/reports/{report_id:int}"
    include_in_schema = False
    guards = OFFICERS

    async def _failed(  # noqa: PLR0917 - the page, the form and what went wrong
        self,
        request: Request[Any, Any, Any],
        desk: DeskService,
        areas: AreasService,
        report_id: int,
        form: Form,
        field: str,
        error: DeskError,
    ) -> Template:
        if error.message == "not_found":
            raise NotFoundException()
        form.add_error(request, field, DESK_MESSAGES.get(error.message, DESK_MESSAGES["invalid"]))
        status = HTTP_400_BAD_REQUEST if error.message in {"invalid", "reason", "not_an_officer"} else HTTP_409_CONFLICT
        return await render_report(request, desk, areas, report_id, form, status)

    @post("/triage")
    async def triage(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Confirm category and area; set level (and so the due date), grading and assignment."""
        form = await read_form(request, "category", "area", "tension_level", "grading")
        level = form.values.get("tension_level", "")
        if level not in {"1", "2", "3", "4", "5"}:
            form.add_error(request, "tension_level", N_("Choose a tension level"))
        if form.values.get("category") not in CATEGORY_LABELS:
            form.add_error(request, "category", N_("Choose what you want to report"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        kind, _, code = form.values.get("area", "").partition(":")
        district, division = (code, "") if kind == "district" else ("", code if kind == "division" else "")
        if division:
            found = await areas_service.division(division)
            district = found.district.code if found else ""
        decision = Triage(
            category=form.values["category"],
            district_code=district,
            division_code=division,
            tension_level=int(level),
            grading=form.values.get("grading", ""),
            assignee_id=None,
            keep_assignee=True,  # assigned in its own form
        )
        try:
            await desk_service.triage(report_id, _user(request), decision)
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "category", error)
        return _back(report_id)

    @post("/assign")
    async def assign(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Assign the report to an officer, or to nobody (chosen from the list of officers)."""
        form = await read_form(request, "assignee")
        chosen = form.values.get("assignee", "")
        if chosen and not (chosen.isdigit() and len(chosen) < 10):
            form.add_error(request, "assignee", DESK_MESSAGES["not_an_officer"])
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            await desk_service.assign(report_id, _user(request), int(chosen) if chosen else None)
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "assignee", error)
        return _back(report_id, "#assignment")

    @post("/status")
    async def move(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Move to the next state (in progress, referred)."""
        form = await read_form(request, "status")
        try:
            await desk_service.move(report_id, _user(request), form.values.get("status", ""))
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "status", error)
        return _back(report_id)

    @post("/close")
    async def close(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Close with an outcome."""
        form = await read_form(request, "outcome", "reason")
        check_length(request, form, "reason", MAX_REASON)
        if form.values.get("outcome") not in OUTCOMES:
            form.add_error(request, "outcome", N_("Choose an outcome"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            await desk_service.close(report_id, _user(request), form.values["outcome"], form.values.get("reason", ""))
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "outcome", error)
        return _back(report_id)

    @post("/reopen")
    async def reopen(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Reopen a closed report, with a reason."""
        form = await read_form(request, "reopen_reason")
        check_length(request, form, "reopen_reason", MAX_REASON)
        if not form.values.get("reopen_reason"):
            form.add_error(request, "reopen_reason", N_("Give a reason"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            await desk_service.reopen(report_id, _user(request), form.values["reopen_reason"])
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "reopen_reason", error)
        return _back(report_id)

    @post("/reply")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Reply to the reporter with a template, in their language."""
        form = await read_form(request, "template")
        try:
            await desk_service.reply(report_id, _user(request), form.values.get("template", ""))
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "template", error)
        return _back(report_id, "#messages")

    @post("/redact")
    async def redact(
        self,
        request: Request[Any, Any, Any],
        casework_service: NamedDependency[CaseworkService],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Keep a redacted copy of the text (the original stays, for admins)."""
        form = await read_form(request, "redacted_description", "redacted_impact", "redaction_reason")
        check_length(request, form, "redaction_reason", MAX_REASON)
        if not form.values.get("redaction_reason"):
            form.add_error(request, "redaction_reason", N_("Give a reason"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            await casework_service.redact(
                report_id,
                _user(request),
                form.values.get("redacted_description", ""),
                form.values.get("redacted_impact", ""),
                form.values["redaction_reason"],
            )
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "redaction_reason", error)
        return _back(report_id)

    @post("/refer")
    async def refer(
        self,
        request: Request[Any, Any, Any],
        casework_service: NamedDependency[CaseworkService],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Record a referral outside the council (unredacted text waits for a second officer)."""
        form = await read_form(request, "recipient", "recipient_name", "shared", "basis", "unredacted")
        check_length(request, form, "shared", MAX_MESSAGE)
        check_length(request, form, "recipient_name", 200)
        if form.values.get("recipient") not in REFERRAL_RECIPIENTS:
            form.add_error(request, "recipient", N_("Choose who it goes to"))
        if form.values.get("basis") not in REFERRAL_BASES:
            form.add_error(request, "basis", N_("Choose the basis for sharing"))
        if not form.values.get("shared"):
            form.add_error(request, "shared", N_("Say what was shared"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            await casework_service.refer(
                _user(request),
                report_id,
                recipient=form.values["recipient"],
                recipient_name=form.values.get("recipient_name", ""),
                shared=form.values["shared"],
                basis=form.values["basis"],
                unredacted=form.values.get("unredacted") == "yes",
            )
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "recipient", error)
        return _back(report_id, "#referrals")

    @post("/thread")
    async def thread(
        self,
        request: Request[Any, Any, Any],
        casework_service: NamedDependency[CaseworkService],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
    ) -> Response[Any]:
        """Link the report to a rumour thread (by number), or start one with a title."""
        form = await read_form(request, "thread_id", "thread_title")
        check_length(request, form, "thread_title", 200)
        thread_id = form.values.get("thread_id", "")
        title = form.values.get("thread_title", "")
        if not thread_id.isdigit() and not title:
            form.add_error(request, "thread_id", N_("Enter a thread number, or a title for a new thread"))
        if not form.ok:
            return await render_report(request, desk_service, areas_service, report_id, form, HTTP_400_BAD_REQUEST)
        try:
            if thread_id.isdigit() and len(thread_id) < 10:
                await casework_service.link(_user(request), report_id, int(thread_id))
            else:
                await casework_service.start_thread(_user(request), title, "", report_id)
        except DeskError as error:
            return await self._failed(request, desk_service, areas_service, report_id, form, "thread_id", error)
        return _back(report_id)


class ReferralActions(Controller):
    """A second officer's approval; passing on a referral the reporter asked for."""

    path = "/desk/referrals/{referral_id:int}"
    include_in_schema = False
    guards = OFFICERS

    @post("/approve")
    async def approve(
        self, request: Request[Any, Any, Any], casework_service: NamedDependency[CaseworkService], referral_id: Id
    ) -> Response[Any]:
        """Approve releasing unredacted text (another officer than the one who asked)."""
        form = await read_form(request, "report_id")
        try:
            await casework_service.approve_referral(_user(request), referral_id)
        except DeskError as error:
            if error.message == "not_found":
                raise NotFoundException() from error
            return Template(
                "reports/desk/refused.html",
                context={
                    "message": DESK_MESSAGES.get(error.message, DESK_MESSAGES["invalid"]),
                    "report_id": form.values.get("report_id", ""),
                },
                status_code=HTTP_409_CONFLICT,
            )
        report_id = form.values.get("report_id", "")
        return Redirect(
            path=f"/desk/reports/{report_id}#referrals" if report_id.isdigit() else "/desk/reports",
            status_code=HTTP_303_SEE_OTHER,
        )

    @post("/make")
    async def make(
        self, request: Request[Any, Any, Any], casework_service: NamedDependency[CaseworkService], referral_id: Id
    ) -> Response[Any]:
        """Pass on a referral the reporter asked for (their consent is the basis)."""
        form = await read_form(request, "report_id", "shared")
        try:
            await casework_service.make_requested_referral(
                _user(request), referral_id, form.values.get("shared", "")[:MAX_MESSAGE]
            )
        except DeskError as error:
            return Template(
                "reports/desk/refused.html",
                context={
                    "message": DESK_MESSAGES.get(error.message, DESK_MESSAGES["invalid"]),
                    "report_id": form.values.get("report_id", ""),
                },
                status_code=HTTP_409_CONFLICT,
            )
        report_id = form.values.get("report_id", "")
        return Redirect(
            path=f"/desk/reports/{report_id}#referrals" if report_id.isdigit() else "/desk/reports",
            status_code=HTTP_303_SEE_OTHER,
        )


DESK_HANDLERS: list[Any] = [DeskPages, DeskActions, ReferralActions]
