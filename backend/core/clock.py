"""The clock, behind an interface: production reads the system time; tests move a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time (always timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current time in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class SettableClock:
    """A clock that stands still until moved (tests of expiry and timeouts)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def now(self) -> datetime:
        """The time the clock was set to."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. `advance(minutes=31)`."""
        self.current += timedelta(**delta)
