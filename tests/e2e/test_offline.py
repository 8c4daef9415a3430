"""The PWA shell: the service worker takes control, a page seen before opens offline, a page never seen gives
the offline page in the visitor's language, and Chromium finds the app installable."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE_CONTEXT, ContextFactory, wait_for_service_worker

# The worker keeps the visitor's language in this cache entry (frontend/pwa/service-worker.js).
REMEMBERED_LANGUAGE = """async () => {
  const response = await (await caches.open('hearby-meta')).match('/__hearby/lang');
  return response ? await response.text() : null;
}"""


def _controlled(page: Page, path: str) -> None:
    """Open a page and make sure the next navigations go through an activated service worker."""
    page.goto(path)
    wait_for_service_worker(page)


def _offline_heading(context: BrowserContext, locale: str) -> str:
    """The offline page's heading as the server renders it in this locale (whatever the translation is)."""
    probe = context.new_page()
    probe.goto(f"/offline/{locale}")
    heading = probe.locator("h1").inner_text().strip()
    probe.close()
    return heading


def _offline_journey(context: BrowserContext, locale: str, seen: str, unseen: str) -> None:
    page = context.new_page()
    _controlled(page, seen)
    # Visit once more now that the worker controls the page, so it keeps a copy; let app.js tell it our language.
    page.reload()
    page.wait_for_function(f"(async () => (await ({REMEMBERED_LANGUAGE})()) === {locale!r})", polling=100)
    seen_heading = page.locator("h1").inner_text().strip()
    expected_offline_heading = _offline_heading(context, locale)

    context.set_offline(True)
    try:
        page.goto(unseen)
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("h1").inner_text().strip() == expected_offline_heading
        page.goto(seen)
        assert page.locator("h1").inner_text().strip() == seen_heading, "a page seen before should open offline"
        assert page.evaluate("document.documentElement.classList.contains('hb-offline')"), "no offline banner"
    finally:
        context.set_offline(False)


def test_offline_in_english(new_context: ContextFactory) -> None:
    _offline_journey(new_context(), "en", seen="/", unseen="/about")


def test_offline_in_urdu_gives_the_urdu_offline_page(new_context: ContextFactory, live_server: str) -> None:
    context = new_context(locale="ur-PK")
    context.add_cookies([{"name": "hearby_lang", "value": "ur", "url": live_server}])
    _offline_journey(context, "ur", seen="/about", unseen="/")
    page = context.pages[0]
    context.set_offline(True)
    try:
        page.goto("/")
        assert page.locator("html").get_attribute("dir") == "rtl"
    finally:
        context.set_offline(False)


def test_chromium_finds_the_app_installable(playwright: Playwright, live_server: str, tmp_path: Path) -> None:
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server,
        **PHONE_CONTEXT,
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        _controlled(page, "/")
        session = context.new_cdp_session(page)
        result = session.send("Page.getInstallabilityErrors")
        assert result["installabilityErrors"] == [], result
        manifest = session.send("Page.getAppManifest")
        assert not manifest.get("errors"), manifest["errors"]
    finally:
        context.close()
