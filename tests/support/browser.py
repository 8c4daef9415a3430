"""Debian's Chromium driven by Playwright's sync API (never `playwright install`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
# What a phone's browser says about itself, minus the locale (each test picks the visitor's language).
PHONE_CONTEXT: dict[str, Any] = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

ContextFactory = Callable[..., BrowserContext]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, for the whole session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield instance
    instance.close()


@pytest.fixture
def new_context(browser: Browser, live_server: str) -> Iterator[ContextFactory]:
    """Make fresh, isolated browser contexts (a phone by default) pointed at the live server; closed after."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        settings = {**PHONE_CONTEXT, "base_url": live_server, "locale": "en-GB", **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(30_000)  # a ceiling, not a wait: a loaded 2-core machine renders slowly
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: ContextFactory) -> Page:
    """A page in a fresh phone-sized context."""
    return new_context().new_page()


def wait_for_service_worker(page: Page, timeout: float = 15_000) -> None:
    """Wait until a service worker controls the page and is activated (`ready` alone is not enough)."""
    page.wait_for_function(
        "() => navigator.serviceWorker.controller?.state === 'activated'", timeout=timeout, polling=100
    )
