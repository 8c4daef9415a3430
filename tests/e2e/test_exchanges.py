"""Issue 11's journey in Chromium at a phone viewport, against the real web process, the outbox worker and an
in-process SMTP server: a resident reading Polish and one reading Urdu ask for a Listening Exchange on the same
topic through the real pages; an officer runs the matching with "Run matching now"; each sees the confirmation in
their own language (private-link page and email); the officer moves the session on a 320 px phone with JavaScript
off (a clash with the facilitator's other session is refused at the field, keeping what was typed) and both are
told in their language; the facilitator marks attendance; both answer the after-questionnaire; the officer's
dashboard shows the change, with every figure behind fewer than 5 people suppressed. axe runs on every page
visited, in Polish and Urdu for the residents."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.test_people_journeys import DEMO_PASSWORD, Stack, stack
from tests.support.browser import NARROW, PHONE, PHONE_CONTEXT

__all__ = ["stack"]
AXE = Axe()
SLUG = "low-traffic-neighbourhoods"  # a demo topic; its online session offers English, Polish and Urdu
# Written down from the translators' catalogues, not from the code under test.
MATCHED_HEADING = {"pl": "Mamy dla Ciebie parę", "ur": "آپ کا جوڑا بن گیا"}
MATCHED_MAIL = {
    "pl": "Mamy dla Ciebie parę na Wymianę Słuchania",
    "ur": "پر سننے کے تبادلے کے لیے آپ کا جوڑا بن گیا ہے",
}
MOVED_MAIL = {
    "pl": "Zmienił się termin lub miejsce Twojej Wymiany Słuchania",
    "ur": "پر آپ کے سننے کے تبادلے کا وقت یا جگہ تبدیل ہو گئی ہے",
}
SURVEY_LINK = {"pl": "Odpowiedz na pytania o Twoje spotkanie", "ur": "اپنی نشست کے بارے میں سوالات کے جواب دیں"}


def resident_phone(browser: Browser, stack: Stack, locale: str) -> BrowserContext:
    context = browser.new_context(
        **{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": locale},
        extra_http_headers={"Accept-Language": f"{locale};q=1.0"},
    )
    context.set_default_timeout(15_000)
    return context


def staff_phone(browser: Browser, stack: Stack, email: str) -> Page:
    context = browser.new_context(**{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": "en-GB"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    if page.url.endswith("/sign-in/set-up-two-factor"):
        secret = page.locator("#totp-secret").inner_text().strip()
        page.locator("#code").fill(pyotp.TOTP(secret).now())
        page.locator("form button[type=submit]").click()
        expect(page.locator(".hb-recovery-codes")).to_be_attached()
    return page


def axe_clean(page: Page, locale: str, found: dict[str, object]) -> None:
    """Run axe on the page as it is now; keep any violations to report at the end."""
    expect(page.locator("html")).to_have_attribute("lang", locale)
    results = AXE.run(page)
    if results.violations_count:
        found[f"{locale} {page.url}"] = [
            {"rule": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results.response["violations"]
        ]


def online_slot(stack: Stack) -> int:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        row = connection.execute(
            "SELECT s.id FROM exchange_slot s JOIN exchange_topic t ON t.id = s.topic_id"
            " WHERE t.slug = ? AND s.online = 1 AND s.leader_id IS NULL",
            (SLUG,),
        ).fetchone()
    return int(row[0])


def hold_the_session(stack: Stack, slot_id: int) -> None:
    """The session takes place: move it to yesterday (the live server reads the system clock)."""
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        starts, ends = connection.execute(
            "SELECT starts_at, ends_at FROM exchange_slot WHERE id = ?", (slot_id,)
        ).fetchone()
        shift = datetime.fromisoformat(str(starts)) - (datetime.now().astimezone() - timedelta(days=1))

        def moved(value: object) -> str:
            text = str(value)
            earlier = datetime.fromisoformat(text) - shift
            return earlier.isoformat(sep="T" if "T" in text else " ")

        connection.execute(
            "UPDATE exchange_slot SET starts_at = ?, ends_at = ? WHERE id = ?", (moved(starts), moved(ends), slot_id)
        )


def local_times(stack: Stack, query: str, *params: object) -> tuple[datetime, datetime]:
    """A session's start and end where the council is (Europe/London), read from the database."""
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        starts, ends = connection.execute(query, params).fetchone()
    zone = ZoneInfo("Europe/London")
    return datetime.fromisoformat(str(starts)).astimezone(zone), datetime.fromisoformat(str(ends)).astimezone(zone)


