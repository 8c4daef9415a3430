"""Gzip only for responses worth it, and no compressor made for those that are not.

Litestar's compression middleware builds a gzip writer (a zlib stream and its buffers) for every request that
accepts gzip, before it knows the response; most answers (redirects, JSON, `ping`, small fragments) are
under the minimum size and are then sent as they are. This subclass holds the response's start until the
first body part: a whole body under the minimum goes out untouched, and only a larger or streamed one is
handed to Litestar's own wrapper, which compresses it exactly as before.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from litestar.enums import CompressionEncoding
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send


class LazyCompressionMiddleware(CompressionMiddleware):
    """Litestar's compression, with the compressor made only for a body it will compress."""

    def create_compression_send_wrapper(
        self,
        send: Send,
        compression_encoding: Literal[CompressionEncoding.BROTLI, CompressionEncoding.GZIP] | str,
        scope: Scope,
    ) -> Send:
        """Send small whole bodies straight on; pass anything else to the compressing wrapper."""
        start: dict[str, Any] = {}
        compressing: list[Send] = []

        async def send_wrapper(message: Message) -> None:
            if compressing:
                await compressing[0](message)
                return
            if message["type"] == "http.response.start":
                start["message"] = message
                return
            whole = message["type"] == "http.response.body" and not message.get("more_body", False)
            body = cast("bytes", message.get("body", b"")) if whole else b""
            if "message" in start and whole and len(body) < self.config.minimum_size:
                await send(start["message"])
                await send(message)
                return
            compressing.append(
                super(LazyCompressionMiddleware, self).create_compression_send_wrapper(
                    send, compression_encoding, scope
                )
            )
            if "message" in start:
                await compressing[0](start["message"])
            await compressing[0](message)

        return send_wrapper
