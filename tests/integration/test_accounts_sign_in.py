"""Staff sign-in: passwords, two-factor, throttling, session rotation and timeouts (both databases)."""

from __future__ import annotations

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, post_form, sign_in

Client = AsyncTestClient[Litestar]


async def test_partner_signs_in_with_a_password_and_the_session_id_rotates(
    client: Client, people: PeopleFactory
) -> None:
    partner = await people(Role.PARTNER)
    await post_form(client, "/sign-in/email", {"email": "someone@example.org"})  # gives the visitor a session first
    before = client.cookies.get("hearby_session")
    response = await post_form(client, "/sign-in", {"email": partner.email.upper(), "password": partner.password})
    assert response.status_code == 302
    after = client.cookies.get("hearby_session")
    assert after
    assert after != before
    page = await client.get("/account")
    assert partner.email in page.text
    check_page(page.text, "en")
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.subject_id == str(partner.id))
    assert {"action": "auth.sign_in"} in actions


async def test_wrong_password_and_unknown_account_read_the_same(client: Client, people: PeopleFactory) -> None:
    partner = await people(Role.PARTNER)
    wrong = await post_form(client, "/sign-in", {"email": partner.email, "password": "not-the-password-at-all"})
    unknown = await post_form(
        client, "/sign-in", {"email": "nobody@example.org", "password": "not-the-password-at-all"}
    )
    assert wrong.status_code == unknown.status_code == 400
    for response, email in ((wrong, partner.email), (unknown, "nobody@example.org")):
        soup = check_page(response.text, "en")
        assert (
            soup.select_one("#email-error")
            .get_text(" ", strip=True)
            .endswith("The email address or password is not right")
        )
        assert soup.select_one("#email")["value"] == email  # what was typed is kept
        assert not soup.select_one("#password").get("value")  # but never the password


async def test_sign_in_is_throttled_per_account_with_retry_after(client: Client, people: PeopleFactory) -> None:
    partner = await people(Role.PARTNER)
    for _ in range(5):
        assert (
            await post_form(client, "/sign-in", {"email": partner.email, "password": "wrong-password-1"})
        ).status_code == 400
    blocked = await post_form(client, "/sign-in", {"email": partner.email, "password": partner.password})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many attempts" in blocked.text
    # An account that does not exist is throttled the same way, so the answer gives nothing away.
    for _ in range(5):
        await post_form(client, "/sign-in", {"email": "ghost@example.org", "password": "wrong-password-1"})
    assert (
        await post_form(client, "/sign-in", {"email": "ghost@example.org", "password": "x" * 12})
    ).status_code == 429


