""" "You said, we did" (the page, following it by email) and feedback on Hearby from every page's footer."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from backend.core.forms import Form, check_email, check_length, read_form
from backend.core.guards import PUBLIC, QUEUEABLE_FORM, resident_form_from_this_site
from backend.core.i18n import N_, request_locale
from backend.engagement.common import safe_page
from backend.engagement.pages import nonce, page, see_other
from backend.engagement.schemas import (
    FEEDBACK_LABELS,
    MAX_FEEDBACK,
    MAX_PAGE,
    MAX_QUOTED,
    FeedbackKind,
    SiteFeedbackRequest,
)
from backend.engagement.site_feedback import SiteFeedbackService
from backend.engagement.updates import UpdatesService

Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
PagePath = Annotated[str | None, QueryParameter(max_length=MAX_PAGE)]
KindParam = Annotated[str | None, QueryParameter(max_length=12)]
HONEYPOT = "website"  # hidden from people; a bot that fills every field fills it


class YouSaidWeDidPages(Controller):
    """What residents said and what the council and partners did; following it by email (double opt-in)."""

    path = "/you-said-we-did"
    include_in_schema = False

    async def _render(
        self, request: Request[Any, Any, Any], updates: UpdatesService, form: Form, status_code: int = 200
    ) -> Template:
        entries = await updates.entries(request_locale(request))
        return page("updates", status_code, form=form, entries=entries)

    @get("/", name="you_said_we_did", opt=PUBLIC)
    async def index(
        self, request: Request[Any, Any, Any], updates_service: NamedDependency[UpdatesService]
    ) -> Template:
        """Every entry, newest first, with a form to follow by email."""
        return await self._render(request, updates_service, Form())

    @post("/follow", opt=PUBLIC)
    async def follow(
        self, request: Request[Any, Any, Any], updates_service: NamedDependency[UpdatesService]
    ) -> Response[Any]:
        """Ask to follow: a confirmation link is emailed (the same answer whether or not the address follows)."""
        form = await read_form(request, "email")
        email = check_email(request, form)
        if not form.ok:
            return await self._render(request, updates_service, form, HTTP_400_BAD_REQUEST)
        await updates_service.follow(email, request_locale(request))
        return see_other("/you-said-we-did/follow/check-email")

    @get("/follow/check-email", name="follow_check_email", opt=PUBLIC)
    async def check_email(self) -> Template:
        """Check your email for the confirmation link."""
        return page("follow_check_email")

    @get("/confirm/{token:str}", name="follow_confirm", opt=PUBLIC)
    async def confirm_page(self, updates_service: NamedDependency[UpdatesService], token: Token) -> Template:
        """A button to confirm (a link checker opening the link confirms nothing)."""
        if not await updates_service.pending_confirmation(token):
            return page("follow_link_not_valid", HTTP_404_NOT_FOUND)
        return page("follow_confirm", token=token)

    @post("/confirm/{token:str}", opt=PUBLIC)
    async def confirm(self, updates_service: NamedDependency[UpdatesService], token: Token) -> Template:
        """Confirm following."""
        if not await updates_service.confirm(token):
            return page("follow_link_not_valid", HTTP_404_NOT_FOUND)
        return page("follow_confirmed")

    @get("/unsubscribe/{token:str}", name="follow_unsubscribe", opt=PUBLIC)
    async def unsubscribe_page(self, updates_service: NamedDependency[UpdatesService], token: Token) -> Template:
        """A button to stop following."""
        if not await updates_service.is_follower_link(token):
            return page("follow_link_not_valid", HTTP_404_NOT_FOUND)
        return page("follow_unsubscribe", token=token)

    @post("/unsubscribe/{token:str}", opt=PUBLIC)
    async def unsubscribe(self, updates_service: NamedDependency[UpdatesService], token: Token) -> Template:
        """Stop following (the address is deleted)."""
        if not await updates_service.unsubscribe(token):
            return page("follow_link_not_valid", HTTP_404_NOT_FOUND)
        return page("follow_unsubscribed")


class FeedbackPages(Controller):
    """Feedback on a page of Hearby: useful or not, a problem, a better translation (no JavaScript needed)."""

    path = "/feedback"
    include_in_schema = False

    def _render(self, form: Form, status_code: int = 200) -> Template:
        form.values["nonce"] = nonce(form)
        kinds = [(kind.value, FEEDBACK_LABELS[kind]) for kind in FeedbackKind]
        return page("feedback", status_code, form=form, kinds=kinds)

    @get("/", name="site_feedback", opt=PUBLIC)
    async def form(self, request: Request[Any, Any, Any], page: PagePath = None, kind: KindParam = None) -> Template:
        """The feedback form about one page (the footer links here with the page's address)."""
        form = Form()
        form.values["page"] = safe_page(page)
        form.values["kind"] = kind if kind in {value.value for value in FeedbackKind} else ""
        return self._render(form)

    @post("/", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def send(
        self, request: Request[Any, Any, Any], site_feedback_service: NamedDependency[SiteFeedbackService]
    ) -> Response[Any]:
        """Record the feedback (a filled-in honeypot is thanked and dropped), then thank."""
        form = await read_form(request, "kind", "text", "quoted", "page", "nonce", HONEYPOT)
        form.values["page"] = safe_page(form.values["page"])
        kind = form.values["kind"]
        if kind not in {value.value for value in FeedbackKind}:
            form.add_error(request, "kind", N_("Select what your feedback is about"))
        if kind in {FeedbackKind.PROBLEM, FeedbackKind.TRANSLATION} and not form.values["text"]:
            message = (
                N_("Enter the better translation")
                if kind == FeedbackKind.TRANSLATION
                else N_("Tell us what the problem is")
            )
            form.add_error(request, "text", message)
        check_length(request, form, "text", MAX_FEEDBACK)
        check_length(request, form, "quoted", MAX_QUOTED)
        if not form.ok:
            return self._render(form, HTTP_400_BAD_REQUEST)
        if not form.values.get(HONEYPOT):
            await site_feedback_service.record(
                SiteFeedbackRequest(
                    kind=kind,
                    page=form.values["page"],
                    locale=request_locale(request),
                    text=form.values["text"],
                    quoted=form.values["quoted"],
                    request_key=nonce(form),
                )
            )
        return see_other(f"/feedback/thanks?{urlencode({'page': form.values['page']})}")

    @get("/thanks", name="site_feedback_thanks", opt=PUBLIC)
    async def thanks(self, page: PagePath = None) -> Template:
        """Thank you, and a link back to the page."""
        return _thanks(safe_page(page))


def _thanks(back: str) -> Template:
    return page("feedback_thanks", back=back)


ROUTE_HANDLERS: list[Any] = [YouSaidWeDidPages, FeedbackPages]
