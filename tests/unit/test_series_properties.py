"""Properties of a series' dates (`backend.events.schedule.schedule`), for any start, rule and last date.

The expected answers are stated here from the rule as residents read it ("every Tuesday at 18:30", "on the
31st of each month, or its last day"), not from the code: the same local time every time, a week, two
weeks or a month apart, never after the last date, never more than the limit plus one.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.events.schedule import schedule

LONDON = ZoneInfo("Europe/London")

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(LONDON)
).filter(lambda moment: 6 <= moment.hour <= 22)  # clear of the night hours a clock change skips or repeats
lengths = st.timedeltas(min_value=timedelta(minutes=15), max_value=timedelta(hours=8))
spans = st.integers(min_value=0, max_value=800)
limits = st.integers(min_value=1, max_value=60)


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


@settings(max_examples=300, deadline=None)
@given(
    start=starts,
    length=lengths,
    rule=st.sampled_from(["weekly", "fortnightly", "monthly"]),
    span=spans,
    limit=limits,
)
def test_every_date_keeps_the_local_time_the_length_and_the_rhythm(
    start: datetime, length: timedelta, rule: str, span: int, limit: int
) -> None:
    until = datetime.combine(start.date() + timedelta(days=span), time(12), tzinfo=LONDON)
    dates = schedule(start, start + length, rule, until, zone=LONDON, limit=limit)

    assert dates[0][0] == start.astimezone(UTC)
    assert 1 <= len(dates) <= limit + 1
    for begins, ends in dates:
        assert begins.tzinfo == UTC
        assert ends - begins == length
        assert (local(begins).hour, local(begins).minute) == (start.hour, start.minute)
        assert local(begins).date() <= until.date()
    days = [local(begins).date() for begins, _ in dates]
    assert days == sorted(set(days))
    for earlier, later in itertools.pairwise(days):
        if rule == "weekly":
            assert (later - earlier).days == 7
        elif rule == "fortnightly":
            assert (later - earlier).days == 14
        else:
            assert months_between(earlier, later) == 1
    if rule == "monthly":
        for day in days:
            assert day.day == min(start.day, calendar.monthrange(day.year, day.month)[1])


@settings(max_examples=200, deadline=None)
@given(start=starts, rule=st.sampled_from(["weekly", "fortnightly", "monthly"]), span=spans)
def test_a_series_stops_only_at_its_last_date_or_its_limit(start: datetime, rule: str, span: int) -> None:
    until = datetime.combine(start.date() + timedelta(days=span), time(23, 59), tzinfo=LONDON)
    limit = 60
    dates = schedule(start, start + timedelta(hours=1), rule, until, zone=LONDON, limit=limit)
    if len(dates) <= limit:  # not cut short by the limit: the next date would fall after the last one
        last = local(dates[-1][0]).date()
        step = {"weekly": timedelta(days=7), "fortnightly": timedelta(days=14)}.get(rule)
        if step is not None:
            assert last + step > until.date()
        else:
            year, month = last.year + last.month // 12, last.month % 12 + 1
            following = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
            assert following > until.date()


def test_a_date_without_a_rule_is_one_date() -> None:
    begins = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    assert schedule(begins, begins + timedelta(hours=1), "none", None, zone=LONDON, limit=5) == [
        (begins, begins + timedelta(hours=1))
    ]
