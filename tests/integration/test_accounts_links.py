"""Emailed links: resident sign-in, password reset and staff invitations (both databases)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import User
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, post_form, sign_in

Client = AsyncTestClient[Litestar]
LINK = re.compile(r"http://127\.0\.0\.1:8000(/[\w/-]+)")


def link_in(email: dict[str, str]) -> str:
    match = LINK.search(email["text"])
    assert match, email["text"]
    return match.group(1)


async def test_resident_signs_in_with_a_one_time_link(client: Client, clock: SettableClock) -> None:
    response = await post_form(client, "/sign-in/email", {"email": "Resident@Example.org "})
    assert response.status_code == 200
    check_page(response.text, "en")
    [email] = await emails_to("resident@example.org")
    assert email["subject"] == "Your Hearby sign-in link"
    path = link_in(email)
    confirm = await client.get(path)  # opening the link (or a mail scanner doing so) does not spend it
    check_page(confirm.text, "en")
    done = await post_form(client, path, {}, token_from=path)
    assert done.status_code == 302
    account = await client.get("/account")
    assert "resident@example.org" in account.text
    # Single use.
    async with AsyncTestClient(app=client.app, base_url="http://127.0.0.1:8000") as other:
        reused = await post_form(other, path, {}, token_from="/sign-in/email")
        assert reused.status_code == 410
        assert "already been used" in reused.text


async def test_sign_in_links_expire_after_15_minutes(client: Client, clock: SettableClock) -> None:
    await post_form(client, "/sign-in/email", {"email": "late@example.org"})
    path = link_in((await emails_to("late@example.org"))[0])
    clock.advance(minutes=16)
    page = await client.get(path)
    assert page.status_code == 410
    assert "expired" in check_page(page.text, "en").get_text()


async def test_link_requests_read_the_same_and_do_not_flood_an_inbox(client: Client, people: PeopleFactory) -> None:
    partner = await people(Role.PARTNER)
    staff = await post_form(client, "/sign-in/email", {"email": partner.email})
    resident = await post_form(client, "/sign-in/email", {"email": "new@example.org"})
    strip = lambda html, email: html.replace(email, "EMAIL")  # noqa: E731
    assert re.sub(r'value="[^"]+"', "", strip(staff.text, partner.email)) == re.sub(
        r'value="[^"]+"', "", strip(resident.text, "new@example.org")
    )
    # Staff are reminded to use their password: a sign-in link would skip it.
    [reminder] = await emails_to(partner.email)
    assert "password" in reminder["text"]
    for _ in range(5):
        await post_form(client, "/sign-in/email", {"email": "new@example.org"})
    assert len(await emails_to("new@example.org")) == 3


async def test_malformed_email_is_a_field_error_that_keeps_the_input(client: Client) -> None:
    response = await post_form(
        client, "/sign-in/email", {"email": "not an email <script>"}, token_from="/sign-in/email"
    )
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert "correct format" in soup.select_one("#email-error").get_text()
    assert soup.select_one("#email")["value"] == "not an email <script>"
    assert "<script>" not in response.text.split("<main", 1)[1].split("</main>")[0].replace("&lt;script&gt;", "")


async def test_password_reset_ends_other_sessions(
    client: Client, app: Litestar, people: PeopleFactory, clock: SettableClock
) -> None:
    partner = await people(Role.PARTNER)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as laptop:
        await sign_in(laptop, partner, clock)
        await post_form(client, "/password/forgot", {"email": partner.email})
        path = link_in((await emails_to(partner.email))[0])
        weak = await post_form(client, path, {"password": "password1234", "confirm": "password1234"})
        assert weak.status_code == 400
        assert "too common" in weak.text
        mismatch = await post_form(
            client, path, {"password": "amber-tractor-violin-88", "confirm": "amber-tractor-violin-89"}
        )
        assert "do not match" in mismatch.text
        done = await post_form(
            client, path, {"password": "amber-tractor-violin-88", "confirm": "amber-tractor-violin-88"}
        )
        assert done.status_code == 302
        assert (await laptop.get("/account", follow_redirects=False)).status_code == 302
    partner.password = "amber-tractor-violin-88"
    await sign_in(client, partner, clock)


async def test_reset_for_unknown_email_sends_nothing_and_reads_the_same(client: Client) -> None:
    response = await post_form(client, "/password/forgot", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert await emails_to("nobody@example.org") == []


async def test_admin_invites_an_officer_who_must_set_up_two_factor(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    admin = await people(Role.ADMIN)
    await sign_in(client, admin, clock)
    bad = await post_form(client, "/admin/users/invite", {"email": "bad email"})
    assert bad.status_code == 400
    soup = check_page(bad.text, "en")
    assert soup.select_one("#email-error") is not None
    assert soup.select_one("#roles-error") is not None
    sent = await post_form(
        client, "/admin/users/invite", {"email": "new.officer@oxfordshire.gov.uk", "roles": "officer", "locale": "pl"}
    )
    assert sent.status_code == 200
    [invitation] = await emails_to("new.officer@oxfordshire.gov.uk")
    assert invitation["locale"] == "pl"
    path = link_in(invitation)
    async with AsyncTestClient(app=client.app, base_url="http://127.0.0.1:8000") as newcomer:
        accepted = await post_form(
            newcomer,
            path,
            {
                "display_name": "Nia Officer",
                "password": "copper-meadow-falcon-12",
                "confirm": "copper-meadow-falcon-12",
            },
        )
        assert accepted.headers["location"] == "/sign-in/set-up-two-factor"
    user = await User.objects().where(User.email == "new.officer@oxfordshire.gov.uk").first()
    assert user is not None
    assert user.display_name == "Nia Officer"
    audit = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("staff.%"))
    assert {"action": "staff.invited"} in audit
    assert {"action": "staff.invitation_accepted"} in audit


async def test_invitations_expire(client: Client, people: PeopleFactory, clock: SettableClock) -> None:
    admin = await people(Role.ADMIN)
    await sign_in(client, admin, clock)
    await post_form(client, "/admin/users/invite", {"email": "late@oxfordshire.gov.uk", "roles": "facilitator"})
    path = link_in((await emails_to("late@oxfordshire.gov.uk"))[0])
    clock.advance(days=8)
    assert (await client.get(path)).status_code == 410


async def test_resident_deletes_their_account(client: Client, clock: SettableClock) -> None:
    await post_form(client, "/sign-in/email", {"email": "leaving@example.org"})
    path = link_in((await emails_to("leaving@example.org"))[0])
    await post_form(client, path, {}, token_from=path)
    unconfirmed = await post_form(client, "/account/delete", {})
    assert unconfirmed.status_code == 400
    done = await post_form(client, "/account/delete", {"confirm": "yes"})
    assert done.status_code == 200
    assert await User.count().where(User.email == "leaving@example.org") == 0
    assert (await client.get("/account", follow_redirects=False)).status_code == 302


async def test_resident_sessions_outlive_a_staff_day_but_not_two_idle_weeks(
    client: Client, clock: SettableClock
) -> None:
    await post_form(client, "/sign-in/email", {"email": "long@example.org"})
    path = link_in((await emails_to("long@example.org"))[0])
    signed_in = await post_form(client, path, {}, token_from=path)
    session_cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("hearby_session="))
    assert "Max-Age=2592000" in session_cookie  # the browser keeps it for 30 days; the server ends it sooner
    clock.advance(days=6)
    assert (await client.get("/account", follow_redirects=False)).status_code == 200
    clock.advance(days=15)
    assert (await client.get("/account", follow_redirects=False)).status_code == 302