def officer_moves_the_session(
    browser: Browser, officer: Page, stack: Stack, slot_id: int, found: dict[str, object]
) -> None:
    """On a 320 px phone: the form is filled in with the session as it is; a time that clashes with the
    facilitator's other session is refused at the facilitator field, keeping what was typed (axe and the width
    checked with JavaScript on, as they need it); then, with JavaScript off, the same refusal, and an hour and a
    half later the same day is saved."""
    starts, _ends = local_times(stack, "SELECT starts_at, ends_at FROM exchange_slot WHERE id = ?", slot_id)
    other_starts, _other_ends = local_times(
        stack,
        "SELECT starts_at, ends_at FROM exchange_slot WHERE facilitator_id = "
        "(SELECT facilitator_id FROM exchange_slot WHERE id = ?) AND id != ? AND status = 'open' ORDER BY id",
        slot_id,
        slot_id,
    )
    later = starts + timedelta(minutes=90)

    def fill(page: Page, moment: datetime) -> None:
        page.locator("#date").fill(moment.date().isoformat())
        page.locator("#start").fill(moment.strftime("%H:%M"))
        page.locator("#end").fill((moment + timedelta(hours=1)).strftime("%H:%M"))
        page.get_by_role("button", name="Save the changes").click()

    def refused(page: Page) -> None:
        expect(page.locator("#facilitator_id-error")).to_contain_text(
            "This facilitator has another session at that time"
        )
        expect(page.locator("#date")).to_have_value(other_starts.date().isoformat())  # what was typed is kept
        expect(page.locator("#start")).to_have_value(other_starts.strftime("%H:%M"))

    officer.set_viewport_size({"width": NARROW["width"], "height": NARROW["height"]})
    for locale in ("ur", "en"):  # right to left, then back to English for the rest of the journey
        officer.context.add_cookies([{"name": "hearby_lang", "value": locale, "url": stack.server.base_url}])
        officer.goto(f"/officer/exchanges/slots/{slot_id}/edit")
        axe_clean(officer, locale, found)
        assert officer.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    officer.goto(f"/officer/exchanges/slots/{slot_id}")
    officer.get_by_role("link", name="Change the session").click()
    expect(officer.locator("#date")).to_have_value(starts.date().isoformat())
    expect(officer.locator("#start")).to_have_value(starts.strftime("%H:%M"))
    axe_clean(officer, "en", found)
    assert officer.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    fill(officer, other_starts)
    refused(officer)
    axe_clean(officer, "en", found)
    assert officer.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    officer.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})

    context = browser.new_context(
        **{**PHONE_CONTEXT, "viewport": NARROW, "base_url": stack.server.base_url, "locale": "en-GB"},
        java_script_enabled=False,
        storage_state=officer.context.storage_state(),
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/officer/exchanges/slots/{slot_id}/edit")
    fill(page, other_starts)
    refused(page)
    fill(page, later)
    expect(page.get_by_text("The changes to the session are saved.")).to_be_visible()
    moved, _ = local_times(stack, "SELECT starts_at, ends_at FROM exchange_slot WHERE id = ?", slot_id)
    assert moved == later
    context.close()


def ask(page: Page, locale: str, *, stances: int, slot_id: int, name: str, email: str, found: dict[str, object]) -> str:
    """Every step of the request form, through the pages; return the private link's path."""
    page.goto(f"/exchanges/topics/{SLUG}")
    axe_clean(page, locale, found)
    page.goto(f"/exchanges/topics/{SLUG}/request")
    for number in (1, 2, 3):
        page.locator(f"input[name=stance_{number}][value='{stances}']").check()
    axe_clean(page, locale, found)
    page.locator("form button[type=submit]:not([name=go])").click()
    page.locator("input[name=consent][value=yes]").check()
    page.locator("input[name=adult][value=yes]").check()
    axe_clean(page, locale, found)
    page.locator("form button[type=submit]:not([name=go])").click()
    page.locator("#thermometer").fill("30")
    page.locator("input[name=understanding][value='2']").check()
    page.locator("input[name=willingness][value='4']").check()
    axe_clean(page, locale, found)
    page.locator("form button[type=submit]:not([name=go])").click()
    page.locator(f"input[name=slots][value='{slot_id}']").check()
    axe_clean(page, locale, found)
    page.locator("form button[type=submit]:not([name=go])").click()
    page.locator(f"input[name=languages][value={locale}]").check()
    page.locator("#first_name").fill(name)
    page.locator("#email").fill(email)
    axe_clean(page, locale, found)
    page.locator("form button[type=submit]:not([name=go])").click()
    assert "/exchanges/requests/" in page.url, page.url
    expect(page.locator(".govuk-panel")).to_be_visible()  # "request sent", with the reference
    axe_clean(page, locale, found)
    return page.url.split("?")[0]


def answer_after(page: Page, locale: str, found: dict[str, object]) -> None:
    page.get_by_role("link", name=SURVEY_LINK[locale]).click()
    page.locator("#thermometer").fill("60")
    for name, value in (("understanding", 5), ("willingness", 6), ("heard", 6), ("understand_better", 5)):
        page.locator(f"input[name={name}][value='{value}']").check()
    axe_clean(page, locale, found)
    page.locator("form[action$='/survey/after'] button[type=submit]").click()
    expect(page.get_by_role("link", name=SURVEY_LINK[locale])).to_have_count(0)
    axe_clean(page, locale, found)


def test_two_residents_in_polish_and_urdu_are_matched_meet_and_answer_and_the_dashboard_suppresses(
    browser: Browser, stack: Stack
) -> None:
    found: dict[str, object] = {}
    slot_id = online_slot(stack)
    residents = {}
    for locale, stances, name, email in (("pl", 5, "Ala", "ala@example.org"), ("ur", 1, "Bilal", "bilal@example.org")):
        context = resident_phone(browser, stack, locale)
        page = context.new_page()
        link = ask(page, locale, stances=stances, slot_id=slot_id, name=name, email=email, found=found)
        residents[locale] = (page, link, email)

    # The officer runs the slot's matching now, and looks at the dashboard before anyone has taken part.
    officer = staff_phone(browser, stack, "officer@hearby.localhost")
    officer.goto(f"/officer/exchanges/slots/{slot_id}")
    axe_clean(officer, "en", found)
    officer.get_by_role("button", name="Run matching now").click()
    expect(officer.get_by_role("heading", name="Pair 1")).to_be_visible()
    expect(officer.get_by_role("heading", name="Pair 2")).to_have_count(0)
    officer.goto("/officer/exchanges/evaluation")
    after_row = officer.locator(".govuk-summary-list__row", has_text="Took part and answered straight after")
    expect(after_row.locator("dd")).to_have_text("0")

    # Each sees the confirmation in their own language, on the private-link page and by email.
    for locale, (page, link, email) in residents.items():
        page.goto(link)
        expect(page.locator("h1")).to_have_text(MATCHED_HEADING[locale])
        axe_clean(page, locale, found)
        deadline = datetime.now() + timedelta(seconds=20)
        mail = ""
        while datetime.now() < deadline and MATCHED_MAIL[locale] not in mail:
            mail = stack.mail_to(email)
        assert MATCHED_MAIL[locale] in mail, mail
        assert "example.org" not in mail.replace(email, ""), "the other person's contact details were sent"

    # The officer moves the session (no JavaScript, a 320 px phone); each is told in their own language.
    officer_moves_the_session(browser, officer, stack, slot_id, found)
    for locale, (_page, _link, email) in residents.items():
        deadline = datetime.now() + timedelta(seconds=20)
        mail = ""
        while datetime.now() < deadline and MOVED_MAIL[locale] not in mail:
            mail = stack.mail_to(email)
        assert MOVED_MAIL[locale] in mail, mail

    # The session takes place; the facilitator marks both as attended, on a phone.
    hold_the_session(stack, slot_id)
    facilitator = staff_phone(browser, stack, "facilitator@hearby.localhost")
    facilitator.goto(f"/facilitator/exchanges/slots/{slot_id}")
    axe_clean(facilitator, "en", found)
    for select in facilitator.locator("select[name^=mark_]").all():
        select.select_option("attended")
    facilitator.get_by_role("button", name="Save attendance").click()
    expect(facilitator.get_by_text("Attendance saved.")).to_be_visible()

    # Both answer the after-questionnaire from their private link.
    for locale, (page, link, _email) in residents.items():
        page.goto(link)
        answer_after(page, locale, found)

    # The dashboard has changed: two answered straight after, shown as "fewer than 5", and so is every change.
    officer.goto("/officer/exchanges/evaluation")
    axe_clean(officer, "en", found)
    expect(after_row.locator("dd")).to_have_text("fewer than 5")
    requests_row = officer.locator(".govuk-summary-list__row", has_text="Requests")
    expect(requests_row.locator("dd")).to_have_text("fewer than 5")
    changes = officer.locator("table").first.locator("td")
    assert changes.count() >= 3
    assert {text.strip() for text in changes.all_inner_texts()} == {"fewer than 5"}
    assert not found, f"axe violations:\n{json.dumps(found, indent=2, ensure_ascii=False)}"
