"""Issue 4's journeys in Chromium at a phone viewport, against the real web process, the outbox worker and an
in-process SMTP server: a partner posts a recurring event with a Polish translation, an officer approves it
and it appears in the feed; a resident in Polish finds it near OX4 with step-free access, books it, opens the
.ics, cancels with the private link, and the first person on the waiting list is offered the place."""

from __future__ import annotations

import re
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.test_people_journeys import DEMO_PASSWORD, Stack, enrol_two_factor, phone, stack
from tests.support.browser import PHONE_CONTEXT

__all__ = ["stack"]
LONDON = ZoneInfo("Europe/London")
TITLE = "Board games evening at Cowley library"
TITLE_PL = "Wieczór gier planszowych w bibliotece w Cowley"
ATOM = "{http://www.w3.org/2005/Atom}"


def polish_phone(browser: Browser, stack: Stack) -> BrowserContext:
    context = browser.new_context(
        **{**PHONE_CONTEXT, "base_url": stack.server.base_url, "locale": "pl-PL"},
        extra_http_headers={"Accept-Language": "pl-PL,pl;q=0.9"},
    )
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()


def post_recurring_event(page: Page) -> None:
    start = (datetime.now(LONDON) + timedelta(days=7)).replace(hour=18, minute=30, second=0, microsecond=0)
    page.goto("/partner/events/new")
    page.locator("#title").fill(TITLE)
    page.locator("#description").fill("Bring a friend, or come and meet new ones. Games for all ages.")
    page.locator("#category").select_option(index=1)
    page.locator("#venue_name").fill("Cowley Library")
    page.locator("#address").fill("Temple Cowley, Oxford")
    page.locator("#postcode").fill("ox4 1aa")
    page.locator("#starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#ends_at").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=recurrence][value=weekly]").check()
    page.locator("#recurrence_until").fill((start + timedelta(days=28)).strftime("%Y-%m-%d"))
    page.locator("#capacity").fill("1")
    page.locator("#per_booking_limit").fill("1")
    page.locator("input[name=accessibility][value=step_free]").check()
    page.locator("details summary").first.click()  # the translations are folded away
    page.locator("#title_pl").fill(TITLE_PL)
    page.locator("#description_pl").fill("Przyjdź z przyjacielem albo poznaj nowych. Gry dla każdego.")
    page.locator("form[action='/partner/events/new'] button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def atom_titles(stack: Stack, query: str, language: str) -> list[str]:
    request = urllib.request.Request(
        f"{stack.server.base_url}/events/feed.atom?{query}", headers={"Accept-Language": language}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        feed = ET.fromstring(response.read())
    return [entry.findtext(f"{ATOM}title") or "" for entry in feed.iter(f"{ATOM}entry")]


def book(page: Page, name: str, email: str) -> None:
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("form[method=post] button[type=submit]").first.click()


def test_partner_posts_officer_approves_resident_books_cancels_and_the_waitlist_is_offered(
    browser: Browser, stack: Stack
) -> None:
    # A partner of an organisation that is not trusted posts a weekly event with a Polish translation.
    partner_context = phone(browser, stack)
    partner = partner_context.new_page()
    sign_in(partner, "szkola@hearby.localhost")
    post_recurring_event(partner)
    partner_context.close()
    # (A different query from the ones below: anonymous listings are cached for a minute.)
    assert TITLE not in atom_titles(stack, "q=board+games", "en"), "shown before an officer approved it"

    # An officer approves it from the queue.
    officer_context = phone(browser, stack)
    officer = officer_context.new_page()
    sign_in(officer, "officer@hearby.localhost")
    enrol_two_factor(officer)
    officer.goto("/officer/events/queue")
    officer.get_by_role("link", name=TITLE).click()
    officer.locator("form[action$='/approve'] button[type=submit]").click()
    officer_context.close()
    assert TITLE in atom_titles(stack, "q=Cowley+library", "en")
    assert TITLE_PL in atom_titles(stack, "q=Cowley+library", "pl")  # the feed speaks the reader's language

    # A resident reading Polish finds it near OX4 with step-free access, and books the only place.
    resident_context = polish_phone(browser, stack)
    resident = resident_context.new_page()
    resident.goto("/events?postcode=OX4&radius_miles=3&accessibility=step_free&q=Cowley")
    expect(resident.locator("html")).to_have_attribute("lang", "pl")
    resident.get_by_role("link", name=TITLE_PL).first.click()
    expect(resident.locator("h1")).to_have_text(TITLE_PL)
    resident.locator("a[href$='/book']").first.click()
    booking_page = resident.url
    book(resident, "Ala Kowalska", "ala@example.org")
    confirmation = stack.mail_to("ala@example.org")
    manage_link = re.search(r"https?://\S+/bookings/[\w-]+", confirmation)
    assert manage_link, confirmation
    mail = next(m for m in reversed(stack.smtp.received) if "ala@example.org" in m.rcpt_tos)
    assert mail.message["Content-Language"] == "pl"
    [attachment] = [part for part in mail.message.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) in {TITLE, TITLE_PL}

    # Someone else finds it full and joins the waiting list.
    second_context = polish_phone(browser, stack)
    second = second_context.new_page()
    second.goto(booking_page)
    book(second, "Bartek Nowak", "bartek@example.org")
    assert stack.mail_to("bartek@example.org")  # "you are on the waiting list"

    # The first resident opens the .ics from the private link, then cancels there.
    resident.goto(manage_link.group(0))
    calendar = resident.request.get(resident.locator("a[href$='calendar.ics']").get_attribute("href") or "")
    assert calendar.ok
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(calendar.body()).walk("VEVENT")
    resident.locator("a[href$='/cancel']").click()  # asked first
    expect(resident.locator("h1")).to_have_text("Czy na pewno chcesz anulować rezerwację?")
    resident.locator("form[action$='/cancel'] button[type=submit]").click()

    # The first person waiting is offered the place, by email, with a link to accept it.
    # (The "you are on the waiting list" email links to /waitlist/place/…, the person's place in the queue.)
    offer_path = re.compile(r"https?://\S+/waitlist/(?!place/)[\w-]+")
    deadline = datetime.now() + timedelta(seconds=20)
    offer = ""
    while datetime.now() < deadline and not offer_path.search(offer):
        offer = stack.mail_to("bartek@example.org")
    offer_link = offer_path.search(offer)
    assert offer_link, offer
    second.goto(offer_link.group(0))
    second.locator("form[action$='/accept'] button[type=submit]").click()
    # Accepting books the place: a booking confirmation with its own private link follows.
    deadline = datetime.now() + timedelta(seconds=20)
    latest = ""
    while datetime.now() < deadline and "/bookings/" not in latest:
        latest = stack.mail_to("bartek@example.org")
    assert "/bookings/" in latest, latest
    resident_context.close()
    second_context.close()
