"""axe on the pages people reach from the links in their emails, with a real token (not only the "link not
valid" page), and on forms showing their errors; in English and Urdu at 390x844. A 404 here fails."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_offline_submissions import bookable_occurrence
from tests.e2e.test_people_journeys import Stack, phone, stack

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
        assert page.locator("form[action$='/cancel']").count() == 1, "not the page of a real booking"

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
    page.goto(stack.link_in_mail_to("amina-axe@example.org"))
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("amina-axe@example.org")
    for locale in ("en", "ur"):
        context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        check(f"a resident's account page in {locale}", "/account")

    assert not found, f"axe violations:\n{json.dumps(found, indent=2, ensure_ascii=False)}"
    context.close()
