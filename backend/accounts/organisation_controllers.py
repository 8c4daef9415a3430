"""Partner organisations: applying, confirming, members, and officers verifying, rejecting or trusting."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.accounts.schemas import ORGANISATION_KINDS
from backend.accounts.services import AccountsService
from backend.accounts.web import OrganisationId, Token, begin_session, check_new_password, render_page
from backend.core.auth import current_user
from backend.core.forms import Form, check_email, check_length, check_required, read_form
from backend.core.guards import PUBLIC, requires_roles
from backend.core.i18n import N_, request_locale, translate
from backend.core.paging import page_count
from backend.core.roles import Role
from backend.core.security import client_address

CHARITY_NUMBER = re.compile(r"^[0-9]{6,8}(-[0-9]{1,2})?$")


COMPANY_NUMBER = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")
ORGANISATIONS_PAGE = 50  # lines on a page of the officers' list of organisations


def kind_options(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """Kinds of organisation with translated names."""
    names = {
        "charity": N_("Registered charity"),
        "community_group": N_("Community group"),
        "social_enterprise": N_("Social enterprise"),
        "faith_group": N_("Faith group"),
        "parish_council": N_("Parish or town council"),
        "other": N_("Other"),
    }
    return [(kind, translate(request, names[kind])) for kind in ORGANISATION_KINDS]


class PartnerApplicationPages(Controller):
    """A voluntary or community organisation applies to post events."""

    include_in_schema = False

    @get("/partners/apply", name="partner_apply", opt=PUBLIC)
    async def apply_form(self, request: Request[Any, Any, Any]) -> Template:
        """The application form."""
        return render_page("organisation_apply", kinds=kind_options(request))

    @post("/partners/apply", opt=PUBLIC)
    async def apply(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]) -> Response[Any]:
        """Record the application and send the confirmation email."""
        fields = ("name", "kind", "charity_number", "company_number", "contact_name", "contact_email", "area_served")
        form = await read_form(request, *fields)
        check_required(request, form, "name", N_("Enter the name of your organisation"))
        check_length(request, form, "name", 200)
        if form.values.get("kind") not in ORGANISATION_KINDS:
            form.add_error(request, "kind", N_("Choose the kind of organisation"))
        charity = form.values["charity_number"] = form.values.get("charity_number", "").replace(" ", "")
        if charity and not CHARITY_NUMBER.match(charity):
            form.add_error(request, "charity_number", N_("Enter a charity number like 1234567, or leave it empty"))
        company = form.values["company_number"] = form.values.get("company_number", "").replace(" ", "").upper()
        if company and not COMPANY_NUMBER.match(company):
            form.add_error(request, "company_number", N_("Enter a company number like 01234567, or leave it empty"))
        check_required(request, form, "contact_name", N_("Enter your name"))
        check_length(request, form, "contact_name", 120)
        form.values["contact_email"] = check_email(request, form, "contact_email")
        check_required(request, form, "area_served", N_("Say which part of Oxfordshire you serve"))
        check_length(request, form, "area_served", 200)
        if not form.ok:
            return render_page("organisation_apply", status_code=400, form=form, kinds=kind_options(request))
        await accounts.organisations.apply_for_organisation(
            form.values, request_locale(request), client_address(request)
        )
        return render_page("check_email", email=form.values["contact_email"], days=7)

    @get("/partners/confirm/{token:str}", name="partner_confirm", opt=PUBLIC)
    async def confirm_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Confirm the email address: choose a password for the organisation's first account."""
        check = await accounts.links.check_link("org_confirm", token)
        return render_page(
            "invitation",
            token=token,
            check=check,
            action=f"/partners/confirm/{token}",
            status_code=200 if check.valid else 410,
        )

    @post("/partners/confirm/{token:str}", opt=PUBLIC)
    async def confirm(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Create the owner's account and sign them in; an officer verifies the organisation next."""
        check = await accounts.links.check_link("org_confirm", token)
        form = await read_form(request, "display_name", "password", "confirm")
        name = check_required(request, form, "display_name", N_("Enter your name"))
        check_length(request, form, "display_name", 120)
        check_new_password(request, form, check.email, name)
        if not check.valid or not form.ok:
            form.values.pop("password", None)
            form.values.pop("confirm", None)
            return render_page(
                "invitation",
                token=token,
                check=check,
                form=form,
                action=f"/partners/confirm/{token}",
                status_code=400 if check.valid else 410,
            )
        done = await accounts.organisations.confirm_organisation(token, name, form.values["password"])
        if not done.valid or done.user_id is None:
            return render_page(
                "invitation", token=token, check=done, action=f"/partners/confirm/{token}", status_code=410
            )
        signed = await accounts.sign_in.signed_in(done.user_id)
        begin_session(request, signed.user_id, signed.auth_version)
        return Redirect(path="/partner/organisation")


class PartnerOrganisationPages(Controller):
    """A partner's own organisations: status, members, inviting colleagues."""

    include_in_schema = False
    path = "/partner/organisation"
    guards = [requires_roles(Role.PARTNER)]

    @get("/", name="partner_organisation")
    async def organisation(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """Your organisations and their members."""
        user = current_user(request)
        assert user is not None
        organisations = await accounts.organisations.organisations_of(user)
        owned = {o.id for o in organisations if any(email == user.email and owner for email, _, owner in o.members)}
        return render_page("organisation_mine", organisations=organisations, owned=owned)

    @post("/{organisation_id:int}/members", name="partner_invite_member")
    async def invite_member(
        self,
        request: Request[Any, Any, Any],
        organisation_id: OrganisationId,
        accounts: NamedDependency[AccountsService],
    ) -> Response[Any]:
        """The owner invites a colleague."""
        user = current_user(request)
        assert user is not None
        form = await read_form(request, "email")
        email = check_email(request, form)
        if form.ok and not await accounts.organisations.invite_member(
            user, organisation_id, email, request_locale(request)
        ):
            raise PermissionDeniedException()
        organisations = await accounts.organisations.organisations_of(user)
        owned = {o.id for o in organisations if any(e == user.email and owner for e, _, owner in o.members)}
        if not form.ok:
            return render_page(
                "organisation_mine", status_code=400, form=form, organisations=organisations, owned=owned
            )
        return render_page("organisation_mine", organisations=organisations, owned=owned, invited=email)


async def _review_page(
    request: Request[Any, Any, Any], accounts: AccountsService, organisation: Any, form: Form | None = None
) -> Template:
    """An organisation as officers review it: its details, its history, the decision form (kept when invalid)."""
    return render_page(
        "organisation_review",
        status_code=400 if form is not None else 200,
        form=form or Form(),
        organisation=organisation,
        history=await accounts.organisations.organisation_history(organisation.id),
        kind_names=dict(kind_options(request)),
    )


class OfficerOrganisationPages(Controller):
    """Officers verify organisations before any of their events are public, and mark some trusted."""

    include_in_schema = False
    path = "/officer/organisations"
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="officer_organisations")
    async def queue(
        self,
        accounts: NamedDependency[AccountsService],
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        """Organisations waiting for a decision, the longest waiting first; then a page of all the others."""
        waiting = await accounts.organisations.organisations_waiting()
        others, total = await accounts.organisations.organisations_decided(
            limit=ORGANISATIONS_PAGE, offset=(page - 1) * ORGANISATIONS_PAGE
        )
        pages = page_count(total, ORGANISATIONS_PAGE)
        return render_page("organisation_queue", waiting=waiting, others=others, total=total, page=page, pages=pages)

    @get("/{organisation_id:int}", name="officer_organisation")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        organisation_id: OrganisationId,
        accounts: NamedDependency[AccountsService],
    ) -> Template:
        """One organisation, the decisions it has had, and the decision form."""
        organisation = await accounts.organisations.organisation(organisation_id)
        if organisation is None:
            raise NotFoundException()
        return await _review_page(request, accounts, organisation)

    @post("/{organisation_id:int}/decision", name="officer_organisation_decision")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        organisation_id: OrganisationId,
        accounts: NamedDependency[AccountsService],
    ) -> Response[Any]:
        """Verify, reject (with a reason), trust or stop trusting."""
        organisation = await accounts.organisations.organisation(organisation_id)
        if organisation is None:
            raise NotFoundException()
        form = await read_form(request, "decision", "reason")
        if form.values.get("decision") not in {"verify", "reject", "trust", "untrust"}:
            form.add_error(request, "decision", N_("Choose a decision"))
        if form.values.get("decision") == "reject":
            check_required(request, form, "reason", N_("Say why, so the organisation knows what to change"))
        check_length(request, form, "reason", 1000)
        officer = current_user(request)
        assert officer is not None
        if form.ok and not await accounts.organisations.decide_organisation(
            officer, organisation_id, form.values["decision"], form.values.get("reason", ""), request_locale(request)
        ):
            form.add_error(request, "decision", N_("That decision cannot be made for this organisation now"))
        if not form.ok:
            return await _review_page(request, accounts, organisation, form)
        return Redirect(path=f"/officer/organisations/{organisation_id}")
