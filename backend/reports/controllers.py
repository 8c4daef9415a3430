"""Residents' report pages (no account): the safety notice, the guided form, the receipt and private link.

The officers' desk, insight and the JSON API have their own modules; this one exports the domain's
ROUTE_HANDLERS and DEPENDENCIES for backend/app.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from backend.areas.services import AreasService
from backend.core.forms import Form, check_length, read_form
from backend.core.guards import PUBLIC, QUEUEABLE_FORM, resident_form_from_this_site
from backend.core.i18n import N_, request_locale
from backend.notifications.controllers import device_token
from backend.reports.api import ReportsApi
from backend.reports.casework import CaseworkService
from backend.reports.desk import DeskService
from backend.reports.desk_controllers import DESK_HANDLERS
from backend.reports.insight import InsightService
from backend.reports.insight_controllers import INSIGHT_HANDLERS
from backend.reports.reporting import ReportingService
from backend.reports.schemas import (
    CATEGORY_LABELS,
    HATE_KINDS,
    MAX_MESSAGE,
    OUTCOMES,
    PERIODS,
    SOURCES,
    STATUS_LABELS,
    InformationOutcome,
    ReportView,
)
from backend.reports.services import check_submission, new_key
from backend.reports.thread_controllers import THREAD_HANDLERS

Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]
NO_STORE = {"Cache-Control": "no-store"}
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
INFORMATION_KEY_REUSED = N_(
    "This form was already used to send something else. Check your messages, then send this again if it is new"
)
FIELDS = (
    "category",
    "hate_kind",
    "postcode",
    "area",
    "place_description",
    "occurred_period",
    "description",
    "impact",
    "source",
    "police_opt_in",
    "email",
    "phone",
    "nonce",
    "website",
)


def _page(name: str, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("form", Form())
    return Template(f"reports/{name}.html", context=context, status_code=status_code, headers=NO_STORE)


def _nonce(form: Form) -> str:
    value = form.values.get("nonce", "")
    return value if NONCE.match(value) else new_key()


def split_area(value: str) -> tuple[str, str]:
    """The form's one area list holds districts and divisions: "district:E07…" or "division:E58…"."""
    kind, _, code = value.partition(":")
    if kind == "division":
        return "", code
    if kind == "district":
        return code, ""
    return "", ""


