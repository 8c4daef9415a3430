"""Staff on a phone: partners and officers reach their work from the header and the account page, and no
staff page scrolls sideways at 320 px (every table fits: a summary per row below tablet width).

On a server of its own (fresh demo accounts: the staff's first sign-in sets up two-factor authentication)."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext

from backend.app import create_app
from backend.settings import Settings
from tests.e2e.test_accessibility_signed_in import DEFAULT_VIEWER, VIEWERS, sign_in
from tests.e2e.test_people_journeys import Stack, stack
from tests.support.browser import NARROW, PHONE_CONTEXT
from tests.support.pages import html_pages

__all__ = ["stack"]


def test_staff_find_their_work_from_the_header_and_no_staff_page_scrolls_sideways_at_320_px(
    browser: Browser, stack: Stack
) -> None:
    contexts: dict[str, BrowserContext] = {}

    def signed_in(email: str) -> BrowserContext:
        if email not in contexts:
            contexts[email] = browser.new_context(
                **{**PHONE_CONTEXT, "viewport": NARROW, "base_url": stack.server.base_url, "locale": "en-GB"}
            )
            contexts[email].set_default_timeout(15_000)
            sign_in(contexts[email], email)
        return contexts[email]

    page = signed_in("partner@hearby.localhost").new_page()
    page.goto("/")
    page.locator(".hb-header__nav").get_by_role("link", name="Your events").click()
    assert page.url.endswith("/partner/events")
    page.goto("/account")
    page.get_by_role("link", name="Post an event").click()
    assert page.url.endswith("/partner/events/new")
    page.close()

    page = signed_in("officer@hearby.localhost").new_page()
    page.goto("/")
    page.locator(".hb-header__nav").get_by_role("link", name="Approvals").click()
    assert page.url.endswith("/officer/events/queue")
    for name, path in (
        ("Events waiting for approval", "/officer/events/queue"),
        ("Organisations to verify", "/officer/organisations"),
        ("Reports desk", "/desk/reports"),
        ("Audit log", "/admin/audit"),
    ):
        page.goto("/account")
        with page.expect_response(f"**{path}") as answer:
            page.locator("main").get_by_role("link", name=name, exact=True).click()
        assert answer.value.status == 200  # reached, not turned away
    page.close()

    settings = Settings.from_env({"DATABASE_URL": stack.database_url, "LOG_LEVEL": "WARNING"})
    guarded = [
        page
        for page in html_pages(create_app(settings))
        if page.guarded and page.example is not None and not page.example.endswith((".csv", ".ics"))
    ]
    too_wide: dict[str, int] = {}
    checked = 0
    for staff_page in guarded:
        email = next((who for prefix, who in VIEWERS.items() if staff_page.template.startswith(prefix)), DEFAULT_VIEWER)
        context = signed_in(email)
        for locale in ("en", "ur"):
            context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
            browser_page = context.new_page()
            response = browser_page.goto(staff_page.path(locale))
            assert response is not None
            if response.status == 404 and staff_page.has_parameters:
                browser_page.close()
                continue
            width = browser_page.evaluate("document.documentElement.scrollWidth")
            checked += 1
            if width > NARROW["width"]:
                too_wide[f"{locale} {staff_page.path(locale)}"] = width
            browser_page.close()
    for context in contexts.values():
        context.close()
    assert checked >= 20, f"only {checked} staff pages were checked"
    assert too_wide == {}, too_wide
