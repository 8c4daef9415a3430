"""The officers' feedback view on a 320 px phone with JavaScript off: the filters open and narrow the list by
GET parameters, a period that ends before it starts is said next to its field, nothing scrolls sideways, and axe
finds nothing, in English and in Urdu. On a server of its own (the demo officer's first sign-in sets up
two-factor)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.test_accessibility_signed_in import sign_in
from tests.support.browser import NARROW, PHONE_CONTEXT
from tests.support.live_server import LiveServer, prepared_sqlite, start_server

AXE = Axe()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("feedback-view")
    running = start_server(prepared_sqlite(data_dir), data_dir)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def officer(browser: Browser, server: LiveServer) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    """The demo officer signed in twice over: a phone with JavaScript off (the journey), and one with it on (axe
    and page measurements run scripts)."""
    options = {**PHONE_CONTEXT, "viewport": NARROW, "base_url": server.base_url, "locale": "en-GB"}
    scripted = browser.new_context(**options)
    scripted.set_default_timeout(30_000)
    sign_in(scripted, "officer@hearby.localhost")
    plain = browser.new_context(**options, storage_state=scripted.storage_state(), java_script_enabled=False)
    plain.set_default_timeout(30_000)
    yield plain, scripted
    plain.close()
    scripted.close()


def no_axe_violations_and_no_sideways_scroll(scripted: BrowserContext, url: str) -> None:
    page = scripted.new_page()
    page.goto(url)
    results = AXE.run(page)
    found = [
        {"rule": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.close()


def test_officers_filter_the_feedback_on_a_phone_without_javascript(
    officer: tuple[BrowserContext, BrowserContext], server: LiveServer
) -> None:
    plain, scripted = officer
    page = plain.new_page()
    page.goto("/officer/engagement/feedback")
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(3)  # the demo's feedback on Hearby
    no_axe_violations_and_no_sideways_scroll(scripted, page.url)

    page.get_by_text("Filter the feedback").click()  # a <details>: opens without JavaScript
    page.get_by_label("Source").select_option("site")
    page.get_by_label("Words in the feedback").fill("map")
    page.get_by_role("button", name="Filter", exact=True).click()
    assert "source=site" in page.url
    assert "q=map" in page.url
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("The map did not load on my phone.")
    expect(page.get_by_label("Words in the feedback")).to_have_value("map")  # kept, and the filters stay open
    no_axe_violations_and_no_sideways_scroll(scripted, page.url)

    page.get_by_label("From", exact=True).fill("2027-03-01")
    page.get_by_label("To", exact=True).fill("2027-01-01")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("#to-error")).to_contain_text("on or after its start")
    expect(page.get_by_label("To", exact=True)).to_have_value("2027-01-01")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    no_axe_violations_and_no_sideways_scroll(scripted, page.url)

    for context in (plain, scripted):
        context.add_cookies([{"name": "hearby_lang", "value": "ur", "url": server.base_url}])
    page.goto("/officer/engagement/feedback?lang=ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(cards).to_have_count(1)
    expect(cards.first.locator("p[lang=ur]")).to_have_text("تقریبات")
    no_axe_violations_and_no_sideways_scroll(scripted, page.url)
