"""Switching language: the page comes back in Urdu, right to left, mirrored, at the same address — with and
without JavaScript."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.support.browser import PHONE, ContextFactory


def _brand_centre(page: Page) -> float:
    box = page.locator(".hb-header__brand").bounding_box()
    assert box is not None, "the brand is not visible"
    return box["x"] + box["width"] / 2


def _switch(page: Page, language_name: str) -> None:
    page.locator(".hb-lang-switcher").get_by_role("link", name=language_name).click()
    page.wait_for_load_state("load")


def _assert_urdu(page: Page, path: str) -> None:
    root = page.locator("html")
    assert root.get_attribute("lang") == "ur"
    assert root.get_attribute("dir") == "rtl"
    assert urlsplit(page.url).path == path, f"came back to {page.url}, not {path}"
    stylesheet = page.locator("link[rel=stylesheet]").get_attribute("href") or ""
    assert "hearby.rtl.css" in stylesheet


def test_switching_to_urdu_mirrors_the_page_and_returns_to_it(page: Page) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert _brand_centre(page) < PHONE["width"] / 2, "in English the brand starts on the left"

    _switch(page, "اردو")
    _assert_urdu(page, "/")
    # The mirrored stylesheet is loaded and applied, not merely linked.
    loaded = page.evaluate(
        "() => [...document.styleSheets].some(sheet => (sheet.href || '').includes('hearby.rtl.css')"
        " && sheet.cssRules.length > 0)"
    )
    assert loaded, "the RTL stylesheet did not load"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert _brand_centre(page) > PHONE["width"] / 2, "in Urdu the brand should sit on the right"

    # The choice is remembered on the next page, and switching back returns to that page.
    page.goto("/about")
    assert page.locator("html").get_attribute("lang") == "ur"
    _switch(page, "English")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert urlsplit(page.url).path == "/about"


def test_the_language_switch_works_without_javascript(new_context: ContextFactory) -> None:
    page = new_context(java_script_enabled=False).new_page()
    for path in ("/", "/about"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200
        assert page.locator("h1").inner_text().strip()
    assert not page.evaluate("'serviceWorker' in navigator && !!navigator.serviceWorker.controller")
    _switch(page, "اردو")
    _assert_urdu(page, "/about")
    _switch(page, "Polski")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert urlsplit(page.url).path == "/about"
