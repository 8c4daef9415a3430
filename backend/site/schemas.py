"""Shapes the site shell returns from its API."""

from __future__ import annotations

import msgspec


class Ping(msgspec.Struct):
    """The smallest possible answer (used for load tests and uptime checks)."""

    ping: str


class Health(msgspec.Struct):
    """Whether the service and its database answer."""

    status: str
    database: str
