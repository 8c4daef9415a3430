"""Nothing a resident submits is lost on a flaky network: a booking made with no connection is kept on the
phone by the service worker and sent when the phone is back online (the form's nonce stops a double booking),
and so is a cancellation made from the booking's private link."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.test_people_journeys import Stack, phone, stack
from tests.support.browser import wait_for_service_worker

__all__ = ["stack"]


def bookable_occurrence(database_url: str) -> tuple[int, int]:
    """A published, future occurrence with places to spare (from the demo content)."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        row = connection.execute(
            "SELECT e.id, o.id FROM event_occurrence o JOIN event e ON e.id = o.event "
            "WHERE e.status = 'published' AND o.status = 'scheduled' AND o.places_left >= 3 AND o.starts_at > ? "
            "ORDER BY o.starts_at LIMIT 1",
            (datetime.now(UTC).isoformat(),),
        ).fetchone()
    assert row, "the demo content has no bookable occurrence"
    return int(row[0]), int(row[1])


# What the service worker keeps on the phone (its IndexedDB queue; see frontend/pwa/service-worker.js).
COUNT_QUEUED = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("hearby-queue", 1);
  opening.onupgradeneeded = () =>
    opening.result.createObjectStore("submissions", { keyPath: "id", autoIncrement: true });
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const counting = db.transaction("submissions").objectStore("submissions").count();
    counting.onsuccess = () => { db.close(); resolve(counting.result); };
    counting.onerror = () => reject(counting.error);
  };
})"""


def queued(page: Page) -> int:
    """How many submissions the service worker is keeping on the phone."""
    return int(page.evaluate(COUNT_QUEUED))


def query(stack: Stack, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, params).fetchall()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)


def bookings_of(stack: Stack, address: str) -> list[str]:
    return [row[0] for row in query(stack, "SELECT status FROM booking WHERE email = ? ORDER BY id", address)]


def jobs_for(stack: Stack, address: str) -> int:
    """Outbox jobs (emails and others) that name an address: written in the request that books or cancels."""
    return int(query(stack, "SELECT count(*) FROM outbox_job WHERE payload LIKE ?", f"%{address}%")[0][0])


def test_a_booking_made_offline_is_sent_when_back_online(browser: Browser, stack: Stack) -> None:
    event_id, occurrence_id = bookable_occurrence(stack.database_url)
    context = phone(browser, stack)
    page = context.new_page()
    page.goto(f"/events/{event_id}/{occurrence_id}/book")
    wait_for_service_worker(page)
    page.reload()  # the form is now served under the worker's control
    page.locator("#name").fill("Zainab Hussain")
    page.locator("#email").fill("zainab@example.org")

    context.set_offline(True)
    page.locator("form[method=post] button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("Saved on this phone")
    # Kept on the phone, and provably not sent: the server has no booking and queued no email.
    assert queued(page) == 1
    assert bookings_of(stack, "zainab@example.org") == []
    assert jobs_for(stack, "zainab@example.org") == 0

    context.set_offline(False)
    page.goto("/")  # any page tells the worker the network is back (Background Sync may also fire)
    wait_until(lambda: queued(page) == 0, "the kept booking is sent")
    assert bookings_of(stack, "zainab@example.org") == ["confirmed"]
    confirmation = stack.mail_to("zainab@example.org", timeout=30)
    assert "/bookings/" in confirmation
    jobs = jobs_for(stack, "zainab@example.org")
    # Sent once, however many times the queue is flushed: another page load flushes it again.
    page.goto("/about")
    wait_until(lambda: queued(page) == 0, "the queue stays empty")
    assert bookings_of(stack, "zainab@example.org") == ["confirmed"]
    assert jobs_for(stack, "zainab@example.org") == jobs
    assert sum("zainab@example.org" in mail.rcpt_tos for mail in stack.smtp.received) == 1

    # Cancelling from the private link with no connection: kept, then sent once back online.
    manage = re.search(r"https?://\S+/bookings/[\w-]+", confirmation)
    assert manage, "no manage link in the confirmation"
    page.goto(urlparse(manage.group(0)).path)
    page.locator("a[href$='/cancel']").click()  # the question, asked while still online
    context.set_offline(True)
    page.locator("form[action$='/cancel'] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Saved on this phone")
    assert queued(page) == 1
    assert bookings_of(stack, "zainab@example.org") == ["confirmed"]  # not cancelled yet: nothing was sent
    context.set_offline(False)
    page.goto("/")
    wait_until(lambda: queued(page) == 0, "the kept cancellation is sent")
    assert bookings_of(stack, "zainab@example.org") == ["cancelled"]
    wait_until(lambda: "is cancelled" in stack.mail_to("zainab@example.org"), "the cancellation email")
    context.close()


def test_a_booking_form_seen_before_opens_offline_and_a_5xx_keeps_the_submission(
    browser: Browser, stack: Stack
) -> None:
    event_id, occurrence_id = bookable_occurrence(stack.database_url)
    path = f"/events/{event_id}/{occurrence_id}/book"
    context = phone(browser, stack)
    seen = context.new_page()
    seen.goto(path)
    wait_for_service_worker(seen)
    seen.reload()  # seen under the worker's control: the phone keeps a copy
    seen.close()

    # Offline, in a new tab: the form opens (not the offline page) and its submission is kept.
    context.set_offline(True)
    page = context.new_page()
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Book a place")
    page.locator("#name").fill("Hamid Rahimi")
    page.locator("#email").fill("hamid@example.org")
    page.locator("form[method=post] button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("Saved on this phone")
    context.clear_cookies()  # the browser was closed meanwhile: the CSRF cookie has gone

    # Back online, the server cannot take it at first (a 503): the submission stays queued and is sent again
    # (by Background Sync's retry or the next page), then taken, and booked once.
    answered: list[int] = []

    def server_busy_once(route: Route) -> None:
        if not answered:
            answered.append(503)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")
        else:
            answered.append(303)
            route.continue_()

    context.route(f"**{path}", server_busy_once)
    context.set_offline(False)
    page.goto("/")  # the page asks the worker to send what is queued
    deadline = time.monotonic() + 30
    while len(answered) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        page.goto("/about")  # each page load asks the worker to send what is still queued
    assert answered[:2] == [503, 303], answered
    confirmation = stack.mail_to("hamid@example.org", timeout=30)
    assert "/bookings/" in confirmation
    page.goto("/events")
    time.sleep(2)
    assert sum("hamid@example.org" in mail.rcpt_tos for mail in stack.smtp.received) == 1
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        statuses = connection.execute("SELECT status FROM booking WHERE email = ?", ("hamid@example.org",)).fetchall()
    assert statuses == [("confirmed",)]
    context.close()
