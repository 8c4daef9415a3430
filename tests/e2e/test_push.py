"""Web push in Debian's Chromium: the opt-in page and the real service worker.

The page's script subscribes through the real service worker with the server's VAPID key when the browser can
reach its push service; headless Chromium offline cannot (it has no push service to register with), so the
subscribe path is also driven through the page's own script (`sendSubscription`) with a subscription of the local
push service. A message then goes the whole way: queued on the server, sent by the worker (VAPID, aes128gcm) to the
local push service, which decrypts it; the decrypted message is delivered to the service worker with CDP
(`ServiceWorker.deliverPushMessage`), which shows the notification; its click opens the right page in the window
already open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

from backend.notifications import vapid
from backend.settings import REPO_ROOT, Settings
from tests.support.browser import NARROW, ContextFactory, wait_for_service_worker
from tests.support.push_service import Device, PushService, RunningPushService

AXE = Axe()

QUEUE = textwrap.dedent(
    """
    import asyncio
    from backend.core.db import bind_tables, close_engine, make_engine, open_engine, write_transaction
    from backend.notifications import topics
    from backend.notifications.push import Audience, queue_push

    async def main(url, key):
        engine = make_engine(url)
        bind_tables(engine)
        await open_engine(engine)
        async with write_transaction(engine):
            await queue_push(
                Audience(topic=topics.REMINDERS), "booking_reminder",
                {"title": "Community coffee morning", "when": {"when": "2026-12-24T10:30:00+00:00"}},
                url="/events", dedupe_key=key,
            )
        await close_engine(engine)

    import sys
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def server_settings(live_server_data: tuple[str, Path]) -> Settings:
    database_url, data_dir = live_server_data
    return Settings.from_env({"DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"})


def run_worker_once(settings: Settings, key: str = "e2e-reminder") -> None:
    """Queue a reminder for every device that chose reminders (once per `key`), then run the worker once."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "HEARBY_DATA_DIR": str(settings.data_dir)}
    env["LOG_LEVEL"] = "WARNING"
    command = [sys.executable, "-c", QUEUE, settings.database_url, key]
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, timeout=60)
    subprocess.run([sys.executable, "-m", "backend.worker", "--once"], cwd=REPO_ROOT, env=env, check=True, timeout=60)


def registration_id(context: BrowserContext, page: Page) -> tuple[Any, str]:
    cdp = context.new_cdp_session(page)
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not found and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert found, "no service worker registration reported"
    return cdp, found[-1]


def running_service_worker(context: BrowserContext, cdp: Any, page: Page, scope: str) -> Any:
    """The page's service worker, started again if the browser stopped it for being idle (a slow machine)."""
    deadline = time.monotonic() + 30
    while not context.service_workers and time.monotonic() < deadline:
        cdp.send("ServiceWorker.startWorker", {"scopeURL": scope})
        page.wait_for_timeout(250)
    assert context.service_workers, "the service worker did not start"
    return context.service_workers[0]


NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, lang: n.lang, data: n.data}));
}"""


CLICK_THE_NOTIFICATION = """async () => {
  const [notification] = await self.registration.getNotifications();
  if (!notification) return false;
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
  return true;
}"""


def push_and_wait_for_the_notification(
    page: Page, cdp: Any, registration: str, origin: str, message: dict[str, Any]
) -> list[dict[str, Any]]:
    """Deliver the push to the real service worker (as the browser's push service would); what it showed."""
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(message)},
    )
    # Read until it is there (getNotifications has been seen to answer [] just after answering the message).
    deadline = time.monotonic() + 15
    shown: list[dict[str, Any]] = page.evaluate(NOTIFICATIONS)
    while len(shown) != 1 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        shown = page.evaluate(NOTIFICATIONS)
    assert len(shown) == 1, shown
    return shown


def test_the_service_worker_shows_a_pushed_message_and_its_click_opens_the_page(
    new_context: ContextFactory, live_server: str, live_server_data: tuple[str, Path]
) -> None:
    settings = server_settings(live_server_data)
    keys = vapid.resolve(settings)
    assert keys is not None
    service = RunningPushService(PushService(keys.public_key, seed="e2e"))
    try:
        context = new_context()
        context.grant_permissions(["notifications"], origin=live_server)
        page = context.new_page()
        page.goto("/notifications")
        wait_for_service_worker(page)
        button = page.get_by_role("button", name="Turn on notifications")
        assert button.is_visible()  # shown by the script; nothing was asked of the browser yet
        # The real PushSubscription with the server's key, where the browser can reach its push service.
        real = page.evaluate(
            """async (key) => {
              const registration = await navigator.serviceWorker.ready;
              const push = await import("/static/js/push.js");
              try {
                const form = document.querySelector("[data-push-form]");
                const answer = await push.subscribe(form);
                const subscription = await registration.pushManager.getSubscription();
                return {ok: true, answer, endpoint: subscription.endpoint};
              } catch (error) {
                return {ok: false, error: String(error)};
              }
            }""",
            keys.public_key,
        )
        print("real PushSubscription:", real)
        if not real["ok"]:
            assert "push service" in real["error"].lower() or "abort" in real["error"].lower(), real
        # The page's subscribe path against the server, with a subscription of the local push service.
        device = service.service.device(1).subscription(service.base_url)
        answer = page.evaluate(
            """async (subscription) => {
              const push = await import("/static/js/push.js");
              return push.sendSubscription(subscription, document.querySelector("[data-push-form]"));
            }""",
            device,
        )
        assert answer == {"settings_url": "/notifications/settings", "topics": ["reminders"]}
        page.goto("/notifications/settings")
        assert page.locator("#topic-reminders").is_checked()
        page.goto("/")
        wait_for_service_worker(page)

        run_worker_once(settings)
        delivered = service.service.delivered(1)
        assert service.service.rejected == []
        assert len(delivered) == 1
        message = delivered[0].notification
        assert message["title"] == "Tomorrow: Community coffee morning"

        cdp, registration = registration_id(context, page)
        shown = push_and_wait_for_the_notification(page, cdp, registration, live_server, message)
        assert shown[0]["title"] == "Tomorrow: Community coffee morning"
        assert shown[0]["tag"] == message["tag"]
        assert shown[0]["data"]["url"] == f"{live_server}/events"

        # The click: the open Hearby window is brought to the message's page (no second window).
        for _attempt in range(3):
            worker = running_service_worker(context, cdp, page, f"{live_server}/")
            clicked = worker.evaluate(CLICK_THE_NOTIFICATION)
            if clicked:
                break
            # A loaded headless Chromium has been seen to drop a shown notification before the click (the
            # browser's doing, not the worker's): show it again with the same push, then click.
            push_and_wait_for_the_notification(page, cdp, registration, live_server, message)
        assert clicked, "no notification to click"
        page.wait_for_url(f"{live_server}/events", timeout=10_000)
        assert len(context.pages) == 1
        assert page.evaluate(NOTIFICATIONS) == []  # the click closed it
    finally:
        service.stop()


