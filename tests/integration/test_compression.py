"""Pages are sent gzipped when the browser accepts it and they are big enough; small answers go as they are."""

from __future__ import annotations

import gzip

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
GZIP = {"Accept-Encoding": "gzip"}


async def raw_get(client: Client, path: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """Headers and the body exactly as sent (httpx would otherwise undo the gzip)."""
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join([part async for part in response.aiter_raw()])


async def test_a_page_is_gzipped_for_a_browser_that_accepts_it(client: Client) -> None:
    headers, body = await raw_get(client, "/events", GZIP)
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert int(headers["content-length"]) == len(body)
    page = gzip.decompress(body).decode()
    assert page.startswith("<!DOCTYPE html>")
    assert len(body) < len(page.encode()) / 3

    plain_headers, plain = await raw_get(client, "/events", {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain_headers
    assert plain.decode() == page


async def test_a_small_answer_is_sent_as_it_is(client: Client) -> None:
    headers, body = await raw_get(client, "/api/v1/ping", GZIP)
    assert "content-encoding" not in headers
    assert body == b'{"ping":"pong"}'
    assert int(headers["content-length"]) == len(body)
