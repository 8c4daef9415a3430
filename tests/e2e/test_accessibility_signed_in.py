"""axe on the signed-in pages too (admin, officer, partner, account), in English and in Urdu, on a phone."""

from __future__ import annotations

import json

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from backend.app import create_app
from backend.settings import Settings
from tests.support.browser import ContextFactory
from tests.support.pages import html_pages

AXE = Axe()
DEMO_PASSWORD = "listen-to-your-neighbours"  # the documented demo credential (backend/accounts/demo.py)
VIEWERS = {
    "/admin": "admin@hearby.localhost",
    "/officer": "officer@hearby.localhost",
    "/desk": "officer@hearby.localhost",
    "/insight/reports": "officer@hearby.localhost",
    "/insight/members": "member@hearby.localhost",
    "/facilitator": "facilitator@hearby.localhost",
}
DEFAULT_VIEWER = "partner@hearby.localhost"  # partner pages and the account page


def sign_in(context: BrowserContext, email: str) -> None:
    page = context.new_page()
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    if page.url.endswith("/sign-in/set-up-two-factor"):
        secret = page.locator("#totp-secret").inner_text().strip()
        page.locator("#code").fill(pyotp.TOTP(secret).now())
        page.locator("form button[type=submit]").click()
        expect(page.locator(".hb-recovery-codes")).to_be_attached()
    page.goto("/account")
    expect(page.locator("form[action='/sign-out']").first).to_be_attached()
    page.close()


def test_signed_in_pages_have_no_axe_violations(
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
    assert any(page.template.startswith("/admin") for page in guarded)
    assert any(page.template.startswith("/officer") for page in guarded)
    assert any(page.template.startswith("/partner") for page in guarded)
    contexts: dict[str, BrowserContext] = {}
    found: dict[str, object] = {}
    checked = 0
    for page in guarded:
        email = next((who for prefix, who in VIEWERS.items() if page.template.startswith(prefix)), DEFAULT_VIEWER)
        if email not in contexts:
            contexts[email] = new_context()
            sign_in(contexts[email], email)
        context = contexts[email]
        for locale in ("en", "ur"):
            context.add_cookies([{"name": "hearby_lang", "value": locale, "url": live_server}])
            browser_page = context.new_page()
            response = browser_page.goto(page.path(locale))
            assert response is not None
            if response.status != 200:  # a 404 (an example that is not this viewer's) fails: fix the example
                found[f"{locale} {page.path(locale)}"] = f"{response.status} as {email}"
                browser_page.close()
                continue
            assert browser_page.locator("html").get_attribute("lang") == locale
            results = AXE.run(browser_page)
            checked += 1
            if results.violations_count:
                found[f"{locale} {page.path(locale)}"] = [
                    {"rule": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                    for v in results.response["violations"]
                ]
            browser_page.close()
    assert checked >= 20, f"only {checked} signed-in pages were checked"
    assert not found, f"axe violations:\n{json.dumps(found, indent=2, ensure_ascii=False)}"
