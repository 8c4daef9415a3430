"""Sign-in, two-factor, emailed links, invitations, the account page and the admin's people pages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from backend.accounts.credentials import password_problem
from backend.accounts.schemas import ORGANISATION_KINDS, SignInResult, SignInStep
from backend.accounts.services import AccountsService, CodeCheck
from backend.bookings.services import bookings_for_user, waitlist_for_user
from backend.core import audit
from backend.core.auth import SESSION_SEEN, SESSION_STARTED, SESSION_USER_ID, SESSION_VERSION, current_user
from backend.core.forms import Form, check_email, check_length, check_required, read_form
from backend.core.guards import PUBLIC, requires_roles, requires_sign_in
from backend.core.i18n import N_, request_locale, translate
from backend.core.roles import Role
from backend.core.security import client_address
from backend.core.sessions import ROTATE_FLAG
from backend.core.throttle import Throttle

PENDING_USER = "pending_user_id"
PENDING_VERSION = "pending_version"
PENDING_AT = "pending_at"
PENDING_STEP = "pending_step"
ENROL_SECRET = "enrol_secret"  # noqa: S105 - a session key name, not a secret
PENDING_LIFETIME = 10 * 60  # seconds to finish the second step of signing in
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
UserId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
NO_STORE = {"Cache-Control": "no-store"}


def _page(name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Template:
    """A page that is never cached (it is personal or carries a form)."""
    context.setdefault("form", Form())
    return Template(
        f"accounts/{name}.html", context=context, status_code=status_code, headers={**NO_STORE, **(headers or {})}
    )


def _now(request: Request[Any, Any, Any]) -> float:
    return float(request.app.state["clock"].now().timestamp())


def _begin_session(request: Request[Any, Any, Any], user_id: int, auth_version: int) -> None:
    """Start a signed-in session under a new id."""
    now = _now(request)
    request.session.clear()
    request.session.update(
        {
            SESSION_USER_ID: user_id,
            SESSION_VERSION: auth_version,
            SESSION_STARTED: now,
            SESSION_SEEN: now,
            ROTATE_FLAG: True,
        }
    )


def _begin_pending(request: Request[Any, Any, Any], result: SignInResult) -> Redirect:
    """Password accepted; the second factor is still to come (not signed in yet). The session remembers which
    step is next, so someone with only the password cannot choose to enrol a new authenticator instead."""
    request.session.clear()
    request.session.update(
        {
            PENDING_USER: result.user_id,
            PENDING_VERSION: result.auth_version,
            PENDING_AT: _now(request),
            PENDING_STEP: result.step.value,
            ROTATE_FLAG: True,
        }
    )
    if result.step is SignInStep.NEEDS_CODE:
        return Redirect(path="/sign-in/two-factor")
    return Redirect(path="/sign-in/set-up-two-factor")


def _pending_user(request: Request[Any, Any, Any], step: SignInStep) -> tuple[int, int] | None:
    """The person half-way through signing in, if this is the step they are at."""
    session = request.session
    if not session.get(PENDING_USER) or _now(request) - float(session.get(PENDING_AT, 0)) > PENDING_LIFETIME:
        return None
    if session.get(PENDING_STEP) != step.value:
        return None
    return int(session[PENDING_USER]), int(session.get(PENDING_VERSION, 0))


def _safe_next(candidate: str | None) -> str:
    if candidate and candidate.startswith("/") and not candidate.startswith("//") and "\\" not in candidate:
        return candidate[:2000]
    return "/account"


class SignInPages(Controller):
    """Staff sign in with email and password, then a TOTP code when their role requires it."""

    include_in_schema = False

    @get("/sign-in", name="sign_in", opt=PUBLIC)
    async def sign_in_form(
        self, next_path: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None
    ) -> Template:
        """The staff sign-in form (residents are pointed to the emailed link)."""
        return _page("sign_in", next_path=_safe_next(next_path))

    @post("/sign-in", opt=PUBLIC)
    async def sign_in(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Check the password; go on to the second factor or straight in."""
        form = await read_form(request, "email", "password", "next")
        email = check_email(request, form)
        password = request_password(request, form)
        next_path = _safe_next(form.values.get("next"))
        form.values.pop("password", None)  # never echoed back
        if not form.ok:
            return _page("sign_in", status_code=400, form=form, next_path=next_path)
        result = await accounts.sign_in_with_password(email, password, client_address(request))
        if result.step is SignInStep.THROTTLED:
            minutes = max(1, (result.retry_after or 60) // 60)
            form.add_error(request, "email", N_("Too many attempts. Try again in %(minutes)s minutes"), minutes=minutes)
            return _page("sign_in", 429, {"Retry-After": str(result.retry_after)}, form=form, next_path=next_path)
        if result.step is SignInStep.REFUSED or result.user_id is None:
            form.add_error(request, "email", N_("The email address or password is not right"))
            return _page("sign_in", status_code=400, form=form, next_path=next_path)
        if result.step is SignInStep.SIGNED_IN:
            _begin_session(request, result.user_id, result.auth_version)
            return Redirect(path=next_path)
        redirect = _begin_pending(request, result)
        request.session["next"] = next_path
        return redirect

    @get("/sign-in/two-factor", name="two_factor", opt=PUBLIC)
    async def code_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Ask for the code from the authenticator app (or a recovery code)."""
        if _pending_user(request, SignInStep.NEEDS_CODE) is None:
            return Redirect(path="/sign-in")
        return _page("two_factor")

    @post("/sign-in/two-factor", opt=PUBLIC)
    async def check_code(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Finish signing in with a code."""
        pending = _pending_user(request, SignInStep.NEEDS_CODE)
        if pending is None:
            return Redirect(path="/sign-in")
        form = await read_form(request, "code")
        code = check_required(request, form, "code", N_("Enter the code from your authenticator app"))
        check_length(request, form, "code", 20)
        if not form.ok:
            return _page("two_factor", status_code=400, form=form)
        outcome = await accounts.check_second_factor(pending[0], code)
        if outcome is CodeCheck.ACCEPTED:
            next_path = _safe_next(request.session.get("next"))
            signed = await accounts.signed_in(pending[0])
            _begin_session(request, signed.user_id, signed.auth_version)
            return Redirect(path=next_path)
        messages = {
            CodeCheck.WRONG: N_("The code is not right. Check your authenticator app and try again"),
            CodeCheck.REUSED: N_("That code has already been used. Wait for a new code and enter it"),
            CodeCheck.THROTTLED: N_("Too many wrong codes. Wait 15 minutes and try again"),
        }
        form.add_error(request, "code", messages[outcome])
        status = 429 if outcome is CodeCheck.THROTTLED else 400
        return _page("two_factor", status_code=status, form=form)

    @get("/sign-in/set-up-two-factor", name="enrol", opt=PUBLIC)
    async def enrolment_form(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Show a QR code (made here, no external service) to add Hearby to an authenticator app."""
        pending = _pending_user(request, SignInStep.NEEDS_ENROLMENT)
        if pending is None:
            return Redirect(path="/sign-in")
        enrolment = await accounts.begin_enrolment(pending[0])
        request.session[ENROL_SECRET] = enrolment.sealed_secret
        return _page("enrol", enrolment=enrolment)

    @post("/sign-in/set-up-two-factor", opt=PUBLIC)
    async def confirm_enrolment(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Confirm the app works with one code; show the recovery codes once; sign in."""
        pending = _pending_user(request, SignInStep.NEEDS_ENROLMENT)
        sealed = request.session.get(ENROL_SECRET)
        if pending is None or not sealed:
            return Redirect(path="/sign-in")
        form = await read_form(request, "code")
        code = check_required(request, form, "code", N_("Enter the code from your authenticator app"))
        codes = await accounts.complete_enrolment(pending[0], sealed, code) if form.ok else None
        if codes is None:
            if form.ok:
                form.add_error(request, "code", N_("The code is not right. Check your authenticator app and try again"))
            summary = await accounts.user_summary(pending[0])
            enrolment = accounts.reopen_enrolment(summary.email if summary else "", sealed)
            return _page("enrol", status_code=400, form=form, enrolment=enrolment)
        signed = await accounts.signed_in(pending[0])
        _begin_session(request, signed.user_id, signed.auth_version)
        return _page("recovery_codes", codes=codes, first_time=True)

    @post("/sign-out", name="sign_out", opt=PUBLIC)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Template:
        """End this session; the page tells the service worker to forget pages kept for offline use."""
        user = current_user(request)
        if user is not None:
            await audit.record("auth.sign_out", actor=user, subject_type="user", subject_id=user.id)
        request.clear_session()
        return _page("signed_out")


def request_password(request: Request[Any, Any, Any], form: Form) -> str:
    """The password exactly as typed (not trimmed: spaces can be part of it)."""
    value = form.values.get("password", "")
    if not value:
        form.add_error(request, "password", N_("Enter your password"))
    return value


class LinkPages(Controller):
    """Residents sign in with a one-time emailed link; staff reset passwords and accept invitations by link."""

    include_in_schema = False

    @get("/sign-in/email", name="email_sign_in", opt=PUBLIC)
    async def email_form(self) -> Template:
        """Ask for an email address to send a sign-in link to."""
        return _page("email_sign_in")

    @post("/sign-in/email", opt=PUBLIC)
    async def send_link(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Send the link (if appropriate) and answer the same way whatever the address."""
        return await _email_a_link(request, "email_sign_in", 15, accounts.request_sign_in_link, accounts)

    @get("/sign-in/link/{token:str}", name="use_link", opt=PUBLIC)
    async def confirm_link(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """A button to finish signing in (mail scanners that open links do not spend them)."""
        check = await accounts.check_link("sign_in", token)
        return _page("use_link", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/sign-in/link/{token:str}", opt=PUBLIC)
    async def use_link(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Spend the link and sign in."""
        check = await accounts.use_sign_in_link(token, request_locale(request))
        if not check.valid or check.user_id is None:
            return _page("use_link", token=token, check=check, status_code=410)
        signed = await accounts.signed_in(check.user_id)
        _begin_session(request, signed.user_id, signed.auth_version)
        return Redirect(path="/account")

    @get("/password/forgot", name="forgot_password", opt=PUBLIC)
    async def forgot_form(self) -> Template:
        """Ask for the email address of the staff account."""
        return _page("forgot_password")

    @post("/password/forgot", opt=PUBLIC)
    async def send_reset(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Send a reset link if there is such an account; say the same either way."""
        return await _email_a_link(request, "forgot_password", 60, accounts.request_password_reset, accounts)

    @get("/password/reset/{token:str}", name="reset_password", opt=PUBLIC)
    async def reset_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Choose a new password."""
        check = await accounts.check_link("reset", token)
        return _page("reset_password", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/password/reset/{token:str}", opt=PUBLIC)
    async def reset(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Check the new password, then spend the link; every other session ends."""
        check = await accounts.check_link("reset", token)
        form = await read_form(request, "password", "confirm")
        _check_new_password(request, form, check.email, "")
        if not check.valid or not form.ok:
            form.values.clear()
            return _page("reset_password", token=token, check=check, form=form, status_code=400 if check.valid else 410)
        done = await accounts.reset_password(token, form.values["password"])
        if not done.valid:
            return _page("reset_password", token=token, check=done, status_code=410)
        return Redirect(path="/sign-in?reset=1")

    @get("/invitation/{token:str}", name="invitation", opt=PUBLIC)
    async def invitation_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Accept an invitation: your name and a password."""
        check = await accounts.check_link("invite", token)
        return _page("invitation", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/invitation/{token:str}", opt=PUBLIC)
    async def accept_invitation(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Create the account; roles that need two-factor go on to set it up."""
        check = await accounts.check_link("invite", token)
        form = await read_form(request, "display_name", "password", "confirm")
        name = check_required(request, form, "display_name", N_("Enter your name"))
        check_length(request, form, "display_name", 120)
        _check_new_password(request, form, check.email, name)
        if not check.valid or not form.ok:
            form.values.pop("password", None)
            form.values.pop("confirm", None)
            return _page("invitation", token=token, check=check, form=form, status_code=400 if check.valid else 410)
        accepted = await accounts.accept_invitation(token, name, form.values["password"])
        if not accepted.valid or accepted.user_id is None:
            return _page("invitation", token=token, check=accepted, status_code=410)
        result = await accounts.sign_in_with_password(accepted.email, form.values["password"], client_address(request))
        if result.user_id is None:
            return Redirect(path="/sign-in")
        if result.step is SignInStep.SIGNED_IN:
            _begin_session(request, result.user_id, result.auth_version)
            return Redirect(path="/account")
        return _begin_pending(request, result)


async def _email_a_link(
    request: Request[Any, Any, Any],
    form_page: str,
    minutes: int,
    send: Callable[[str, str, str], Awaitable[None]],
    accounts: AccountsService,
) -> Response[Any]:
    """The shared shape of "email me a link": validate, throttle per client, send, answer the same way."""
    form = await read_form(request, "email")
    email = check_email(request, form)
    if not form.ok:
        return _page(form_page, status_code=400, form=form)
    client = client_address(request)
    wait = await accounts.link_requests_exhausted(email, client)
    if wait is not None:
        minutes_left = max(1, wait // 60)
        form.add_error(
            request, "email", N_("Too many requests. Try again in %(minutes)s minutes"), minutes=minutes_left
        )
        return _page(form_page, 429, {"Retry-After": str(wait)}, form=form)
    await send(email, request_locale(request), client)
    return _page("check_email", email=email, minutes=minutes)


def _check_new_password(request: Request[Any, Any, Any], form: Form, email: str, name: str) -> None:
    password = form.values.get("password", "")
    if not password:
        form.add_error(request, "password", N_("Enter a new password"))
        return
    problem = password_problem(password, email=email, name=name)
    if problem:
        form.add_error(request, "password", problem)
    elif password != form.values.get("confirm", ""):
        form.add_error(request, "confirm", N_("The passwords do not match"))


class AccountPages(Controller):
    """A signed-in person's own account."""

    include_in_schema = False
    guards = [requires_sign_in]

    @get("/account", name="account")
    async def account(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]) -> Template:
        """Who you are signed in as, your roles, and what you can do with your account."""
        user = current_user(request)
        assert user is not None  # the guard guarantees it
        summary = await accounts.user_summary(user.id)
        codes_left = await accounts.recovery_codes_left(user.id)
        now, locale = request.app.state["clock"].now(), request_locale(request)
        bookings = await bookings_for_user(user.id, email=user.email, now=now, locale=locale)
        waitlist = await waitlist_for_user(user.id, email=user.email, now=now, locale=locale)
        return _page(
            "account",
            summary=summary,
            codes_left=codes_left,
            is_staff=user.is_staff,
            bookings=bookings,
            waitlist=waitlist,
        )

    @post("/account/sign-out-everywhere", name="sign_out_everywhere")
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """End every session on every device, including this one."""
        user = current_user(request)
        assert user is not None
        await accounts.sign_out_everywhere(user)
        request.clear_session()
        return _page("signed_out", everywhere=True)

    @post("/account/recovery-codes", name="recovery_codes")
    async def new_recovery_codes(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """Replace the recovery codes and show the new ones once."""
        user = current_user(request)
        assert user is not None
        codes = await accounts.replace_recovery_codes(user)
        return _page("recovery_codes", codes=codes, first_time=False)

    @get("/account/delete", name="delete_account")
    async def delete_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Confirm deleting a resident account (staff accounts are closed by an admin)."""
        user = current_user(request)
        assert user is not None
        if user.is_staff:
            return Redirect(path="/account")
        return _page("delete_account")

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
            return _page("delete_account", status_code=400, form=form)
        await accounts.delete_account(user)
        request.clear_session()
        return _page("signed_out", deleted=True)


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
    """Admins invite staff, change roles, disable accounts and read the audit log."""

    include_in_schema = False
    path = "/admin"
    guards = [requires_roles(Role.ADMIN)]

    @get("/users", name="admin_users")
    async def users(
        self,
        accounts: NamedDependency[AccountsService],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        """Everyone with an account, searchable by name or email."""
        users, total = await accounts.list_users(q, limit=50, offset=(page - 1) * 50)
        return _page("admin_users", users=users, total=total, q=q, page=page, pages=max(1, (total + 49) // 50))

    @get("/users/invite", name="admin_invite")
    async def invite_form(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Template:
        """Invite a member of staff by email."""
        return _page("admin_invite", roles=role_options(request)[:-1], organisations=await accounts.organisations())

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
        organisations = await accounts.organisations()
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
            return _page(
                "admin_invite",
                status_code=400,
                form=form,
                roles=role_options(request)[:-1],
                organisations=organisations,
            )
        admin = current_user(request)
        assert admin is not None
        await accounts.invite_staff(admin, email, chosen, organisation_id, locale)
        return _page("admin_invited", email=email)

    @get("/users/{user_id:int}", name="admin_user")
    async def user(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Template:
        """One person: roles, status, and the forms to change them."""
        summary = await accounts.user_summary(user_id)
        if summary is None:
            raise NotFoundException()
        form = Form(lists={"roles": summary.roles})
        return _page("admin_user", summary=summary, roles=role_options(request), form=form)

    @post("/users/{user_id:int}/roles", name="admin_user_roles")
    async def change_roles(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Replace the person's roles, with a reason for the audit log."""
        summary = await accounts.user_summary(user_id)
        if summary is None:
            raise NotFoundException()
        form = await read_form(request, "reason", list_names=("roles",))
        check_required(request, form, "reason", N_("Say why you are changing this person's roles"))
        check_length(request, form, "reason", 500)
        valid = {role.value for role in Role}
        chosen = {Role(value) for value in form.lists.get("roles", []) if value in valid}
        if not form.ok:
            return _page("admin_user", status_code=400, summary=summary, roles=role_options(request), form=form)
        admin = current_user(request)
        assert admin is not None
        await accounts.set_roles(admin, user_id, chosen, form.values["reason"])
        return Redirect(path=f"/admin/users/{user_id}")

    @post("/users/{user_id:int}/status", name="admin_user_status")
    async def change_status(
        self, request: Request[Any, Any, Any], user_id: UserId, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Disable or re-enable the account, with a reason."""
        summary = await accounts.user_summary(user_id)
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
            return _page("admin_user", status_code=400, summary=summary, roles=role_options(request), form=form)
        await accounts.set_active(admin, user_id, form.values.get("active") == "yes", form.values["status_reason"])
        return Redirect(path=f"/admin/users/{user_id}")

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
        return _page(
            "admin_audit",
            entries=entries,
            total=total,
            q=q,
            action=action,
            actor=actor,
            page=page,
            pages=max(1, (total + 49) // 50),
        )


OrganisationId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
CHARITY_NUMBER = re.compile(r"^[0-9]{6,8}(-[0-9]{1,2})?$")
COMPANY_NUMBER = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")


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
        return _page("organisation_apply", kinds=kind_options(request))

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
            return _page("organisation_apply", status_code=400, form=form, kinds=kind_options(request))
        await accounts.apply_for_organisation(form.values, request_locale(request), client_address(request))
        return _page("check_email", email=form.values["contact_email"], days=7)

    @get("/partners/confirm/{token:str}", name="partner_confirm", opt=PUBLIC)
    async def confirm_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Confirm the email address: choose a password for the organisation's first account."""
        check = await accounts.check_link("org_confirm", token)
        return _page(
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
        check = await accounts.check_link("org_confirm", token)
        form = await read_form(request, "display_name", "password", "confirm")
        name = check_required(request, form, "display_name", N_("Enter your name"))
        check_length(request, form, "display_name", 120)
        _check_new_password(request, form, check.email, name)
        if not check.valid or not form.ok:
            form.values.pop("password", None)
            form.values.pop("confirm", None)
            return _page(
                "invitation",
                token=token,
                check=check,
                form=form,
                action=f"/partners/confirm/{token}",
                status_code=400 if check.valid else 410,
            )
        done = await accounts.confirm_organisation(token, name, form.values["password"])
        if not done.valid or done.user_id is None:
            return _page("invitation", token=token, check=done, action=f"/partners/confirm/{token}", status_code=410)
        signed = await accounts.signed_in(done.user_id)
        _begin_session(request, signed.user_id, signed.auth_version)
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
        organisations = await accounts.organisations_of(user)
        owned = {o.id for o in organisations if any(email == user.email and owner for email, _, owner in o.members)}
        return _page("organisation_mine", organisations=organisations, owned=owned)

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
        if form.ok and not await accounts.invite_member(user, organisation_id, email, request_locale(request)):
            raise PermissionDeniedException()
        organisations = await accounts.organisations_of(user)
        owned = {o.id for o in organisations if any(e == user.email and owner for e, _, owner in o.members)}
        if not form.ok:
            return _page("organisation_mine", status_code=400, form=form, organisations=organisations, owned=owned)
        return _page("organisation_mine", organisations=organisations, owned=owned, invited=email)


async def _review_page(
    request: Request[Any, Any, Any], accounts: AccountsService, organisation: Any, form: Form | None = None
) -> Template:
    """An organisation as officers review it: its details, its history, the decision form (kept when invalid)."""
    return _page(
        "organisation_review",
        status_code=400 if form is not None else 200,
        form=form or Form(),
        organisation=organisation,
        history=await accounts.organisation_history(organisation.id),
        kind_names=dict(kind_options(request)),
    )


class OfficerOrganisationPages(Controller):
    """Officers verify organisations before any of their events are public, and mark some trusted."""

    include_in_schema = False
    path = "/officer/organisations"
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="officer_organisations")
    async def queue(self, accounts: NamedDependency[AccountsService]) -> Template:
        """Organisations waiting for a decision, then all the others."""
        waiting = await accounts.organisations_for_review("pending")
        everyone = await accounts.organisations_for_review()
        return _page("organisation_queue", waiting=waiting, others=[o for o in everyone if o.status != "pending"])

    @get("/{organisation_id:int}", name="officer_organisation")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        organisation_id: OrganisationId,
        accounts: NamedDependency[AccountsService],
    ) -> Template:
        """One organisation, the decisions it has had, and the decision form."""
        organisation = await accounts.organisation(organisation_id)
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
        organisation = await accounts.organisation(organisation_id)
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
        if form.ok and not await accounts.decide_organisation(
            officer, organisation_id, form.values["decision"], form.values.get("reason", ""), request_locale(request)
        ):
            form.add_error(request, "decision", N_("That decision cannot be made for this organisation now"))
        if not form.ok:
            return await _review_page(request, accounts, organisation, form)
        return Redirect(path=f"/officer/organisations/{organisation_id}")


def provide_accounts(state: State, request: Request[Any, Any, Any]) -> AccountsService:
    """The accounts service for this request."""
    clock = state["clock"]
    throttle = Throttle(request.app.stores.get("throttle"), clock)
    return AccountsService(state["settings"], clock, state["engine"], throttle, state["email_renderer"])


ROUTE_HANDLERS: list[Any] = [
    SignInPages,
    LinkPages,
    AccountPages,
    AdminPeoplePages,
    PartnerApplicationPages,
    PartnerOrganisationPages,
    OfficerOrganisationPages,
]
DEPENDENCIES: dict[str, Provide] = {"accounts": Provide(provide_accounts, sync_to_thread=False)}
