"""A new release installs a new service worker that takes over the open page and deletes the old caches."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import PHONE_CONTEXT, wait_for_service_worker
from tests.support.live_server import free_port, prepared_sqlite, start_server

CACHE_NAMES = (
    "async () => (await caches.keys()).filter(name => name.startsWith('hearby-') && name !== 'hearby-meta').sort()"
)


def test_a_new_release_replaces_the_worker_and_its_caches(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir: Path = tmp_path_factory.mktemp("sw-update")
    database_url = prepared_sqlite(data_dir)
    port = free_port()
    first = start_server(database_url, data_dir, extra_env={"RELEASE": "first"}, port=port)
    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": first.base_url})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_service_worker(page)
        old_caches = page.evaluate(CACHE_NAMES)
        assert old_caches, "the first worker made no caches"
        old_script = page.evaluate("navigator.serviceWorker.controller.scriptURL")
        first.stop()

        second = start_server(database_url, data_dir, extra_env={"RELEASE": "second"}, port=port)
        try:
            page.reload()  # a navigation makes the browser check for a new worker script
            deadline = time.monotonic() + 20
            new_caches = page.evaluate(CACHE_NAMES)
            while time.monotonic() < deadline and (not new_caches or set(new_caches) & set(old_caches)):
                time.sleep(0.2)
                new_caches = page.evaluate(CACHE_NAMES)
            wait_for_service_worker(page)
            assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == old_script  # same URL, new content
            assert new_caches, "the new worker made no caches"
            assert set(new_caches).isdisjoint(old_caches), f"old caches survived: {new_caches} vs {old_caches}"
            page.reload()
            assert page.locator("h1").count() == 1  # the page still works under the new worker
        finally:
            second.stop()
    finally:
        context.close()
