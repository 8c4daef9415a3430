"""Small factories for Listening Exchanges tests: a topic, a slot, a resident's request through the pages."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.exchanges.pairing import PairingService
from backend.exchanges.setup import SetupService, SlotInput, TopicInput
from backend.exchanges.tables import ExchangeTopic
from tests.support.people import CSRF_FIELD

STATUS_PATH = re.compile(r"/exchanges/requests/([A-Za-z0-9_-]{20,100})")
TOPIC = {
    "en": {
        "title": "Low-traffic neighbourhoods",
        "summary": "Some streets are closed to through traffic.",
        "statements": ["They make my area better.", "Longer drives are worth it.", "The council listened."],
    },
    "pl": {
        "title": "Dzielnice o ograniczonym ruchu",
        "summary": "Niektóre ulice są zamknięte dla ruchu tranzytowego.",
        "statements": ["Poprawiają moją okolicę.", "Dłuższe przejazdy są tego warte.", "Rada wysłuchała ludzi."],
    },
    "ur": {
        "title": "کم ٹریفک والے محلے",
        "summary": "کچھ گلیاں گزرنے والی ٹریفک کے لیے بند ہیں۔",
        "statements": ["یہ میرے علاقے کو بہتر بناتے ہیں۔", "لمبے سفر اس کے قابل ہیں۔", "کونسل نے بات سنی۔"],
    },
}


def setup_of(app: Litestar, clock: SettableClock) -> SetupService:
    """The set-up service on the app's engine."""
    return SetupService(app.state["settings"], clock, app.state["engine"])


def pairing_of(app: Litestar, clock: SettableClock) -> PairingService:
    """The pairing service on the app's engine."""
    state = app.state
    return PairingService(state["settings"], clock, state["engine"], state["email_renderer"])


async def make_topic(app: Litestar, clock: SettableClock, *, threshold: int = 4, control_share: int = 0) -> int:
    """A published topic with three statements in English, Polish and Urdu."""
    return await setup_of(app, clock).create_topic(
        TopicInput(content=TOPIC, min_disagreement=threshold, control_share=control_share, slug="ltn"), None
    )


async def make_slot(
    app: Litestar,
    clock: SettableClock,
    topic_id: int,
    *,
    days: int = 7,
    pairs: int = 2,
    online: bool = True,
    languages: tuple[str, ...] = ("en", "pl", "ur"),
    interpreter: bool = True,
    features: tuple[str, ...] = (),
    facilitator_id: int | None = None,
    leader_id: int | None = None,
    starts: datetime | None = None,
) -> int:
    """A slot `days` from the clock's now (or at `starts`), an hour long, closing for requests two days before."""
    starts = starts or clock.now().replace(microsecond=0) + timedelta(days=days)
    return await setup_of(app, clock).create_slot(
        SlotInput(
            topic_id=topic_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            cut_off_at=starts - timedelta(days=2),
            online=online,
            venue="" if online else "Town Hall",
            postcode="" if online else "OX1 1BX",
            area="Oxford",
            features=list(features),
            online_link="https://meet.example.org/room-1" if online else "",
            facilitator_id=facilitator_id,
            facilitator_name="Fran",
            pairs_capacity=pairs,
            languages=list(languages),
            interpreter=interpreter,
            leader_id=leader_id,
        ),
        None,
    )


def answers(
    stances: tuple[int, ...],
    slots: list[int],
    *,
    email: str,
    first_name: str = "Alex",
    languages: tuple[str, ...] = ("en",),
    needs: tuple[str, ...] = (),
    nonce: str | None = None,
) -> list[tuple[str, str]]:
    """Every field of a complete request, as the last step posts it."""
    fields = [(f"stance_{i}", str(v)) for i, v in enumerate(stances, start=1)]
    fields += [
        ("consent", "yes"),
        ("adult", "yes"),
        ("thermometer", "40"),
        ("understanding", "3"),
        ("willingness", "5"),
        ("first_name", first_name),
        ("email", email),
        ("nonce", nonce or secrets.token_urlsafe(24)),
    ]
    fields += [("slots", str(s)) for s in slots]
    fields += [("languages", code) for code in languages]
    fields += [("needs", code) for code in needs]
    return fields


async def send_request(
    client: AsyncTestClient[Litestar], fields: list[tuple[str, str]], *, locale: str = "en", slug: str = "ltn"
) -> httpx.Response:
    """Post a whole request to the last step (as the offline queue replays it), with a CSRF token."""
    headers = {"Accept-Language": locale}
    page = await client.get(f"/exchanges/topics/{slug}/request", headers=headers)
    match = CSRF_FIELD.search(page.text)
    assert match, page.text
    return await post_fields(
        client, f"/exchanges/topics/{slug}/request/send", [("_csrf_token", match.group(1)), *fields], locale
    )


async def post_fields(
    client: AsyncTestClient[Litestar], path: str, fields: list[tuple[str, str]], locale: str = "en"
) -> httpx.Response:
    """Post form fields that repeat (checkboxes) the way a browser encodes them."""
    return await client.post(
        path,
        content=urlencode(fields),
        headers={"Accept-Language": locale, "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


async def request_token(client: AsyncTestClient[Litestar], fields: list[tuple[str, str]], locale: str = "en") -> str:
    """Send a request and return its private token."""
    response = await send_request(client, fields, locale=locale)
    assert response.status_code == 303, response.text
    found = STATUS_PATH.search(response.headers["location"])
    assert found
    return found.group(1)


async def topic_id_of(slug: str = "ltn") -> int:
    """The id of a topic by slug."""
    row: dict[str, Any] | None = await ExchangeTopic.select(ExchangeTopic.id).where(ExchangeTopic.slug == slug).first()
    assert row is not None
    return int(row["id"])
