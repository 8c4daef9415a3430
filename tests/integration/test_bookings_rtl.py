"""Right-to-left pages: every resident page that shows a time, in Urdu, keeps its left-to-right runs
(times, time ranges, postcodes, email addresses) isolated, and content in another language carries its
own `lang` and `dir` — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from backend.core.clock import SettableClock
from tests.integration.test_bookings import TOKEN_PATH, Client, book_form, make_slot
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import post_form

LONDON = ZoneInfo("Europe/London")
# The slot starts at 18:30 and ends at 20:30, London time: Urdu pages use the 24-hour clock (no "PM").
RANGE = "18:30–20:30"
ISOLATED_RANGE = f'<bdi dir="ltr">{RANGE}</bdi>'
TWELVE_HOUR_MARK = re.compile(r"\b[AP]M\b")


def evening_in_three_days(clock: SettableClock) -> timedelta:
    now = clock.now()
    day = (now + timedelta(days=3)).astimezone(LONDON)
    starts = datetime(day.year, day.month, day.day, 18, 30, tzinfo=LONDON)
    return starts - now


def assert_isolated_times(html: str) -> None:
    check_page(html, "ur")
    assert ISOLATED_RANGE in html, html
    # Only what a reader sees: a CSRF token or an id may hold the letters "AM" by chance.
    visible = BeautifulSoup(html, "html.parser").get_text(" ")
    assert not TWELVE_HOUR_MARK.search(visible), visible


async def test_every_resident_page_with_a_time_isolates_it_in_urdu(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock, starts_in=evening_in_three_days(clock))
    client.headers["Accept-Language"] = "ur"

    listing = await client.get("/events")
    assert listing.status_code == 200
    assert_isolated_times(listing.text)
    assert '<bdi dir="ltr">OX4 1DD</bdi>' in listing.text
    # The organiser wrote in English: the card's title says so, with its own direction.
    card = BeautifulSoup(listing.text, "html.parser").find("a", class_="hb-card__link")
    assert card is not None
    assert (card.get("lang"), card.get("dir")) == ("en", "ltr")

    event = await client.get(f"/events/{slot.event_id}/{slot.occurrence_id}")
    assert event.status_code == 200
    assert_isolated_times(event.text)
    heading = BeautifulSoup(event.text, "html.parser").find("h1")
    assert heading is not None
    assert (heading.get("lang"), heading.get("dir")) == ("en", "ltr")

    book = await client.get(slot.book_path)
    assert book.status_code == 200
    assert_isolated_times(book.text)

    booked = await book_form(client, slot, name="Ala", email="ala.nowak-kowalska@example.org")
    assert booked.status_code == 303, booked.text
    confirmation = await client.get(booked.headers["location"])
    assert_isolated_times(confirmation.text)
    panel = BeautifulSoup(confirmation.text, "html.parser").find(class_="govuk-panel__body")
    assert panel is not None
    address = panel.find("bdi", dir="ltr")
    assert address is not None
    assert address.get_text() == "ala.nowak-kowalska@example.org"

    manage_path = booked.headers["location"].split("?")[0]
    manage = await client.get(manage_path)
    assert_isolated_times(manage.text)
    assert '<bdi dir="ltr">ala.nowak-kowalska@example.org</bdi>' in manage.text

    cancelled = await post_form(client, f"{manage_path}/cancel", {}, token_from=f"{manage_path}/cancel")
    assert cancelled.status_code == 303
    after = await client.get(cancelled.headers["location"])
    assert_isolated_times(after.text)

    # The plain-text email isolates with the Unicode marks.
    email = (await emails_to("ala.nowak-kowalska@example.org"))[0]
    assert email["locale"] == "ur"
    assert f"\u2066{RANGE}\u2069" in email["text"]
    assert not TWELVE_HOUR_MARK.search(email["text"])
    assert TOKEN_PATH.search(email["text"]) is not None


async def test_the_council_name_is_marked_as_a_name_in_urdu(client: Client) -> None:
    page = await client.get("/", headers={"Accept-Language": "ur"})
    soup = check_page(page.text, "ur")
    council = soup.find(class_="hb-header__council")
    assert council is not None
    assert (council.get("lang"), council.get("dir"), council.get("translate")) == ("en", "ltr", "no")
    footer = soup.find("footer")
    assert footer is not None
    assert footer.find("span", attrs={"translate": "no", "lang": "en", "dir": "ltr"}) is not None
