"""axe finds no violation on any page, in a left-to-right and a right-to-left language, on a phone; and no
page scrolls sideways on a 320 px wide screen."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext

from tests.support.browser import NARROW, ContextFactory
from tests.support.pages import Page, acceptable_status

AXE = Axe()


def _in_language(new_context: ContextFactory, live_server: str, locale: str, **options: object) -> BrowserContext:
    """A context whose visitor chose this language (the same cookie the language links set)."""
    context = new_context(**options)
    context.add_cookies([{"name": "hearby_lang", "value": locale, "url": live_server}])
    return context


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_axe_finds_no_violations_at_390_by_844(
    new_context: ContextFactory, live_server: str, site_pages: list[Page], locale: str
) -> None:
    browser_page = _in_language(new_context, live_server, locale).new_page()
    found: dict[str, object] = {}
    for page in site_pages:
        path = page.path(locale)
        response = browser_page.goto(path)
        assert response is not None
        assert acceptable_status(page, response.status), f"{path}: {response.status}"
        assert browser_page.locator("html").get_attribute("lang") == locale
        results = AXE.run(browser_page)
        if results.violations_count:
            found[path] = [
                {
                    "rule": violation["id"],
                    "impact": violation.get("impact"),
                    "help": violation["help"],
                    "nodes": [node["target"] for node in violation["nodes"]][:5],
                }
                for violation in results.response["violations"]
            ]
    assert not found, f"axe violations in {locale}:\n{json.dumps(found, indent=2, ensure_ascii=False)}"


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_no_page_scrolls_sideways_at_320_px(
    new_context: ContextFactory, live_server: str, site_pages: list[Page], locale: str
) -> None:
    browser_page = _in_language(new_context, live_server, locale, viewport=NARROW).new_page()
    too_wide: dict[str, int] = {}
    for page in site_pages:
        browser_page.goto(page.path(locale))
        width = int(browser_page.evaluate("document.documentElement.scrollWidth"))
        if width > NARROW["width"]:
            too_wide[page.path(locale)] = width
    assert not too_wide, f"pages wider than 320 px in {locale} (scrollWidth): {too_wide}"
