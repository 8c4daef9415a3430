"""Pages are sent gzipped when the browser accepts it and they are big enough; small answers go as they are."""

from __future__ import annotations

import gzip
import os
import random
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from litestar import Litestar, get
from litestar.params import PathParameter
from litestar.response import Stream
from litestar.static_files import create_static_files_router
from litestar.testing import AsyncTestClient

from backend.core.compression import FILE_GZIP_LEVEL, GZIP_LEVEL, compression_config, gzip_whole

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


def _app_with(route_handlers: list[Any]) -> Litestar:
    return Litestar(route_handlers=route_handlers, compression_config=compression_config())


@get("/whole/{size:int}", media_type="text/plain")
async def whole_body(size: Annotated[int, PathParameter()]) -> str:
    return ("Hearby " * size)[:size]


@get("/streamed", media_type="text/plain")
async def streamed_body() -> Stream:
    async def parts() -> AsyncIterator[bytes]:
        for number in range(50):
            yield f"part {number} of a streamed answer\n".encode()

    return Stream(parts())


async def test_whole_bodies_of_every_size_decode_to_what_was_sent() -> None:
    # Sizes either side of the minimum and of each window the body's size picks, up to zlib's largest.
    async with AsyncTestClient(app=_app_with([whole_body])) as client:
        for size in (1023, 1024, 1025, 4096, 4097, 32_768, 32_769, 200_000):
            headers, body = await raw_get(client, f"/whole/{size}", GZIP)
            expected = ("Hearby " * size)[:size].encode()
            if size < 1024:
                assert "content-encoding" not in headers
                assert body == expected
                continue
            assert headers["content-encoding"] == "gzip"
            assert int(headers["content-length"]) == len(body)
            assert gzip.decompress(body) == expected


async def test_a_streamed_answer_is_gzipped_part_by_part() -> None:
    async with AsyncTestClient(app=_app_with([streamed_body])) as client:
        headers, body = await raw_get(client, "/streamed", GZIP)
        assert headers["content-encoding"] == "gzip"
        assert "content-length" not in headers
        expected = "".join(f"part {number} of a streamed answer\n" for number in range(50)).encode()
        assert gzip.decompress(body) == expected


def test_a_window_sized_to_the_body_gives_the_same_bytes_as_the_largest() -> None:
    # What `gzip_whole` relies on: for a body no longer than the window, a smaller window changes nothing.
    # A block repeated 2,000 bytes later: only a window of at least 2 KB finds the repeat.
    rng = random.Random(5)
    block = bytes(rng.randrange(32, 127) for _ in range(2000))
    page = block + block
    largest = zlib.compressobj(6, zlib.DEFLATED, 31)
    assert gzip_whole(page, 6) == largest.compress(page) + largest.flush()


async def test_a_file_is_gzipped_as_small_as_gzip_goes_and_afresh_when_it_changes(tmp_path: Path) -> None:
    sheet = tmp_path / "site.css"
    first = (Path(__file__).parents[2] / "README.md").read_bytes()  # real text, as a stylesheet is
    sheet.write_bytes(first)
    app = _app_with([create_static_files_router(path="/static", directories=[tmp_path])])
    async with AsyncTestClient(app=app) as client:
        headers, body = await raw_get(client, "/static/site.css", GZIP)
        assert headers["content-encoding"] == "gzip"
        assert "etag" in headers
        assert gzip.decompress(body) == first
        assert body == gzip_whole(first, FILE_GZIP_LEVEL)
        assert len(body) < len(gzip_whole(first, GZIP_LEVEL))  # smaller than a page's level would make it
        assert (await raw_get(client, "/static/site.css", GZIP))[1] == body

        changed = first.replace(b"Hearby", b"HEARBY")  # a new release, just as long: only its ETag differs
        sheet.write_bytes(changed)
        os.utime(sheet, (1_900_000_000, 1_900_000_000))
        new_headers, new_body = await raw_get(client, "/static/site.css", GZIP)
        assert new_headers["etag"] != headers["etag"]
        assert gzip.decompress(new_body) == changed
