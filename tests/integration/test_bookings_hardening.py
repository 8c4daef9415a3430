"""The public booking API refuses cross-site writes (a page on another site cannot book from its visitors'
browsers) while other sites keep reading, and HEAD on a page is answered as GET without a body — on SQLite
and PostgreSQL."""

from __future__ import annotations

import json

from backend.bookings.tables import Booking
from backend.core.clock import SettableClock
from tests.integration.test_bookings import Client, make_slot


async def test_a_foreign_page_cannot_book_through_the_api(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock)
    body = json.dumps({"name": "Visitor", "email": "visitor@example.org", "places": 1})
    # What a form or fetch() on another site can send without a CORS preflight.
    simple = await client.post(
        slot.api_path, content=body, headers={"Content-Type": "text/plain", "Origin": "https://elsewhere.example"}
    )
    assert simple.status_code in {403, 415}
    no_origin_text = await client.post(slot.api_path, content=body, headers={"Content-Type": "text/plain"})
    assert no_origin_text.status_code == 415
    cross_site = await client.post(
        slot.api_path,
        content=body,
        headers={"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert await Booking.count().where(Booking.occurrence_id == slot.occurrence_id) == 0

    # A server (no Origin) or our own pages still book with JSON; other sites still read.
    booked = await client.post(slot.api_path, content=body, headers={"Content-Type": "application/json"})
    assert booked.status_code == 201, booked.text
    read = await client.get("/api/v1/events", headers={"Origin": "https://elsewhere.example"})
    assert read.status_code == 200


async def test_head_on_a_page_answers_as_get_without_a_body(client: Client, clock: SettableClock) -> None:
    slot = await make_slot(clock)
    for path in ("/", "/events", slot.book_path):
        get = await client.get(path)
        head = await client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    missing = await client.head("/no-such-page")
    assert missing.status_code == 404
    assert missing.content == b""