class ReportPages(Controller):
    """Report a tension: the safety notice, then the form; the receipt; the private link."""

    path = "/reports"
    include_in_schema = False

    @get("/", name="reports_start", opt=PUBLIC)
    async def start(self) -> Template:
        """Is anyone in danger? Where else to report a hate incident; then start."""
        return _page("start")

    async def _render_form(
        self, reporting: ReportingService, areas: AreasService, form: Form, status_code: int = 200
    ) -> Template:
        form.values["nonce"] = _nonce(form)
        divisions = await areas.list_divisions()
        districts = await areas.list_districts()
        return _page(
            "form",
            status_code,
            form=form,
            categories=CATEGORY_LABELS,
            hate_kinds=HATE_KINDS,
            periods=PERIODS,
            sources=SOURCES,
            districts=districts,
            divisions=divisions,
            private_link=f"{reporting.settings.base_url}/reports/r/{reporting.token_for(form.values['nonce'])}",
        )

    @get("/new", name="reports_form", opt=PUBLIC)
    async def form(
        self, reporting_service: NamedDependency[ReportingService], areas_service: NamedDependency[AreasService]
    ) -> Template:
        """The guided form: what, where, when, what happened, how you know, and (optionally) contact."""
        return await self._render_form(reporting_service, areas_service, Form())

    # Both may arrive from the phone's offline queue hours later, when the CSRF cookie is gone.
    @post("/new", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def submit(
        self,
        request: Request[Any, Any, Any],
        reporting_service: NamedDependency[ReportingService],
        areas_service: NamedDependency[AreasService],
    ) -> Response[Any]:
        """Store the report (committed before the answer) and show the receipt through the private link."""
        form = await read_form(request, *FIELDS)
        if form.values.get("website"):
            # The honeypot: people never see this field; whatever filled it gets a receipt page and no report.
            return Redirect(path="/reports/sent", status_code=HTTP_303_SEE_OTHER)
        raw = dict(form.values)
        raw["district"], raw["division"] = split_area(form.values.get("area", ""))
        submission, errors = await check_submission(raw, areas_service, request_locale(request))
        if submission is None:
            for name, (message, params) in errors.items():
                form.add_error(request, name, message, **params)
            return await self._render_form(reporting_service, areas_service, form, HTTP_400_BAD_REQUEST)
        submission.request_key = _nonce(form)
        submission.device_token = device_token(request)  # its updates can come by push, if the device asked
        result = await reporting_service.submit(submission)
        return Redirect(path=f"/reports/r/{result.token}?sent=1", status_code=HTTP_303_SEE_OTHER)

    @get("/sent", name="reports_sent", opt=PUBLIC)
    async def sent(self) -> Template:
        """A receipt without a link (what the honeypot answers)."""
        return _page("sent")

    @get("/r/{token:str}", name="report_status", opt=PUBLIC)
    async def status(
        self,
        reporting_service: NamedDependency[ReportingService],
        token: Token,
        sent: Flag = None,
        added: Flag = None,
    ) -> Template:
        """The report this private link belongs to: its status, replies, and a form to add information."""
        report = await reporting_service.view(token)
        if report is None:
            # Sent offline and not arrived yet, or a mistyped link: say so without telling which.
            return _page("not_yet", 404)
        form = Form()
        form.values["nonce"] = new_key()
        return _status_page(report, token, form, just_sent=bool(sent), just_added=bool(added))

    @post("/r/{token:str}/add", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def add(
        self, request: Request[Any, Any, Any], reporting_service: NamedDependency[ReportingService], token: Token
    ) -> Response[Any]:
        """Add information to one's report: once, however often the same form is sent (its nonce)."""
        form = await read_form(request, "information", "nonce")
        text = form.values.get("information", "")
        if not text:
            form.add_error(request, "information", N_("Enter the information you want to add"))
        check_length(request, form, "information", MAX_MESSAGE)
        nonce = form.values.get("nonce", "")
        key = nonce if NONCE.match(nonce) else None  # a page from before nonces (queued on a phone): no key
        outcome = None
        if form.ok:
            outcome = await reporting_service.add_information(token, text, key)
            if outcome is InformationOutcome.NOT_FOUND:
                raise NotFoundException()
            if outcome is InformationOutcome.KEY_REUSED:
                form.add_error(request, "information", INFORMATION_KEY_REUSED)
        report = await reporting_service.view(token)
        if report is None:
            raise NotFoundException()
        if not form.ok:
            # What was typed stays; a fresh nonce when the old one went with other words.
            form.values["nonce"] = new_key() if outcome is InformationOutcome.KEY_REUSED or key is None else nonce
            status = HTTP_409_CONFLICT if outcome is InformationOutcome.KEY_REUSED else HTTP_400_BAD_REQUEST
            return _status_page(report, token, form, status_code=status)
        return Redirect(path=f"/reports/r/{token}?added=1#messages", status_code=HTTP_303_SEE_OTHER)


def _status_page(
    report: ReportView,
    token: str,
    form: Form,
    status_code: int = 200,
    *,
    just_sent: bool = False,
    just_added: bool = False,
) -> Template:
    return _page(
        "status",
        status_code,
        report=report,
        token=token,
        form=form,
        just_sent=just_sent,
        just_added=just_added,
        categories=CATEGORY_LABELS,
        statuses=STATUS_LABELS,
        outcomes=OUTCOMES,
    )


def provide_reporting_service(state: State) -> ReportingService:
    """The residents' reporting service."""
    return ReportingService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_desk_service(state: State) -> DeskService:
    """The officers' desk."""
    return DeskService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_casework_service(state: State) -> CaseworkService:
    """Redaction, rumour threads and referrals."""
    return CaseworkService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_insight_service(state: State) -> InsightService:
    """Aggregates for officers and members."""
    return InsightService(state["settings"], state["clock"], state["engine"])


ROUTE_HANDLERS: list[Any] = [ReportPages, *DESK_HANDLERS, *THREAD_HANDLERS, *INSIGHT_HANDLERS, ReportsApi]
DEPENDENCIES: dict[str, Provide] = {
    "reporting_service": Provide(provide_reporting_service, sync_to_thread=False),
    "desk_service": Provide(provide_desk_service, sync_to_thread=False),
    "casework_service": Provide(provide_casework_service, sync_to_thread=False),
    "insight_service": Provide(provide_insight_service, sync_to_thread=False),
}
