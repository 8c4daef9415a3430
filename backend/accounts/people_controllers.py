"""People: one's own account page (sign out everywhere, delete), and the admin's people pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.accounts.services import AccountsService
from backend.accounts.web import UserId, render_page
from backend.bookings.people import PersonalBookings
from backend.core import audit
from backend.core.auth import current_user
from backend.core.forms import Form, check_email, check_length, check_required, read_form
from backend.core.guards import requires_roles, requires_sign_in
from backend.core.i18n import N_, request_locale, translate
from backend.core.paging import page_count
from backend.core.roles import Role
from backend.exchanges.intake import IntakeService


class AccountPages(Controller):
    """A signed-in person's own account."""

    include_in_schema = False
    guards = [requires_sign_in]

    @get("/account", name="account")
    async def account(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountsService],
        exchange_intake: NamedDependency[IntakeService],
    ) -> Template:
        """Who you are signed in as, your roles, your bookings and requests, and what you can do with your account."""
        user = current_user(request)
        assert user is not None  # the guard guarantees it
        summary = await accounts.people.user_summary(user.id)
        codes_left = await accounts.sign_in.recovery_codes_left(user.id)
        locale = request_locale(request)
        personal = PersonalBookings(request.app.state["clock"])
        bookings = await personal.bookings_for_user(user.id, email=user.email, locale=locale)
        waitlist = await personal.waitlist_for_user(user.id, email=user.email, locale=locale)
        exchange_requests = await exchange_intake.requests_of_user(user.id, locale)
        return render_page(
            "account",
            summary=summary,
            role_names=dict(role_options(request)),
            codes_left=codes_left,
            is_staff=user.is_staff,
            bookings=bookings,
            waitlist=waitlist,
            exchange_requests=exchange_requests,
        )

    @post("/account/sign-out-everywhere", name="sign_out_everywhere")
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """End every session on every device, including this one."""
        user = current_user(request)
        assert user is not None
        await accounts.people.sign_out_everywhere(user)
        request.clear_session()
        return render_page("signed_out", everywhere=True)

    @post("/account/recovery-codes", name="recovery_codes")
    async def new_recovery_codes(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """Replace the recovery codes and show the new ones once."""
        user = current_user(request)
        assert user is not None
        codes = await accounts.sign_in.replace_recovery_codes(user)
        return render_page("recovery_codes", codes=codes, first_time=False)

    @get("/account/delete", name="delete_account")
    async def delete_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Confirm deleting a resident account (staff accounts are closed by an admin)."""
        user = current_user(request)
        assert user is not None
        if user.is_staff:
            return Redirect(path="/account")
        return render_page("delete_account")

    @post("/account/delete")
    async def delete(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Delete the account and everything linked to it."""
        user = current_user(request)
        assert user is not None
        if user.is_staff:
            return Redirect(path="/account")
        form = await read_form(request, "confirm")
        if form.values.get("confirm") != "yes":
            form.add_error(request, "confirm", N_("Tick the box to confirm you want to delete your account"))
            return render_page("delete_account", status_code=400, form=form)
        await accounts.people.delete_account(user)
        request.clear_session()
        return render_page("signed_out", deleted=True)


ASSIGNABLE_ROLES = (Role.PARTNER, Role.FACILITATOR, Role.OFFICER, Role.MEMBER, Role.ADMIN)


def role_options(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """Roles with their translated names, for checkboxes."""
    names = {
        Role.PARTNER: N_("Partner (member of a partner organisation)"),
        Role.FACILITATOR: N_("Facilitator"),
        Role.OFFICER: N_("Officer"),
        Role.MEMBER: N_("Member (councillor, read-only insight)"),
        Role.ADMIN: N_("Admin"),
        Role.RESIDENT: N_("Resident"),
    }
    return [(role.value, translate(request, names[role])) for role in (*ASSIGNABLE_ROLES, Role.RESIDENT)]


class AdminPeoplePages(Controller):
    """Admins invite staff, change roles and disable accounts."""

    include_in_schema = False
    path = "/admin"
    guards = [requires_roles(Role.ADMIN)]

    @get("/users", name="admin_users")
    async def users(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountsService],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        """Everyone with an account, searchable by name or email."""
        users, total = await accounts.people.list_users(q, limit=50, offset=(page - 1) * 50)
        pages = page_count(total, 50)
        role_names = dict(role_options(request))
        return render_page("admin_users", users=users, role_names=role_names, total=total, q=q, page=page, pages=pages)

    @get("/users/invite", name="admin_invite")
    async def invite_form(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """Invite a member of staff by email."""
        return render_page(
            "admin_invite", roles=role_options(request)[:-1], organisations=await accounts.organisations.organisations()
        )

    @post("/users/invite")
    async def invite(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Send the invitation (through the outbox) and record it in the audit log."""
        form = await read_form(request, "email", "organisation", "locale", list_names=("roles",))
        email = check_email(request, form)
        chosen = [Role(value) for value in form.lists.get("roles", []) if value in {r.value for r in ASSIGNABLE_ROLES}]
        if not chosen:
            form.add_error(request, "roles", N_("Choose at least one role"))
        organisations = await accounts.organisations.organisations()
        organisation_id: int | None = None
        if form.values.get("organisation"):
            known = {str(identifier): identifier for identifier, _ in organisations}
            organisation_id = known.get(form.values["organisation"])
            if organisation_id is None:
                form.add_error(request, "organisation", N_("Choose an organisation from the list"))
        if Role.PARTNER in chosen and organisation_id is None:
            form.add_error(request, "organisation", N_("Choose the partner's organisation"))
        locale = form.values.get("locale") or request_locale(request)
        if not form.ok:
            return render_page(
                "admin_invite",
                status_code=400,
                form=form,
                roles=role_options(request)[:-1],
                organisations=organisations,
            )
        admin = current_user(request)
        assert admin is not None
        await accounts.people.invite_staff(admin, email, chosen, organisation_id, locale)
        return render_page("admin_invited", email=email)

    @get("/users/{user_id:int}", name="admin_user")
    async def user(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Template:
        """One person: roles, status, and the forms to change them."""
        summary = await accounts.people.user_summary(user_id)
        if summary is None:
            raise NotFoundException()
        form = Form(lists={"roles": summary.roles})
        return render_page("admin_user", summary=summary, roles=role_options(request), form=form)

    @post("/users/{user_id:int}/roles", name="admin_user_roles")
    async def change_roles(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Replace the person's roles, with a reason for the audit log."""
        summary = await accounts.people.user_summary(user_id)
        if summary is None:
            raise NotFoundException()
        form = await read_form(request, "reason", list_names=("roles",))
        check_required(request, form, "reason", N_("Say why you are changing this person's roles"))
        check_length(request, form, "reason", 500)
        valid = {role.value for role in Role}
        chosen = {Role(value) for value in form.lists.get("roles", []) if value in valid}
        if not form.ok:
            return render_page("admin_user", status_code=400, summary=summary, roles=role_options(request), form=form)
        admin = current_user(request)
        assert admin is not None
        await accounts.people.set_roles(admin, user_id, chosen, form.values["reason"])
        return Redirect(path=f"/admin/users/{user_id}")

    @post("/users/{user_id:int}/status", name="admin_user_status")
    async def change_status(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Disable or re-enable the account, with a reason."""
        summary = await accounts.people.user_summary(user_id)
        if summary is None:
            raise NotFoundException()
        form = await read_form(request, "status_reason", "active")
        check_required(request, form, "status_reason", N_("Say why you are changing this account"))
        check_length(request, form, "status_reason", 500)
        admin = current_user(request)
        assert admin is not None
        if admin.id == user_id:
            form.add_error(request, "status_reason", N_("You cannot disable your own account"))
        if not form.ok:
            form.lists["roles"] = summary.roles
            return render_page("admin_user", status_code=400, summary=summary, roles=role_options(request), form=form)
        await accounts.people.set_active(
            admin, user_id, form.values.get("active") == "yes", form.values["status_reason"]
        )
        return Redirect(path=f"/admin/users/{user_id}")


class AuditPages(Controller):
    """The audit log: admins, and officers (who answer for moderation and approvals), read what staff did."""

    path = "/admin"
    include_in_schema = False
    guards = [requires_roles(Role.ADMIN, Role.OFFICER)]

    @get("/audit", name="admin_audit")
    async def audit_log(
        self,
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        action: Annotated[str, QueryParameter(max_length=80)] = "",
        actor: Annotated[str, QueryParameter(max_length=320)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        """Search the append-only audit log (nobody can edit or delete it through the product)."""
        entries, total = await audit.search(text=q, action=action, actor=actor, limit=50, offset=(page - 1) * 50)
        return render_page(
            "admin_audit",
            entries=entries,
            total=total,
            q=q,
            action=action,
            actor=actor,
            page=page,
            pages=page_count(total, 50),
        )
