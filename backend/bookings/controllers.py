"""Routes of the bookings domain."""

from __future__ import annotations

from typing import Any

from litestar.di import Provide

ROUTE_HANDLERS: list[Any] = []
DEPENDENCIES: dict[str, Provide] = {}