# The browser's event, dispatched in the real service worker: the old and new subscriptions stand in for the
# browser's PushSubscription objects (headless Chromium cannot reach a push service to make real ones, nor can CDP
# fire this event); the worker's own listener re-sends, and the promise it hands to waitUntil is awaited here.
SUBSCRIPTION_CHANGED = """async ([previous, next]) => {
  const event = new ExtendableEvent("pushsubscriptionchange");
  let renewal = null;
  const stand_in = (json) => ({ endpoint: json.endpoint, options: {}, toJSON: () => json });
  Object.defineProperty(event, "oldSubscription", { value: stand_in(previous) });
  Object.defineProperty(event, "newSubscription", { value: stand_in(next) });
  Object.defineProperty(event, "waitUntil", { value: (promise) => { renewal = promise; } });
  self.dispatchEvent(event);
  if (!renewal) return "the worker did not handle pushsubscriptionchange";
  await renewal;
  return "handled";
}"""


def test_a_subscription_the_browser_replaced_keeps_the_device_and_its_pushes(
    new_context: ContextFactory, live_server: str, live_server_data: tuple[str, Path]
) -> None:
    settings = server_settings(live_server_data)
    keys = vapid.resolve(settings)
    assert keys is not None
    service = RunningPushService(PushService(keys.public_key, seed="e2e-renewal"))
    try:
        context = new_context()
        page = context.new_page()
        page.goto("/notifications")
        wait_for_service_worker(page)
        old, new = (service.service.device(n).subscription(service.base_url) for n in (1, 2))
        answer = page.evaluate(
            """async (subscription) => {
              const push = await import("/static/js/push.js");
              return push.sendSubscription(subscription, document.querySelector("[data-push-form]"));
            }""",
            old,
        )
        assert answer["topics"] == ["reminders"]
        page.goto("/notifications/settings")
        page.locator("#areas").check()  # the first district: a choice the renewal must keep
        page.get_by_role("button", name="Save my choices").click()
        page.wait_for_url("**/notifications/settings?saved=true")
        followed = page.locator("#areas").get_attribute("value")

        cdp, _registration = registration_id(context, page)
        worker = running_service_worker(context, cdp, page, f"{live_server}/")
        assert worker.evaluate(SUBSCRIPTION_CHANGED, [old, new]) == "handled"

        page.goto("/notifications/settings")
        assert page.locator("#topic-reminders").is_checked()
        assert page.locator("#areas").is_checked()
        assert page.locator("#areas").get_attribute("value") == followed
        run_worker_once(settings, key="e2e-renewal")
        assert service.service.rejected == []
        assert [p.notification["title"] for p in service.service.delivered(2)] == ["Tomorrow: Community coffee morning"]
        assert service.service.delivered(1) == []  # the replaced subscription hears nothing more
    finally:
        service.stop()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_notification_pages_are_accessible_and_fit_320_px(
    new_context: ContextFactory, live_server: str, locale: str
) -> None:
    context = new_context(viewport=NARROW)
    context.add_cookies([{"name": "hearby_lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.goto("/notifications")
    wait_for_service_worker(page)
    device = Device.derive("e2e-axe", 1).subscription("http://127.0.0.1:9")
    answer = page.evaluate(
        """async (subscription) => {
          const push = await import("/static/js/push.js");
          return push.sendSubscription(subscription, document.querySelector("[data-push-form]"));
        }""",
        device,
    )
    assert answer["settings_url"] == "/notifications/settings"
    problems: dict[str, object] = {}
    for path in ("/notifications", "/notifications/settings", "/notifications/settings?saved=true"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == locale
        results = AXE.run(page)
        if results.violations_count:
            problems[path] = [violation["id"] for violation in results.response["violations"]]
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        if width > NARROW["width"]:
            problems[f"{path} width"] = width
    assert not problems, problems
