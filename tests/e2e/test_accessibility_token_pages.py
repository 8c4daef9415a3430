"""axe on the pages people reach from the links in their emails, with a real token (not only the "link not
valid" page), and on forms showing their errors; in English and Urdu at 390x844. A 404 here fails."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_offline_submissions import bookable_occurrence
from tests.e2e.test_people_journeys import DEMO_PASSWORD, Stack, enrol_two_factor, phone, stack

__all__ = ["stack"]
AXE = Axe()
DEMO_PARTNER = "partner@hearby.localhost"  # a demo account with a password (backend/accounts/demo.py)


def violations(page: Page) -> list[dict[str, object]]:
    results = AXE.run(page)
    return [
        {"rule": violation["id"], "help": violation["help"], "nodes": [n["target"] for n in violation["nodes"]][:5]}
        for violation in results.response["violations"]
    ]


def test_token_pages_and_forms_in_their_error_state_pass_axe(browser: Browser, stack: Stack) -> None:
    event_id, occurrence_id = bookable_occurrence(stack.database_url)
    context = phone(browser, stack)
    page = context.new_page()
    found: dict[str, object] = {}

    def check(where: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = page.goto(path)
            assert response is not None
            assert response.status == status, f"{path}: {response.status}"
        problems = violations(page)
        if problems:
            found[where] = problems

    # Forms showing their errors (sent empty, as someone pressing the button too soon).
    for locale in ("en", "ur"):
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        for path in (f"/events/{event_id}/{occurrence_id}/book", "/password/forgot", "/sign-in/email"):
            page.goto(path)
            page.locator("main form[method=post] button[type=submit]").first.click()
            expect(page.locator(".govuk-error-summary")).to_be_visible()
            assert page.locator("html").get_attribute("lang") == locale
            check(f"{path} with errors in {locale}")

    # A real booking, and the links its confirmation carries.
    context.add_cookies([{"name": "hearby_lang", "value": "en", "url": stack.server.base_url}])
    page.goto(f"/events/{event_id}/{occurrence_id}/book")
    page.locator("#name").fill("Amina Rahman")
    page.locator("#email").fill("amina-axe@example.org")
    page.locator("main form[method=post] button[type=submit]").first.click()
    confirmation = stack.mail_to("amina-axe@example.org", timeout=30)
    manage = re.search(r"https?://\S+/bookings/[\w-]+", confirmation)
    assert manage, "no manage link in the confirmation"
    manage_path = urlparse(manage.group(0)).path
    for locale in ("en", "ur"):
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        check(f"manage booking in {locale}", manage_path)
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("a[href$='/cancel']").count() == 1, "not the page of a real booking"
        check(f"cancel booking? in {locale}", f"{manage_path}/cancel")
        assert page.locator("form[action$='/cancel']").count() == 1, "not the question of a real booking"

    # A password reset link (the demo partner's), the page and its form with errors.
    page.goto("/password/forgot")
    page.locator("#email").fill(DEMO_PARTNER)
    page.locator("main form[method=post] button[type=submit]").first.click()
    reset_path = urlparse(stack.link_in_mail_to(DEMO_PARTNER)).path
    assert reset_path.startswith("/password/reset/")
    for locale in ("en", "ur"):
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        check(f"password reset in {locale}", reset_path)
        assert page.locator("input[type=password]").count() >= 1, "not the form of a valid reset link"
        page.locator("main form[method=post] button[type=submit]").first.click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check(f"password reset with errors in {locale}")

    # The account page as a resident (signed in with an emailed link).
    context.add_cookies([{"name": "hearby_lang", "value": "en", "url": stack.server.base_url}])
    page.goto("/sign-in/email")
    page.locator("#email").fill("amina-axe@example.org")
    page.locator("main form[method=post] button[type=submit]").first.click()
    # The sign-in email itself, waited for: the latest email to her may still be her booking's confirmation.
    page.goto(link_in_mail(stack, "amina-axe@example.org", r"https?://\S+/sign-in/link/[\w-]+"))
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("amina-axe@example.org")
    for locale in ("en", "ur"):
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        check(f"a resident's account page in {locale}", "/account")

    assert not found, f"axe violations:\n{json.dumps(found, indent=2, ensure_ascii=False)}"
    context.close()


def two_bookable_occurrences(database_url: str) -> list[tuple[int, int]]:
    """Two published, future occurrences with places to spare, of different events (from the demo content)."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute(
            "SELECT e.id, MIN(o.id) FROM event_occurrence o JOIN event e ON e.id = o.event "
            "WHERE e.status = 'published' AND o.status = 'scheduled' AND o.places_left >= 3 AND o.starts_at > ? "
            "GROUP BY e.id ORDER BY e.id LIMIT 2",
            (datetime.now(UTC).isoformat(),),
        ).fetchall()
    assert len(rows) == 2, "the demo content has too few bookable occurrences"
    return [(int(event), int(occurrence)) for event, occurrence in rows]


