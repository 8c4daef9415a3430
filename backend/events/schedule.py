"""Dates of an event: a series' dates from its rule, and local times typed in forms and shown in inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from backend.core.clock import Clock


def aware(value: datetime) -> datetime:
    """A datetime with a time zone (naive values from the database are UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _local_rule(recurrence: str, local_start: datetime, last: datetime) -> rrule:
    """The RFC 5545 rule of a series, on naive local times (so 18:30 stays 18:30 across clock changes).

    Monthly on a day some months lack (29th-31st) falls on the month's last day instead, as
    `FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1` says for the 31st: the last of those days the month has.
    """
    if recurrence == "weekly":
        return rrule(WEEKLY, dtstart=local_start, until=last)
    if recurrence == "fortnightly":
        return rrule(WEEKLY, interval=2, dtstart=local_start, until=last)
    day = local_start.day
    return rrule(MONTHLY, dtstart=local_start, until=last, bymonthday=tuple(range(min(day, 28), day + 1)), bysetpos=-1)


def schedule(
    starts_at: datetime, ends_at: datetime, recurrence: str, until: datetime | None, *, zone: ZoneInfo, limit: int
) -> list[tuple[datetime, datetime]]:
    """The dates of a series, in UTC: the same local time each week, fortnight or month, until a date.

    Local wall-clock time is kept across clock changes (18:30 stays 18:30 in summer and winter).
    Returns at most `limit + 1` dates, so a caller can tell that a series is too long.
    """
    duration = ends_at - starts_at
    first = aware(starts_at).astimezone(UTC)
    if recurrence == "none" or until is None:
        return [(first, first + duration)]
    local_start = first.astimezone(zone).replace(tzinfo=None)
    last = datetime.combine(aware(until).astimezone(zone).date(), time.max)
    dates = []
    for local in islice(_local_rule(recurrence, local_start, last), limit + 1):
        # rrule drops microseconds; the first date is the start exactly, and every other at its time of day.
        start = local.replace(microsecond=local_start.microsecond, tzinfo=zone).astimezone(UTC)
        dates.append((start, start + duration))
    return dates


def parse_local(text: str, zone: ZoneInfo) -> datetime | None:
    """A date and time typed in local time (`2026-12-01T18:30`, `2026-12-01 18:30`, `01/12/2026 18:30`)."""
    text = " ".join(text.replace("T", " ").split())
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    return None


def parse_local_date(text: str, zone: ZoneInfo) -> datetime | None:
    """A date typed as `2026-12-31` or `31/12/2026`: the end of that day, local time, in UTC."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return datetime.combine(day, time(23, 59), tzinfo=zone).astimezone(UTC)
    return None


def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    """A datetime as a `datetime-local` input value in local time."""
    return aware(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""


def local_date_input(value: datetime | None, zone: ZoneInfo) -> str:
    """A datetime's local date as a `date` input value."""
    return aware(value).astimezone(zone).date().isoformat() if value else ""


def today(clock: Clock, zone: ZoneInfo) -> date:
    """Today's date in local time."""
    return clock.now().astimezone(zone).date()
