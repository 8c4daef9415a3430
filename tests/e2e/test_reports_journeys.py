"""Tension reports in Chromium at a phone viewport: report anonymously in English and in Urdu and follow the
private link; report with the network off, come back online, and exactly one report reaches the server."""

from __future__ import annotations

import sqlite3
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.test_people_journeys import Stack, stack
from tests.support.browser import PHONE_CONTEXT, wait_for_service_worker

__all__ = ["stack"]


def _phone(browser: Browser, stack: Stack, locale: str) -> BrowserContext:
    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": locale})
    context.set_default_timeout(15_000)
    return context


def _reports(stack: Stack, description: str) -> list[tuple[str, str]]:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(
            "SELECT reference, division_code FROM tension_report WHERE description = ?", (description,)
        ).fetchall()


def _fill(page: Page, description: str) -> None:
    page.locator("#category").check()  # the first category: a rumour
    page.locator("#postcode").fill("OX4 1AA")
    page.locator("#description").fill(description)
    page.locator("#source").check()  # the first: it happened to me


def test_a_resident_reports_anonymously_and_follows_the_private_link(browser: Browser, stack: Stack) -> None:
    context = _phone(browser, stack, "en-GB")
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Report a tension").first.click()
    expect(page.locator("h1")).to_have_text("Report a tension in your community")
    expect(page.locator("main")).to_contain_text("999")
    page.get_by_role("button", name="Start your report").click()
    page.locator("form[method=post] button[type=submit]").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what you want to report")
    description = "Stickers telling people to leave have appeared on the bus shelters. <b>not bold</b>"
    _fill(page, description)
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Report sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    assert reference.startswith("TR-")
    link = page.url.split("?")[0]
    expect(page.locator("main")).to_contain_text("<b>not bold</b>")  # shown as text
    assert _reports(stack, description) == [(reference, "E58002094")]
    page.goto(link)
    expect(page.locator("#report-status")).to_have_text("New")
    context.close()


def test_in_urdu_the_form_is_right_to_left_and_the_report_arrives(browser: Browser, stack: Stack) -> None:
    context = _phone(browser, stack, "ur")
    page = context.new_page()
    page.goto("/reports/new")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("آپ کی رپورٹ")
    page.locator("#postcode").fill("ZZ99 9ZZ")
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("منتخب کریں کہ آپ کیا رپورٹ کرنا چاہتے ہیں")
    expect(page.locator("#postcode")).to_have_value("ZZ99 9ZZ")
    description = "مسجد کے باہر دو گروہوں میں جھگڑا ہوا"
    _fill(page, description)
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("رپورٹ بھیج دی گئی")
    assert len(_reports(stack, description)) == 1
    context.close()


def test_a_report_made_offline_arrives_once_when_back_online(browser: Browser, stack: Stack) -> None:
    context = _phone(browser, stack, "en-GB")
    page = context.new_page()
    page.goto("/reports/new")
    wait_for_service_worker(page)
    page.reload()  # the form is now served under the worker's control
    private_link = page.locator(".govuk-inset-text bdi").inner_text().strip()
    description = "Written on a bus with no signal: leaflets about the new hostel are going round."
    _fill(page, description)

    context.set_offline(True)
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Saved on this phone")
    time.sleep(1)
    assert _reports(stack, description) == []

    context.set_offline(False)
    page.goto("/")  # any page tells the worker the network is back (Background Sync may also fire)
    deadline = time.monotonic() + 30
    while not _reports(stack, description) and time.monotonic() < deadline:
        time.sleep(0.2)
    page.goto("/about")
    time.sleep(2)
    assert len(_reports(stack, description)) == 1  # exactly one, however often the queue was flushed
    page.goto(private_link.replace(stack.server.base_url, ""))
    expect(page.locator("main")).to_contain_text("leaflets about the new hostel")
    context.close()


def _added(stack: Stack, reference: str) -> list[str]:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute(
            "SELECT m.body FROM tension_report_message m JOIN tension_report r ON r.id = m.report_id "
            "WHERE r.reference = ? AND m.author = 'reporter' ORDER BY m.id",
            (reference,),
        ).fetchall()
    return [body for (body,) in rows]


# The queued submissions, read and copied in the service worker's own store (what a second flush would send).
DUPLICATE_QUEUED = """async () => {
  const db = await new Promise((resolve, reject) => {
    const opening = indexedDB.open("hearby-queue", 1);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const store = (mode) => db.transaction("submissions", mode).objectStore("submissions");
  const entries = await new Promise((resolve) => {
    const all = store("readonly").getAll();
    all.onsuccess = () => resolve(all.result);
  });
  for (const entry of entries) {
    const { id, ...copy } = entry;
    await new Promise((resolve) => { const added = store("readwrite").add(copy); added.onsuccess = resolve; });
  }
  db.close();
  return entries.length;
}"""


def test_information_added_offline_and_sent_twice_arrives_once(browser: Browser, stack: Stack) -> None:
    context = _phone(browser, stack, "en-GB")
    page = context.new_page()
    page.goto("/reports/new")
    wait_for_service_worker(page)
    page.reload()
    _fill(page, "Posters about the hostel have gone up near the school.")
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Report sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    page.goto(page.url.split("?")[0])  # the private link, served under the worker
    information = "They were put back up this morning after being taken down."

    context.set_offline(True)
    page.locator("#information").fill(information)
    page.get_by_role("button", name="Add to my report").click()
    expect(page.locator("h1")).to_have_text("Saved on this phone")
    # The phone sends it again (a flush that lost its answer, two flushes at once): the same form, twice.
    assert page.evaluate(DUPLICATE_QUEUED) == 1
    time.sleep(1)
    assert _added(stack, reference) == []

    context.set_offline(False)
    page.goto("/")  # any page tells the worker the network is back
    deadline = time.monotonic() + 30
    while not _added(stack, reference) and time.monotonic() < deadline:
        time.sleep(0.2)
    page.goto("/about")
    time.sleep(2)
    assert _added(stack, reference) == [information]  # sent twice, added once
    context.close()