def set_occurrence(database_url: str, occurrence_id: int, **columns: object) -> None:
    """Change an occurrence in the database, as time passing (or other people booking) would."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        (stored,) = connection.execute(
            "SELECT starts_at FROM event_occurrence WHERE id = ?", (occurrence_id,)
        ).fetchone()
        values = {
            name: (value.isoformat(sep=" " if " " in stored else "T") if isinstance(value, datetime) else value)
            for name, value in columns.items()
        }
        assignments = ", ".join(f"{name} = ?" for name in values)
        connection.execute(f"UPDATE event_occurrence SET {assignments} WHERE id = ?", (*values.values(), occurrence_id))


def link_in_mail(stack: Stack, address: str, pattern: str, timeout: float = 30.0) -> str:
    """The path of the first link matching `pattern` in any email to `address`, waiting for the worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in stack.smtp.received:
            if address in mail.rcpt_tos:
                match = re.search(pattern, mail.part("text/plain"))
                if match:
                    return urlparse(match.group(0)).path
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} with a link like {pattern} within {timeout}s")


def book(page: Page, event_id: int, occurrence_id: int, name: str, email: str) -> None:
    page.goto(f"/events/{event_id}/{occurrence_id}/book")
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("main form[method=post] button[type=submit]").first.click()


def test_feedback_waiting_list_and_invitation_pages_with_real_tokens_pass_axe(browser: Browser, stack: Stack) -> None:
    (past_event, past_date), (full_event, full_date) = two_bookable_occurrences(stack.database_url)
    context = phone(browser, stack)
    page = context.new_page()
    found: dict[str, object] = {}

    def in_locale(locale: str) -> None:
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])

    def check(where: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = page.goto(path)
            assert response is not None
            assert response.status == status, f"{path}: {response.status}"
        assert page.locator("html").get_attribute("lang") == where.rsplit(" ", 1)[-1]
        problems = violations(page)
        if problems:
            found[where] = problems

    in_locale("en")
    # Feedback: a real booking on a date that has since taken place.
    book(page, past_event, past_date, "Bilal Khan", "bilal-axe@example.org")
    manage_path = link_in_mail(stack, "bilal-axe@example.org", r"https?://\S+/bookings/[\w-]+")
    now = datetime.now(UTC)
    set_occurrence(stack.database_url, past_date, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    for locale in ("en", "ur"):
        in_locale(locale)
        check(f"feedback in {locale}", f"{manage_path}/feedback")
        assert page.locator("input[name=rating]").count() == 5, "not the feedback form of a real, past booking"
        page.locator("main form[method=post] button[type=submit]").first.click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check(f"feedback with errors in {locale}")

    # A waiting list: a booking, then the date fills up, someone joins the list, the booking is cancelled and
    # the place is offered to them.
    in_locale("en")
    book(page, full_event, full_date, "Chloe Smith", "chloe-axe@example.org")
    chloe = link_in_mail(stack, "chloe-axe@example.org", r"https?://\S+/bookings/[\w-]+")
    set_occurrence(stack.database_url, full_date, places_left=0)
    book(page, full_event, full_date, "Dawit Bekele", "dawit-axe@example.org")
    expect(page).to_have_url(re.compile(r"/waitlist/joined$"))
    place_path = link_in_mail(stack, "dawit-axe@example.org", r"https?://\S+/waitlist/place/[\w-]+")
    for locale in ("en", "ur"):
        in_locale(locale)
        check(f"waiting-list place in {locale}", place_path)
        assert page.locator("form[action$='/leave']").count() == 1, "not the page of a real place on the list"
    in_locale("en")
    page.goto(chloe)
    page.locator("a[href$='/cancel']").click()
    page.locator("form[action$='/cancel'] button").click()
    offer_path = link_in_mail(stack, "dawit-axe@example.org", r"https?://\S+/waitlist/(?!place/)[\w-]+")
    for locale in ("en", "ur"):
        in_locale(locale)
        check(f"waiting-list offer in {locale}", offer_path)
        assert page.locator("form[action$='/accept']").count() == 1, "not the page of a real offer"

    # A staff invitation from the admin, the page and its form with errors.
    in_locale("en")
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("admin@hearby.localhost")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enrol_two_factor(page)
    page.goto("/admin/users/invite")
    page.get_by_label("Email address").fill("esi.officer@oxfordshire.gov.uk")
    page.get_by_label("Officer", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("h1")).to_have_text("Invitation sent")
    context.clear_cookies()
    invitation = link_in_mail(stack, "esi.officer@oxfordshire.gov.uk", r"https?://\S+/invitation/[\w-]+")
    for locale in ("en", "ur"):
        in_locale(locale)
        check(f"staff invitation in {locale}", invitation)
        assert page.locator("input[type=password]").count() == 2, "not the form of a real invitation"
        page.locator("main form[method=post] button[type=submit]").first.click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        check(f"staff invitation with errors in {locale}")

    assert not found, f"axe violations:\n{json.dumps(found, indent=2, ensure_ascii=False)}"
    context.close()