async def test_officer_enrols_totp_then_needs_a_code_which_works_once(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    officer = await people(Role.OFFICER, enrolled=False)
    response = await post_form(client, "/sign-in", {"email": officer.email, "password": officer.password})
    assert response.headers["location"] == "/sign-in/set-up-two-factor"
    assert (await client.get("/account", follow_redirects=False)).status_code == 302  # not signed in yet
    page = await client.get("/sign-in/set-up-two-factor")
    soup = check_page(page.text, "en")
    assert soup.select_one("img.hb-qr")["src"].startswith("data:image/svg+xml")
    secret = soup.select_one("#totp-secret").get_text(strip=True)
    wrong = await post_form(client, "/sign-in/set-up-two-factor", {"code": "000000"}, token_from="/sign-in/two-factor")
    assert wrong.status_code in {302, 400}
    # A wrong code re-shows the same secret (no need to scan again).
    page = await client.get("/sign-in/set-up-two-factor")
    secret = check_page(page.text, "en").select_one("#totp-secret").get_text(strip=True)
    code = pyotp.TOTP(secret).at(clock.now())
    done = await post_form(client, "/sign-in/set-up-two-factor", {"code": code}, token_from="/sign-in/email")
    assert done.status_code == 200
    codes = [item.get_text(strip=True) for item in check_page(done.text, "en").select(".hb-recovery-codes li")]
    assert len(codes) == 10
    assert (await client.get("/account")).status_code == 200

    # Next time: password, then a code. The code just used for enrolment cannot be used again.
    other = AsyncTestClient(app=client.app, base_url="http://127.0.0.1:8000")
    async with other:
        await post_form(other, "/sign-in", {"email": officer.email, "password": officer.password})
        reused = await post_form(other, "/sign-in/two-factor", {"code": code})
        assert reused.status_code == 400
        assert "already been used" in reused.text
        recovery = await post_form(other, "/sign-in/two-factor", {"code": codes[0].upper().replace("-", " ")})
        assert recovery.status_code == 302
    async with AsyncTestClient(app=client.app, base_url="http://127.0.0.1:8000") as third:
        await post_form(third, "/sign-in", {"email": officer.email, "password": officer.password})
        again = await post_form(third, "/sign-in/two-factor", {"code": codes[0]})
        assert again.status_code == 400  # each recovery code works once
        clock.advance(seconds=30)
        fresh = await post_form(third, "/sign-in/two-factor", {"code": pyotp.TOTP(secret).at(clock.now())})
        assert fresh.status_code == 302


async def test_staff_sessions_end_after_30_idle_minutes(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    clock.advance(minutes=29)
    assert (await client.get("/account", follow_redirects=False)).status_code == 200
    clock.advance(minutes=31)
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/sign-in?next=")


async def test_staff_sessions_end_after_12_hours_however_active(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    partner = await people(Role.PARTNER)
    await sign_in(client, partner, clock)
    for _ in range(35):  # active every 20 minutes for 11h40m
        clock.advance(minutes=20)
        assert (await client.get("/account", follow_redirects=False)).status_code == 200
    clock.advance(minutes=21)
    assert (await client.get("/account", follow_redirects=False)).status_code == 302


async def test_sign_out_everywhere_ends_other_devices(
    client: Client, app: Litestar, people: PeopleFactory, clock: SettableClock
) -> None:
    partner = await people(Role.PARTNER)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as phone:
        await sign_in(client, partner, clock)
        await sign_in(phone, partner, clock)
        response = await post_form(phone, "/account/sign-out-everywhere", {}, token_from="/account")
        assert response.status_code == 200
        check_page(response.text, "en")
    assert (await client.get("/account", follow_redirects=False)).status_code == 302


async def test_disabled_staff_cannot_sign_in_and_are_signed_out(
    client: Client, app: Litestar, people: PeopleFactory, clock: SettableClock
) -> None:
    admin, partner = await people(Role.ADMIN), await people(Role.PARTNER)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as partner_client:
        await sign_in(partner_client, partner, clock)
        await sign_in(client, admin, clock)
        response = await post_form(
            client,
            f"/admin/users/{partner.id}/status",
            {"active": "no", "status_reason": "Left the charity"},
            token_from=f"/admin/users/{partner.id}",
        )
        assert response.status_code == 302
        assert (await partner_client.get("/account", follow_redirects=False)).status_code == 302
        refused = await post_form(partner_client, "/sign-in", {"email": partner.email, "password": partner.password})
        assert refused.status_code == 400
    entry = await AuditEntry.objects().where(AuditEntry.action == "user.disabled").first()
    assert entry is not None
    assert entry.actor_id == admin.id
    assert entry.reason == "Left the charity"
    assert entry.actor_role == "admin"


async def test_the_password_alone_cannot_enrol_a_new_authenticator(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    """An attacker with an enrolled admin's password must not swap in their own authenticator."""
    admin = await people(Role.ADMIN)
    response = await post_form(client, "/sign-in", {"email": admin.email, "password": admin.password})
    assert response.headers["location"] == "/sign-in/two-factor"
    # Going to the set-up page instead is refused: the session is waiting for a code, not an enrolment.
    assert (await client.get("/sign-in/set-up-two-factor", follow_redirects=False)).headers["location"] == "/sign-in"
    attacker_secret = pyotp.random_base32()
    forged = await post_form(
        client,
        "/sign-in/set-up-two-factor",
        {"code": pyotp.TOTP(attacker_secret).at(clock.now())},
        token_from="/sign-in/two-factor",
    )
    assert forged.status_code == 302
    assert forged.headers["location"] == "/sign-in"
    assert (await client.get("/admin/users", follow_redirects=False)).status_code == 302
    # The owner's own authenticator still works.
    clock.advance(seconds=30)
    await post_form(client, "/sign-in", {"email": admin.email, "password": admin.password})
    done = await post_form(client, "/sign-in/two-factor", {"code": admin.code(clock)})
    assert done.status_code == 302
    assert (await client.get("/admin/users", follow_redirects=False)).status_code == 200
