"""The `Idempotency-Key` request header, one rule for every API that takes one (bookings, reports, answers,
exchange requests): each API only says what a retry gets back."""

from __future__ import annotations

from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter, ParameterKwarg

KEY_MIN = 16  # a client's key must be hard to guess: a replay answers what the first request made
KEY_MAX = 200
KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"
KEY_RULE = f"{KEY_MIN} to {KEY_MAX} characters from `A-Z a-z 0-9 _ . : -`; a UUID will do"


def idempotency_key_header(description: str) -> ParameterKwarg:
    """The header's declaration, with what a retry gets (`description`) for the OpenAPI schema."""
    return HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=KEY_MIN,
        max_length=KEY_MAX,
        pattern=KEY_PATTERN,
        # A header is a string or absent (never JSON null): say so, or fuzzers send "null" as a valid key.
        schema_extra={"type": OpenAPIType.STRING, "one_of": None},
        description=description,
    )
