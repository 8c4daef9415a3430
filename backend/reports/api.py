"""The reports JSON API: submission (with an Idempotency-Key), status by private token, officers' operations."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from backend.areas.services import AreasService
from backend.core.auth import CurrentUser, current_user
from backend.core.forms import NOT_BLANK
from backend.core.guards import PUBLIC, requires_roles, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.idempotency import KEY_RULE, idempotency_key_header
from backend.core.roles import Role
from backend.notifications.controllers import device_token
from backend.reports.desk import DeskError, DeskService, Triage
from backend.reports.reporting import ReportingService
from backend.reports.schemas import (
    CATEGORY_LABELS,
    MAX_MESSAGE,
    STATUS_LABELS,
    InformationOutcome,
    QueueFilters,
    ReceiptOut,
    ReportApiError,
    ReportCloseIn,
    ReportFieldError,
    ReportIn,
    ReportMessageOut,
    ReportQueueOut,
    ReportQueueRowOut,
    ReportStatusOut,
    ReportTriageIn,
)
from backend.reports.services import check_submission

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
IdempotencyKey = Annotated[
    str | None,
    idempotency_key_header(
        "Send the same key when retrying: the report is made once and the retry answers the same receipt. "
        f"Use a new random value ({KEY_RULE}) per report."
    ),
]
InformationKey = Annotated[
    str | None,
    idempotency_key_header(
        "Send the same key when retrying: the information is added once and the retry answers 201 again (with "
        "`Idempotent-Replayed: true`). The same key with different information is refused (422). Use a new "
        f"random value ({KEY_RULE}) per addition."
    ),
]
SESSION: list[dict[str, list[str]]] = [{"session": []}]
OFFICER_GUARDS = [requires_roles(Role.OFFICER, Role.ADMIN), requires_same_origin]
STAFF_ANSWERS = {
    401: ResponseSpec(data_container=ReportApiError, description="Not signed in"),
    403: ResponseSpec(data_container=ReportApiError, description="Not an officer or admin, or a cross-site request"),
}


class ReportInformationIn(msgspec.Struct):
    """Information a reporter adds: something besides spaces, up to 3000 characters."""

    information: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE, pattern=NOT_BLANK)]


class ReportReplyIn(msgspec.Struct):
    """A templated reply to the reporter."""

    template: str


def _error(
    request: Request[Any, Any, Any], status: int, detail: str, errors: list[ReportFieldError] | None = None
) -> Response[Any]:
    return Response(
        ReportApiError(status_code=status, detail=translate(request, detail), errors=errors or []), status_code=status
    )


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None
    return user


class ReportsApi(Controller):
    """Tension reports over JSON."""

    path = "/api/v1"
    tags = ["reports"]

    @post(
        "/reports",
        name="api_report",
        opt=PUBLIC,
        security=[{}],
        summary="Report a tension (anonymously)",
        description=(
            "Makes a report. No account; no IP address or device identifier is stored with it. The answer holds a "
            "short reference and the private token (shown once) that reads the status and replies. Give `postcode` "
            "(or its outward code), `division` or `district` (GSS codes). With an `Idempotency-Key`, a retry answers "
            "the same receipt (header `Idempotent-Replayed: true`) and never makes a second report."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=ReceiptOut, description="Reported"),
            HTTP_400_BAD_REQUEST: ResponseSpec(
                data_container=ReportApiError, description="A field is missing or wrong"
            ),
        },
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        reporting_service: NamedDependency[ReportingService],
        areas_service: NamedDependency[AreasService],
        data: Annotated[ReportIn, Body(title="Report")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Any]:
        """Make a report; 201 with the receipt."""
        raw = {
            name: str(value).strip() for name, value in msgspec.structs.asdict(data).items() if isinstance(value, str)
        }
        raw["police_opt_in"] = "yes" if data.police_opt_in else ""
        submission, errors = await check_submission(raw, areas_service, request_locale(request))
        if submission is None:
            fields = [
                ReportFieldError(key=name, message=translate(request, message, **params))
                for name, (message, params) in errors.items()
            ]
            return _error(request, HTTP_400_BAD_REQUEST, N_("There is a problem with your request"), fields)
        submission.request_key = idempotency_key
        submission.device_token = device_token(request)  # its updates can come by push, if the device asked
        result = await reporting_service.submit(submission)
        base = reporting_service.settings.base_url
        body = ReceiptOut(reference=result.reference, token=result.token, status_url=f"{base}/reports/r/{result.token}")
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(body, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/reports/status/{token:str}",
        name="api_report_status",
        opt=PUBLIC,
        security=[{}],
        summary="A report's status, by its private token",
        description="The report the token belongs to, and only that one: its status, outcome and messages.",
        responses={
            HTTP_200_OK: ResponseSpec(data_container=ReportStatusOut, description="The report"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ReportApiError, description="No report has this token"),
        },
    )
    async def status(
        self, request: Request[Any, Any, Any], reporting_service: NamedDependency[ReportingService], token: Token
    ) -> Response[Any]:
        """Read one's report."""
        report = await reporting_service.view(token)
        if report is None:
            return _error(request, HTTP_404_NOT_FOUND, N_("Not found"))
        return Response(
            ReportStatusOut(
                reference=report.reference,
                category=report.category,
                status=report.status,
                outcome=report.outcome,
                created_at=report.created_at,
                messages=[
                    ReportMessageOut(author=m.author, body=m.body, created_at=m.created_at) for m in report.messages
                ],
            )
        )

    @post(
        "/reports/status/{token:str}/information",
        name="api_report_information",
        opt=PUBLIC,
        security=[{}],
        summary="Add information to one's report",
        description=(
            "Adds the reporter's information to the report the token belongs to. With an `Idempotency-Key`, a retry "
            "of the same information adds nothing more and answers 201 again (header `Idempotent-Replayed: true`)."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=None, description="Added (or added already, on a retry)"),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ReportApiError, description="Empty or too long"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ReportApiError, description="No report has this token"),
            HTTP_422_UNPROCESSABLE_ENTITY: ResponseSpec(
                data_container=ReportApiError, description="The Idempotency-Key was used for different information"
            ),
        },
    )
    async def add(
        self,
        request: Request[Any, Any, Any],
        reporting_service: NamedDependency[ReportingService],
        token: Token,
        data: Annotated[ReportInformationIn, Body(title="Information")],
        idempotency_key: InformationKey = None,
    ) -> Response[Any]:
        """Add information."""
        text = data.information.strip()
        if not text or len(text) > MAX_MESSAGE:
            message = N_("Enter the information you want to add")
            return _error(
                request, HTTP_400_BAD_REQUEST, message, [ReportFieldError("information", translate(request, message))]
            )
        outcome = await reporting_service.add_information(token, text, idempotency_key)
        if outcome is InformationOutcome.NOT_FOUND:
            return _error(request, HTTP_404_NOT_FOUND, N_("Not found"))
        if outcome is InformationOutcome.KEY_REUSED:
            reused = N_("This Idempotency-Key was already used for other information")
            return _error(request, HTTP_422_UNPROCESSABLE_ENTITY, reused)
        headers = {"Idempotent-Replayed": "true"} if outcome is InformationOutcome.REPLAYED else {}
        return Response(None, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/reports/desk",
        name="api_desk_queue",
        guards=OFFICER_GUARDS,
        security=SESSION,
        summary="The officers' queue",
        responses={HTTP_200_OK: ResponseSpec(data_container=ReportQueueOut, description="The queue"), **STAFF_ANSWERS},
        description=(
            "Reports (no text) with filters, most urgent first, 50 a page; with counts by status. Officers and admins."
        ),
    )
    async def queue(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        category: Annotated[str, QueryParameter(max_length=30)] = "",
        district: Annotated[str, QueryParameter(max_length=12)] = "",
        division: Annotated[str, QueryParameter(max_length=12)] = "",
        level: Annotated[int | None, QueryParameter(ge=1, le=5)] = None,
        assignee: Annotated[str, QueryParameter(max_length=12)] = "",
        older_than_days: Annotated[int | None, QueryParameter(ge=0, le=3650)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10000)] = 1,
    ) -> ReportQueueOut:
        """The queue."""
        filters = QueueFilters(
            status=status if status in STATUS_LABELS else "",
            category=category if category in CATEGORY_LABELS else "",
            district=district,
            division=division,
            level=level,
            assignee=assignee,
            older_than_days=older_than_days,
            page=page,
        )
        rows, total, counts = await desk_service.queue(filters, _user(request))
        return ReportQueueOut(reports=[ReportQueueRowOut(**row.__dict__) for row in rows], total=total, counts=counts)

    async def _act(self, request: Request[Any, Any, Any], action: Any) -> Response[Any]:
        try:
            await action
        except DeskError as error:
            if error.message == "not_found":
                return _error(request, HTTP_404_NOT_FOUND, N_("Not found"))
            if error.message == "not_an_officer":
                return _error(request, HTTP_400_BAD_REQUEST, N_("Choose an officer from the list"))
            status = HTTP_400_BAD_REQUEST if error.message == "invalid" else HTTP_409_CONFLICT
            return _error(request, status, N_("That is not possible for this report as it is now"))
        return Response(None, status_code=HTTP_200_OK)

    @post(
        "/reports/desk/{report_id:int}/triage",
        name="api_desk_triage",
        guards=OFFICER_GUARDS,
        security=SESSION,
        summary="Triage a report",
        description="Confirm category and area, set the tension level (1–5; it sets the due date), grading, assignee.",
        status_code=HTTP_200_OK,
        responses={
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ReportApiError, description="Invalid choice"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ReportApiError, description="No such report"),
            HTTP_409_CONFLICT: ResponseSpec(data_container=ReportApiError, description="Closed"),
            **STAFF_ANSWERS,
        },
    )
    async def triage(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        areas_service: NamedDependency[AreasService],
        report_id: Id,
        data: Annotated[ReportTriageIn, Body(title="Triage")],
    ) -> Response[Any]:
        """Triage."""
        district = data.district
        if data.division:
            found = await areas_service.division(data.division)
            if found is None:
                return _error(request, HTTP_400_BAD_REQUEST, N_("Choose an area from the list"))
            district = found.district.code
        decision = Triage(data.category, district, data.division, data.tension_level, data.grading, data.assignee_id)
        return await self._act(request, desk_service.triage(report_id, _user(request), decision))

    @post(
        "/reports/desk/{report_id:int}/close",
        name="api_desk_close",
        guards=OFFICER_GUARDS,
        security=SESSION,
        summary="Close a report with an outcome",
        status_code=HTTP_200_OK,
        responses={
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ReportApiError, description="Unknown outcome"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ReportApiError, description="No such report"),
            HTTP_409_CONFLICT: ResponseSpec(data_container=ReportApiError, description="Already closed"),
            **STAFF_ANSWERS,
        },
    )
    async def close(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        report_id: Id,
        data: Annotated[ReportCloseIn, Body(title="Close")],
    ) -> Response[Any]:
        """Close."""
        return await self._act(request, desk_service.close(report_id, _user(request), data.outcome))

    @post(
        "/reports/desk/{report_id:int}/reply",
        name="api_desk_reply",
        guards=OFFICER_GUARDS,
        security=SESSION,
        summary="Reply to the reporter with a template",
        description="Shown on the private link and emailed (if the reporter left an email) in the reporter's language.",
        status_code=HTTP_200_OK,
        responses={
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ReportApiError, description="Unknown template"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ReportApiError, description="No such report"),
            **STAFF_ANSWERS,
        },
    )
    async def reply(
        self,
        request: Request[Any, Any, Any],
        desk_service: NamedDependency[DeskService],
        report_id: Id,
        data: Annotated[ReportReplyIn, Body(title="Reply")],
    ) -> Response[Any]:
        """Reply."""
        return await self._act(request, desk_service.reply(report_id, _user(request), data.template))
