"""Helpers for the reports tests: a valid report form, sending it, and reading the receipt's token."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.people import CSRF_FIELD

NONCE_FIELD = re.compile(r'name="nonce" value="([^"]+)"')
PARKS = "E58002094"  # OX4 1AA lies in Parks division (Oxford)
COWLEY = "E58002068"
OXFORD = "E07000178"


def report_form(**changes: str) -> dict[str, str]:
    """A complete, valid report as the form sends it."""
    values = {
        "category": "rumour",
        "postcode": "OX4 1AA",
        "area": "",
        "place_description": "Near the shops",
        "occurred_period": "this_week",
        "description": "People are saying the community centre will close to make room for a hostel.",
        "impact": "Neighbours are angry with each other.",
        "source": "heard",
        "email": "",
        "phone": "",
    }
    values.update(changes)
    return values


async def form_page(client: AsyncTestClient[Litestar]) -> tuple[str, str]:
    """Open the form: its CSRF token and nonce."""
    page = await client.get("/reports/new")
    assert page.status_code == 200, page.text
    csrf = CSRF_FIELD.search(page.text)
    nonce = NONCE_FIELD.search(page.text)
    assert csrf
    assert nonce
    return csrf.group(1), nonce.group(1)


async def send_report(client: AsyncTestClient[Litestar], nonce: str | None = None, **changes: str) -> httpx.Response:
    """Post the form (with the nonce from the page unless one is given)."""
    csrf, page_nonce = await form_page(client)
    data: dict[str, Any] = {"_csrf_token": csrf, "nonce": nonce or page_nonce, **report_form(**changes)}
    return await client.post("/reports/new", data=data, follow_redirects=False)


def token_of(response: httpx.Response) -> str:
    """The private token from the receipt's redirect."""
    assert response.status_code == 303, response.text
    match = re.match(r"/reports/r/([\w-]+)\?sent=1", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)
