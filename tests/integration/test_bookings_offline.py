"""A booking form the resident has seen opens offline, and its queued submission is accepted later: the form
may be kept by the phone (not `no-store`), the submission passes without the CSRF cookie when the browser
says it comes from this site (the cookie may be gone by the time the phone is back online), and another
site is refused. Field errors name their field. On SQLite and PostgreSQL."""

from __future__ import annotations

from bs4 import BeautifulSoup

from backend.bookings.tables import Booking
from backend.core.clock import SettableClock
from tests.integration.test_bookings import Client, make_slot
from tests.support.people import CSRF_FIELD, sign_in_resident

ORIGIN = "http://127.0.0.1:8000"  # the test client's base URL


async def seen_form(client: Client, path: str) -> dict[str, str]:
    """What the phone kept of the booking form: its CSRF token and nonce."""
    page = await client.get(path)
    nonce = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "nonce"})
    token = CSRF_FIELD.search(page.text)
    assert nonce is not None
    assert token is not None
    return {"_csrf_token": token.group(1), "nonce": str(nonce["value"])}


async def test_the_booking_form_may_be_kept_by_the_phone_unless_it_shows_an_account(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    anonymous = await client.get(slot.book_path)
    cache_control = anonymous.headers["cache-control"]
    assert "no-store" not in cache_control
    assert "no-cache" in cache_control
    assert "private" in cache_control
    await sign_in_resident(client, "resident-offline@example.org")
    signed_in = await client.get(slot.book_path)
    assert "no-store" in signed_in.headers["cache-control"]


async def test_a_queued_booking_is_accepted_once_after_the_csrf_cookie_has_gone(
    client: Client, clock: SettableClock
) -> None:
    slot = await make_slot(clock)
    kept = await seen_form(client, slot.book_path)
    client.cookies.clear()  # the browser was closed: its session cookies, the CSRF cookie too, are gone
    data = {**kept, "name": "Zainab", "email": "zainab@example.org", "places": "1"}
    headers = {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}
    first = await client.post(slot.book_path, data=data, headers=headers, follow_redirects=False)
    assert first.status_code == 303, first.text
    again = await client.post(slot.book_path, data=data, headers=headers, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert await Booking.count().where(Booking.occurrence_id == slot.occurrence_id) == 1


async def test_another_site_cannot_post_the_booking_form(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock)
    kept = await seen_form(client, slot.book_path)
    data = {**kept, "name": "Mallory", "email": "mallory@example.org", "places": "1"}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ):
        refused = await client.post(slot.book_path, data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403, headers
    # A request that says nothing about where it comes from needs the token matching its cookie.
    client.cookies.clear()
    refused = await client.post(slot.book_path, data=data, follow_redirects=False)
    assert refused.status_code == 403
    assert await Booking.count().where(Booking.occurrence_id == slot.occurrence_id) == 0


async def test_a_field_error_names_its_field(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock)
    kept = await seen_form(client, slot.book_path)
    data = {**kept, "name": "N" * 121, "email": "long@example.org", "places": "1", "access_needs": "a" * 1001}
    page = await client.post(slot.book_path, data=data, follow_redirects=False)
    assert page.status_code == 400
    summary = BeautifulSoup(page.text, "html.parser").find(class_="govuk-error-summary")
    assert summary is not None
    errors = [item.get_text(strip=True) for item in summary.find_all("a")]
    assert "Your name must be 120 characters or fewer" in errors
    assert "Access needs must be 1000 characters or fewer" in errors
