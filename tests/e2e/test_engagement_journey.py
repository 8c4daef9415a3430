"""Issue 13's journey in Chromium at a phone viewport: two residents answer a question in Polish, one choosing
"publish", the other "don't publish"; an officer redacts part of the first and publishes it; only it appears on
the public page (and the other is never even in the moderation queue)."""

from __future__ import annotations

import sqlite3
import time

from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.test_people_journeys import DEMO_PASSWORD, Stack, enrol_two_factor, stack
from tests.support.browser import PHONE_CONTEXT, wait_for_service_worker

__all__ = ["stack"]

QUESTION_PL = "Co pomogłoby ludziom w Twojej okolicy lepiej się dogadywać?"  # the demo's open question, in Polish
SHARED = "Więcej wspólnych festynów na Cowley Road – pisze Jan Kowalski"
REDACTED = "Więcej wspólnych festynów na Cowley Road – pisze [redacted]"
PRIVATE = "Sąsiad spod piątki jest dla nas nieuprzejmy"


def polish_phone(browser: Browser, stack: Stack) -> BrowserContext:
    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": "pl-PL"})
    context.set_default_timeout(15_000)
    return context


def answer_in_polish(browser: Browser, stack: Stack, text: str, choice: str) -> str:
    """Answer the demo question in Polish; the question's public answers page."""
    context = polish_phone(browser, stack)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Wyraź swoje zdanie").first.click()
    expect(page.locator("h1")).to_have_text("Wyraź swoje zdanie")
    page.get_by_role("link", name=QUESTION_PL, exact=True).click()
    expect(page.locator("h1")).to_have_text(QUESTION_PL)
    page.get_by_label("Twoja odpowiedź").fill(text)
    page.get_by_label("Twój obszar (opcjonalnie)").select_option(label="Oxford")
    page.get_by_label(choice).check()
    page.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(page.locator("h1")).to_have_text("Dziękujemy za odpowiedź")
    answers = page.get_by_role("link", name="Przeczytaj opublikowane odpowiedzi").get_attribute("href")
    context.close()
    assert answers
    return answers


def test_only_the_answer_chosen_for_publication_appears_once_moderated(browser: Browser, stack: Stack) -> None:
    answers_path = answer_in_polish(browser, stack, SHARED, "Opublikujcie moją odpowiedź z moim obszarem")
    assert answer_in_polish(browser, stack, PRIVATE, "Nie publikujcie mojej odpowiedzi") == answers_path

    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": "en-GB"})
    context.set_default_timeout(15_000)
    officer = context.new_page()
    officer.goto("/sign-in")
    officer.get_by_label("Email address").fill("officer@hearby.localhost")
    officer.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    officer.get_by_role("button", name="Sign in").click()
    enrol_two_factor(officer)  # the demo officer sets up two-factor at first sign-in
    officer.goto("/officer/engagement/moderation")
    expect(officer.locator("h1")).to_have_text("Moderation queue")
    queue = officer.locator("main")
    expect(queue).to_contain_text(SHARED)
    expect(queue).not_to_contain_text(PRIVATE)
    # The demo has an answer of its own waiting too: moderate the one this journey gave.
    card = officer.locator(".govuk-summary-card").filter(has_text=SHARED)
    card.get_by_role("link", name="Moderate answer").click()
    officer.get_by_label("Text to publish").fill(REDACTED)
    officer.get_by_label("Why you redacted part of it").fill("Names a resident")
    officer.get_by_role("button", name="Publish answer").click()
    expect(queue).to_contain_text("Done. The next answer is below.")
    expect(queue).not_to_contain_text(SHARED)
    expect(queue).not_to_contain_text(PRIVATE)
    context.close()

    reader = polish_phone(browser, stack).new_page()
    reader.goto(answers_path)
    expect(reader.locator("h1")).to_have_text("Opublikowane odpowiedzi")
    main = reader.locator("main")
    expect(main).to_contain_text(REDACTED)
    expect(main).to_contain_text("Moderator usunął część tej odpowiedzi")
    expect(main).not_to_contain_text("Jan Kowalski")
    expect(main).not_to_contain_text(PRIVATE)
    assert reader.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits the phone
    reader.context.close()


def test_an_answer_given_offline_is_sent_once_when_back_online(browser: Browser, stack: Stack) -> None:
    offline_text = "Ławki przy przystanku – wysłane bez zasięgu"
    context = polish_phone(browser, stack)
    page = context.new_page()
    page.goto("/have-your-say/1")
    wait_for_service_worker(page)
    page.reload()  # the form is now served under the worker's control
    page.get_by_label("Twoja odpowiedź").fill(offline_text)
    page.get_by_label("Nie publikujcie mojej odpowiedzi").check()
    context.set_offline(True)
    page.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(page.locator("h1")).to_have_text("Zapisano na tym telefonie")  # kept by the service worker

    def stored() -> int:
        with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM engagement_answer WHERE text = ?", (offline_text,)
            ).fetchone()
        return int(row[0])

    assert stored() == 0
    context.set_offline(False)
    page.goto("/")  # any page tells the worker the network is back
    deadline = time.monotonic() + 30
    while stored() == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    page.goto("/about")
    time.sleep(2)
    assert stored() == 1  # sent once, however many times the queue was flushed
    context.close()
