"""200 people press "Book" at once for 10 places, through real HTTP against a real uvicorn server.

Exactly 10 bookings; everyone else is told it is full and pointed to the waitlist; the counts agree
(places left 0, the sum of booked places equals the capacity). On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.tables import Booking
from backend.core.clock import SettableClock, SystemClock
from backend.events.tables import Occurrence
from backend.settings import Settings
from tests.integration.test_bookings import make_slot
from tests.support.live_server import start_server

CAPACITY = 10
ATTEMPTS = 200


async def test_200_concurrent_bookings_for_10_places_give_exactly_10(
    client: AsyncTestClient[Litestar], settings: Settings, tmp_path: Path
) -> None:
    # The server runs on the real clock: the occurrence is in the future by that clock.
    slot = await make_slot(SettableClock(SystemClock().now()), capacity=CAPACITY, per_booking_limit=1)
    server = start_server(
        settings.database_url,
        tmp_path,
        extra_env={"ANONYMOUS_POSTS_PER_MINUTE": "1000000", "HEARBY_ENV": "test", "DATABASE_POOL_SIZE": "10"},
    )
    try:
        limits = httpx.Limits(max_connections=ATTEMPTS, max_keepalive_connections=ATTEMPTS)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120) as http:

            async def attempt(number: int) -> httpx.Response:
                body = {"name": f"Person {number}", "email": f"person{number}@example.org", "places": 1}
                return await http.post(slot.api_path, json=body)

            started = time.perf_counter()
            responses = await asyncio.gather(*(attempt(number) for number in range(ATTEMPTS)))
            elapsed = time.perf_counter() - started
    finally:
        server.stop()

    statuses = Counter(response.status_code for response in responses)
    print(f"\n{settings.database_url.split(':')[0]}: {dict(statuses)} in {elapsed:.2f} s")
    assert statuses == {201: CAPACITY, 409: ATTEMPTS - CAPACITY}, statuses
    refused = [response.json() for response in responses if response.status_code == 409]
    assert all(body["code"] == "full" and body["waitlist_url"] for body in refused)

    occurrence = await Occurrence.select(Occurrence.places_left).where(Occurrence.id == slot.occurrence_id).first()
    assert occurrence == {"places_left": 0}
    confirmed = await Booking.select(Booking.places).where(
        (Booking.occurrence_id == slot.occurrence_id) & (Booking.status == "confirmed")
    )
    assert len(confirmed) == CAPACITY
    assert sum(row["places"] for row in confirmed) == CAPACITY
    booked_emails = {response.json()["booking"]["email"] for response in responses if response.status_code == 201}
    assert len(booked_emails) == CAPACITY


SAME_KEY_ATTEMPTS = 50


async def test_the_same_key_sent_50_times_at_once_answers_with_the_same_booking(
    client: AsyncTestClient[Litestar], settings: Settings, tmp_path: Path
) -> None:
    """A phone retrying after a timeout is told the truth: every request with a key in use for the same body
    gets that booking (never "this email already has a booking"), through the API and the form's nonce."""
    slot = await make_slot(SettableClock(SystemClock().now()), capacity=CAPACITY, per_booking_limit=2)
    server = start_server(
        settings.database_url,
        tmp_path,
        extra_env={"ANONYMOUS_POSTS_PER_MINUTE": "1000000", "HEARBY_ENV": "test", "DATABASE_POOL_SIZE": "10"},
    )
    try:
        limits = httpx.Limits(max_connections=SAME_KEY_ATTEMPTS, max_keepalive_connections=SAME_KEY_ATTEMPTS)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120) as http:
            body = {"name": "Retry Phone", "email": "retry@example.org", "places": 2}
            headers = {"Idempotency-Key": "phone-retry-key-0123456789"}
            api = await asyncio.gather(
                *(http.post(slot.api_path, json=body, headers=headers) for _ in range(SAME_KEY_ATTEMPTS))
            )
            form = {"name": "Form Phone", "email": "form@example.org", "places": "1", "nonce": "n" * 32}
            origin = {"Origin": server.base_url}
            pages = await asyncio.gather(
                *(
                    http.post(slot.book_path, data=form, headers=origin, follow_redirects=False)
                    for _ in range(SAME_KEY_ATTEMPTS)
                )
            )
    finally:
        server.stop()

    assert Counter(response.status_code for response in api) == {201: SAME_KEY_ATTEMPTS}, [
        response.text for response in api if response.status_code != 201
    ][:3]
    assert len({response.json()["manage_token"] for response in api}) == 1
    assert Counter(response.status_code for response in pages) == {303: SAME_KEY_ATTEMPTS}, [
        response.text[:300] for response in pages if response.status_code != 303
    ][:1]
    assert len({response.headers["location"] for response in pages}) == 1
    rows = await Booking.select(Booking.email, Booking.places).where(Booking.occurrence_id == slot.occurrence_id)
    assert sorted((row["email"], row["places"]) for row in rows) == [("form@example.org", 1), ("retry@example.org", 2)]
    occurrence = await Occurrence.select(Occurrence.places_left).where(Occurrence.id == slot.occurrence_id).first()
    assert occurrence == {"places_left": CAPACITY - 3}
