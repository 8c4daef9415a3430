"""The developer mail outbox page and the admins' failed-jobs page."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.core import outbox
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.settings import Settings
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, csrf_token, sign_in

Client = AsyncTestClient[Litestar]

EMAIL = {
    "to": "ala@example.org",
    "subject": "Potwierdzenie <rezerwacji>",
    "text": "Dzień dobry! Twoje miejsce jest zarezerwowane.",
    "html": "<p>Dzień dobry! <script>alert(1)</script></p>",
    "locale": "pl",
}


async def test_the_developer_outbox_lists_and_shows_queued_mail(client: Client) -> None:
    empty = await client.get("/dev/mail")
    assert empty.status_code == 200
    check_page(empty.text, "en")

    await outbox.enqueue(outbox.EMAIL, "booking:1:confirm", EMAIL)
    [job_id] = [email.id for email in await outbox.recent_emails()]
    listing = await client.get("/dev/mail")
    soup = check_page(listing.text, "en")
    link = soup.find("a", string="Potwierdzenie <rezerwacji>")
    assert link is not None
    assert link["href"] == f"/dev/mail/{job_id}"
    assert "ala@example.org" in listing.text

    detail = await client.get(f"/dev/mail/{job_id}")
    assert detail.status_code == 200
    soup = check_page(detail.text, "en")
    assert "Twoje miejsce jest zarezerwowane." in detail.text
    # The HTML body is shown as escaped source, never rendered: no script from an email reaches the page.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text
    assert "<script>alert(1)" not in detail.text
    assert soup.find("h1").get_text(strip=True).endswith("Potwierdzenie <rezerwacji>")

    assert (await client.get("/dev/mail/999999")).status_code == 404


async def test_the_developer_outbox_does_not_exist_without_dev_tools(settings: Settings) -> None:
    app = create_app(settings.with_overrides(dev_tools=False))
    async with AsyncTestClient(app=app) as test_client:
        for path in ("/dev/mail", "/dev/mail/1"):
            response = await test_client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 404
            check_page(response.text, "en")


async def test_the_failed_jobs_page_is_for_admins_only(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    page = await client.get("/admin/outbox/dead", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code in {302, 303, 401}
    if page.status_code == 401:
        check_page(page.text, "en")
    else:
        assert page.headers["location"].startswith("/sign-in")
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    refused = await client.get("/admin/outbox/dead", headers={"Accept": "text/html"}, follow_redirects=False)
    assert refused.status_code == 403


async def test_an_admin_sees_failed_jobs_and_retries_one(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    admin = await people(Role.ADMIN)
    await sign_in(client, admin, clock)
    empty = await client.get("/admin/outbox/dead")
    check_page(empty.text, "en")

    await outbox.enqueue(outbox.EMAIL, "booking:9:confirm", EMAIL)
    later = clock.now() + timedelta(minutes=1)
    [job] = await outbox.claim_batch("test-worker", later, 10, 60)
    await outbox.mark_failed(job.id, "test-worker", "550 5.1.1 <ala@example.org>: no such user", True, later)

    page = await client.get("/admin/outbox/dead")
    soup = check_page(page.text, "en")
    assert "booking:9:confirm" in page.text
    assert "550 5.1.1" in page.text
    assert "ala@example.org" not in page.text  # errors are stored without addresses
    form = soup.find("form", attrs={"action": f"/admin/outbox/{job.id}/retry"})
    assert form is not None

    token = await csrf_token(client, "/admin/outbox/dead")
    response = await client.post(f"/admin/outbox/{job.id}/retry", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/outbox/dead?retried={job.id}"
    after = await client.get(response.headers["location"])
    check_page(after.text, "en")
    assert f"Job {job.id} is back in the queue." in after.text
    assert await outbox.list_dead() == []
    [entry] = await AuditEntry.select().where(AuditEntry.action == "outbox.retry")
    assert (entry["actor_id"], entry["subject_id"]) == (admin.id, str(job.id))

    # A second click (say, from another tab) finds nothing dead: nothing happens and nothing is audited.
    again = await client.post(f"/admin/outbox/{job.id}/retry", data={"_csrf_token": token}, follow_redirects=False)
    assert again.headers["location"] == f"/admin/outbox/dead?missing={job.id}"
    assert await AuditEntry.count().where(AuditEntry.action == "outbox.retry") == 1
