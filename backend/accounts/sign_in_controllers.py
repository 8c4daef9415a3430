"""Signing in: password and two-factor (staff), emailed sign-in and reset links, accepting invitations."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.accounts.schemas import SignInStep
from backend.accounts.services import AccountsService
from backend.accounts.sign_in import ENROL_SECRET, CodeCheck
from backend.accounts.web import (
    Token,
    begin_pending,
    begin_session,
    check_new_password,
    email_a_link,
    render_page,
    request_password,
)
from backend.core import audit
from backend.core.auth import current_user
from backend.core.forms import check_email, check_length, check_required, read_form
from backend.core.guards import PUBLIC
from backend.core.i18n import N_, request_locale
from backend.core.redirects import safe_path
from backend.core.security import client_address


class SignInPages(Controller):
    """Staff sign in with email and password, then a TOTP code when their role requires it."""

    include_in_schema = False

    @get("/sign-in", name="sign_in", opt=PUBLIC)
    async def sign_in_form(
        self, next_path: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None
    ) -> Template:
        """The staff sign-in form (residents are pointed to the emailed link)."""
        return render_page("sign_in", next_path=safe_path(next_path, "/account"))

    @post("/sign-in", opt=PUBLIC)
    async def sign_in(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Check the password; go on to the second factor or straight in."""
        form = await read_form(request, "email", "password", "next")
        email = check_email(request, form)
        password = request_password(request, form)
        next_path = safe_path(form.values.get("next"), "/account")
        form.values.pop("password", None)  # never echoed back
        if not form.ok:
            return render_page("sign_in", status_code=400, form=form, next_path=next_path)
        result = await accounts.sign_in.sign_in_with_password(email, password, client_address(request))
        if result.step is SignInStep.THROTTLED:
            minutes = max(1, (result.retry_after or 60) // 60)
            form.add_error(request, "email", N_("Too many attempts. Try again in %(minutes)s minutes"), minutes=minutes)
            return render_page("sign_in", 429, {"Retry-After": str(result.retry_after)}, form=form, next_path=next_path)
        if result.step is SignInStep.REFUSED or result.user_id is None:
            form.add_error(request, "email", N_("The email address or password is not right"))
            return render_page("sign_in", status_code=400, form=form, next_path=next_path)
        if result.step is SignInStep.SIGNED_IN:
            begin_session(request, result.user_id, result.auth_version)
            return Redirect(path=next_path)
        redirect = begin_pending(request, accounts.sign_in.begin_second_step(result))
        request.session["next"] = next_path
        return redirect

    @get("/sign-in/two-factor", name="two_factor", opt=PUBLIC)
    async def code_form(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Ask for the code from the authenticator app (or a recovery code)."""
        if accounts.sign_in.pending(request.session, SignInStep.NEEDS_CODE) is None:
            return Redirect(path="/sign-in")
        return render_page("two_factor")

    @post("/sign-in/two-factor", opt=PUBLIC)
    async def check_code(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Finish signing in with a code."""
        pending = accounts.sign_in.pending(request.session, SignInStep.NEEDS_CODE)
        if pending is None:
            return Redirect(path="/sign-in")
        form = await read_form(request, "code")
        code = check_required(request, form, "code", N_("Enter the code from your authenticator app"))
        check_length(request, form, "code", 20)
        if not form.ok:
            return render_page("two_factor", status_code=400, form=form)
        outcome, signed = await accounts.sign_in.finish_with_code(pending, code)
        if signed is not None:
            next_path = safe_path(request.session.get("next"), "/account")
            begin_session(request, signed.user_id, signed.auth_version)
            return Redirect(path=next_path)
        messages = {
            CodeCheck.WRONG: N_("The code is not right. Check your authenticator app and try again"),
            CodeCheck.REUSED: N_("That code has already been used. Wait for a new code and enter it"),
            CodeCheck.THROTTLED: N_("Too many wrong codes. Wait 15 minutes and try again"),
        }
        form.add_error(request, "code", messages[outcome])
        status = 429 if outcome is CodeCheck.THROTTLED else 400
        return render_page("two_factor", status_code=status, form=form)

    @get("/sign-in/set-up-two-factor", name="enrol", opt=PUBLIC)
    async def enrolment_form(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Show a QR code (made here, no external service) to add Hearby to an authenticator app."""
        pending = accounts.sign_in.pending(request.session, SignInStep.NEEDS_ENROLMENT)
        if pending is None:
            return Redirect(path="/sign-in")
        enrolment = await accounts.sign_in.begin_enrolment(pending.user_id)
        request.session[ENROL_SECRET] = enrolment.sealed_secret
        return render_page("enrol", enrolment=enrolment)

    @post("/sign-in/set-up-two-factor", opt=PUBLIC)
    async def confirm_enrolment(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Confirm the app works with one code; show the recovery codes once; sign in."""
        pending = accounts.sign_in.pending(request.session, SignInStep.NEEDS_ENROLMENT)
        sealed = request.session.get(ENROL_SECRET)
        if pending is None or not sealed:
            return Redirect(path="/sign-in")
        form = await read_form(request, "code")
        code = check_required(request, form, "code", N_("Enter the code from your authenticator app"))
        finished = await accounts.sign_in.finish_enrolment(pending, sealed, code) if form.ok else None
        if finished is None:
            if form.ok:
                form.add_error(request, "code", N_("The code is not right. Check your authenticator app and try again"))
            summary = await accounts.people.user_summary(pending.user_id)
            enrolment = accounts.sign_in.reopen_enrolment(summary.email if summary else "", sealed)
            return render_page("enrol", status_code=400, form=form, enrolment=enrolment)
        codes, signed = finished
        begin_session(request, signed.user_id, signed.auth_version)
        return render_page("recovery_codes", codes=codes, first_time=True)

    @post("/sign-out", name="sign_out", opt=PUBLIC)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Template:
        """End this session; the page tells the service worker to forget pages kept for offline use."""
        user = current_user(request)
        if user is not None:
            await audit.record("auth.sign_out", actor=user, subject_type="user", subject_id=user.id)
        request.clear_session()
        return render_page("signed_out")


class LinkPages(Controller):
    """Residents sign in with a one-time emailed link; staff reset passwords and accept invitations by link."""

    include_in_schema = False

    @get("/sign-in/email", name="email_sign_in", opt=PUBLIC)
    async def email_form(self) -> Template:
        """Ask for an email address to send a sign-in link to."""
        return render_page("email_sign_in")

    @post("/sign-in/email", opt=PUBLIC)
    async def send_link(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Send the link (if appropriate) and answer the same way whatever the address."""
        return await email_a_link(request, "email_sign_in", 15, accounts.sign_in.request_sign_in_link, accounts)

    @get("/sign-in/link/{token:str}", name="use_link", opt=PUBLIC)
    async def confirm_link(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """A button to finish signing in (mail scanners that open links do not spend them)."""
        check = await accounts.links.check_link("sign_in", token)
        return render_page("use_link", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/sign-in/link/{token:str}", opt=PUBLIC)
    async def use_link(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Spend the link and sign in."""
        check = await accounts.sign_in.use_sign_in_link(token, request_locale(request))
        if not check.valid or check.user_id is None:
            return render_page("use_link", token=token, check=check, status_code=410)
        signed = await accounts.sign_in.signed_in(check.user_id)
        begin_session(request, signed.user_id, signed.auth_version)
        return Redirect(path="/account")

    @get("/password/forgot", name="forgot_password", opt=PUBLIC)
    async def forgot_form(self) -> Template:
        """Ask for the email address of the staff account."""
        return render_page("forgot_password")

    @post("/password/forgot", opt=PUBLIC)
    async def send_reset(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Send a reset link if there is such an account; say the same either way."""
        return await email_a_link(request, "forgot_password", 60, accounts.sign_in.request_password_reset, accounts)

    @get("/password/reset/{token:str}", name="reset_password", opt=PUBLIC)
    async def reset_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Choose a new password."""
        check = await accounts.links.check_link("reset", token)
        return render_page("reset_password", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/password/reset/{token:str}", opt=PUBLIC)
    async def reset(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Check the new password, then spend the link; every other session ends."""
        check = await accounts.links.check_link("reset", token)
        form = await read_form(request, "password", "confirm")
        check_new_password(request, form, check.email, "")
        if not check.valid or not form.ok:
            form.values.clear()
            return render_page(
                "reset_password", token=token, check=check, form=form, status_code=400 if check.valid else 410
            )
        done = await accounts.sign_in.reset_password(token, form.values["password"])
        if not done.valid:
            return render_page("reset_password", token=token, check=done, status_code=410)
        return Redirect(path="/sign-in?reset=1")

    @get("/invitation/{token:str}", name="invitation", opt=PUBLIC)
    async def invitation_form(self, token: Token, accounts: NamedDependency[AccountsService]) -> Template:
        """Accept an invitation: your name and a password."""
        check = await accounts.links.check_link("invite", token)
        return render_page("invitation", token=token, check=check, status_code=200 if check.valid else 410)

    @post("/invitation/{token:str}", opt=PUBLIC)
    async def accept_invitation(
        self, request: Request[Any, Any, Any], token: Token, accounts: NamedDependency[AccountsService]
    ) -> Response[Any]:
        """Create the account; roles that need two-factor go on to set it up."""
        check = await accounts.links.check_link("invite", token)
        form = await read_form(request, "display_name", "password", "confirm")
        name = check_required(request, form, "display_name", N_("Enter your name"))
        check_length(request, form, "display_name", 120)
        check_new_password(request, form, check.email, name)
        if not check.valid or not form.ok:
            form.values.pop("password", None)
            form.values.pop("confirm", None)
            return render_page(
                "invitation", token=token, check=check, form=form, status_code=400 if check.valid else 410
            )
        accepted = await accounts.people.accept_invitation(token, name, form.values["password"])
        if not accepted.valid or accepted.user_id is None:
            return render_page("invitation", token=token, check=accepted, status_code=410)
        result = await accounts.sign_in.sign_in_with_password(
            accepted.email, form.values["password"], client_address(request)
        )
        if result.user_id is None:
            return Redirect(path="/sign-in")
        if result.step is SignInStep.SIGNED_IN:
            begin_session(request, result.user_id, result.auth_version)
            return Redirect(path="/account")
        return begin_pending(request, accounts.sign_in.begin_second_step(result))
