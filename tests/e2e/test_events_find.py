"""A resident who reads Polish finds an event near OX4 with step-free access, on a phone, in Chromium.

The live server runs `python -m backend.cli setup`, so the demo events (backend/events/demo.py) are there.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, ContextFactory


def test_a_polish_resident_finds_step_free_events_within_three_miles_of_ox4(page: Page) -> None:
    page.goto("/events")
    page.locator(".hb-lang-switcher").get_by_role("link", name="Polski").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert urlsplit(page.url).path == "/events"

    page.locator("#postcode").fill("OX4")
    page.locator("#radius_miles").select_option("3")
    page.locator("details.govuk-details summary").click()
    page.locator("input[name=accessibility][value=step_free]").check()
    page.locator("form.hb-event-filters button.govuk-button").click()
    page.wait_for_load_state("load")

    query = parse_qs(urlsplit(page.url).query)
    assert query["postcode"] == ["OX4"]
    assert query["radius_miles"] == ["3"]
    assert query["accessibility"] == ["step_free"]
    assert page.locator("html").get_attribute("lang") == "pl"
    cards = page.locator(".hb-card")
    expect(cards.first).to_be_visible()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The same search through the API: the same events, every one within 3 miles and step-free.
    api = page.request.get("/api/v1/events?postcode=OX4&radius_miles=3&accessibility=step_free")
    body = json.loads(api.text())
    assert body["total"] >= 1
    assert all(item["distance_miles"] <= 3 for item in body["items"])
    assert all("step_free" in item["accessibility"] for item in body["items"])
    shown = [cards.nth(index).locator("a").first.get_attribute("href") for index in range(cards.count())]
    assert shown == [item["url"] for item in body["items"]]

    # Opening one shows the event page with the way to book or that it is drop-in.
    cards.first.locator("a").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("a[href^='geo:']").count() == 1


def test_the_search_works_without_javascript(new_context: ContextFactory) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/events?postcode=OX4&radius_miles=3&accessibility=step_free")
    assert page.locator(".hb-card").count() >= 1
    page.goto("/events?postcode=SW1A+1AA")
    expect(page.locator("#postcode-error")).to_be_visible()
    assert page.locator("#postcode").input_value() == "SW1A 1AA"


def govuk_modules_loaded(page: Page) -> set[str]:
    """The GOV.UK Frontend component modules this page has fetched."""
    page.wait_for_load_state("networkidle")
    names = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    return {name.rsplit("/", 1)[-1] for name in names if "/static/dist/govuk/components/" in name}


def test_a_page_fetches_only_the_component_scripts_it_needs(page: Page) -> None:
    """The search's plain submit button needs no script; a link styled as a button does (the space key)."""
    page.goto("/events")
    assert "button.mjs" not in govuk_modules_loaded(page)
    page.goto("/reports")
    start = page.locator("a.govuk-button--start")
    expect(start).to_be_visible()
    assert "button.mjs" in govuk_modules_loaded(page)
    # GOV.UK's Button answers the space key on a link with role=button, as a real button does.
    start.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**/reports/new")


def test_component_scripts_are_fetched_only_after_the_first_paint(page: Page) -> None:
    """On a slow phone the page itself comes first: GOV.UK's modules are asked for once it has been painted."""
    page.goto("/reports")
    expect(page.locator("a.govuk-button--start")).to_be_visible()
    page.wait_for_load_state("networkidle")
    timings = page.evaluate(
        """() => ({
            paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
            modules: performance.getEntriesByType('resource')
                .filter((entry) => entry.name.includes('/static/dist/govuk/'))
                .map((entry) => [entry.name, entry.startTime]),
        })"""
    )
    assert {name.rsplit("/", 1)[-1] for name, _ in timings["modules"]} >= {"skip-link.mjs", "button.mjs"}
    early = [name for name, started in timings["modules"] if started < timings["paint"]]
    assert not early, f"asked for before the first contentful paint at {timings['paint']:.0f} ms: {early}"
