"""Staff on a phone: partners and officers reach their work from the header and the account page, and no
staff page scrolls sideways at 320 px (every table fits: a summary per row below tablet width)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from backend.app import create_app
from backend.settings import Settings
from tests.e2e.test_accessibility_signed_in import DEFAULT_VIEWER, VIEWERS, sign_in
from tests.support.browser import NARROW, ContextFactory
from tests.support.pages import html_pages


def test_staff_find_their_work_from_the_header_and_the_account_page(new_context: ContextFactory) -> None:
    partner = new_context()
    sign_in(partner, "partner@hearby.localhost")
    page = partner.new_page()
    page.goto("/")
    page.locator(".hb-header__nav").get_by_role("link", name="Your events").click()
    assert page.url.endswith("/partner/events")
    page.goto("/account")
    page.get_by_role("link", name="Post an event").click()
    assert page.url.endswith("/partner/events/new")

    officer = new_context()
    sign_in(officer, "officer@hearby.localhost")
    page = officer.new_page()
    page.goto("/")
    page.locator(".hb-header__nav").get_by_role("link", name="Approvals").click()
    assert page.url.endswith("/officer/events/queue")
    page.goto("/account")
    page.get_by_role("link", name="Organisations to verify").click()
    assert page.url.endswith("/officer/organisations")
    page.goto("/account")
    page.get_by_role("link", name="Events waiting for approval").click()
    assert page.url.endswith("/officer/events/queue")


def test_no_staff_page_scrolls_sideways_at_320_px(
    new_context: ContextFactory, live_server: str, live_server_data: tuple[str, object]
) -> None:
    database_url, data_dir = live_server_data
    settings = Settings.from_env(
        {"DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    )
    guarded = [
        page
        for page in html_pages(create_app(settings))
        if page.guarded and page.example is not None and not page.example.endswith((".csv", ".ics"))
    ]
    contexts: dict[str, BrowserContext] = {}
    too_wide: dict[str, int] = {}
    checked = 0
    for page in guarded:
        email = next((who for prefix, who in VIEWERS.items() if page.template.startswith(prefix)), DEFAULT_VIEWER)
        if email not in contexts:
            contexts[email] = new_context(viewport=NARROW)
            sign_in(contexts[email], email)
        for locale in ("en", "ur"):
            contexts[email].add_cookies([{"name": "hearby_lang", "value": locale, "url": live_server}])
            browser_page = contexts[email].new_page()
            response = browser_page.goto(page.path(locale))
            assert response is not None
            if response.status == 404 and page.has_parameters:
                browser_page.close()
                continue
            width = browser_page.evaluate("document.documentElement.scrollWidth")
            checked += 1
            if width > NARROW["width"]:
                too_wide[f"{locale} {page.path(locale)}"] = width
            browser_page.close()
    assert checked >= 20, f"only {checked} staff pages were checked"
    assert too_wide == {}, too_wide
