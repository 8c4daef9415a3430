"""How a rumour thread spread: its reports counted per day (per week for a thread longer than four weeks) and
by area, for the chart and the table on the officers' thread page. Pure functions, no database.

Days and weeks are the council's (Europe/London): a report made at 00:30 on a summer Tuesday in London is
Tuesday's, though it is still Monday in UTC. Every day (or week) from the first report to the last has a
row, with zeros, so a gap in the spread shows as a gap. The areas with most reports get a series each; when
there are more than five, the four with most keep theirs and the rest are counted together (`OTHER`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

DAY_SPAN_LIMIT = 28  # a thread spanning more days than this is counted by week
MOST_SERIES = 5  # at most this many series: named areas, then OTHER for the rest
OTHER = "*"  # the series of every area without one of its own
UNKNOWN = ""  # a report without an area


@dataclass(frozen=True)
class SpreadRow:
    """One day or week: its reports by series, in all, and so far (this one included)."""

    start: date
    counts: tuple[int, ...]
    total: int
    running: int
    widths: tuple[int, ...]  # each series' bar, in whole per cent of the chart's width (the busiest row: 100)


@dataclass(frozen=True)
class Spread:
    """A thread's reports over time and area."""

    unit: Literal["day", "week"]
    series: tuple[str, ...]  # area codes (UNKNOWN: no area; OTHER: the rest), most reports first
    series_totals: tuple[int, ...]
    rows: tuple[SpreadRow, ...]
    total: int
    peak: int  # the most reports in one day (or week)
    busiest: date | None  # the first day (or week) with that many

    @property
    def first(self) -> date | None:
        """The first day (or week) of the thread."""
        return self.rows[0].start if self.rows else None

    @property
    def last(self) -> date | None:
        """The last day (or week) of the thread."""
        return self.rows[-1].start if self.rows else None


def thread_spread(reports: Iterable[tuple[datetime, str]], zone: str) -> Spread:
    """The spread of reports given as (when made, area code), in the time zone `zone`."""
    tz = ZoneInfo(zone)
    made = [(when.astimezone(tz).date(), area) for when, area in reports]
    if not made:
        return Spread("day", (), (), (), 0, 0, None)
    first, last = min(day for day, _ in made), max(day for day, _ in made)
    unit: Literal["day", "week"] = "day" if (last - first).days < DAY_SPAN_LIMIT else "week"
    step = timedelta(days=1 if unit == "day" else 7)

    def period(day: date) -> date:
        return day if unit == "day" else day - timedelta(days=day.weekday())

    by_area = Counter(area for _, area in made)
    ranked = sorted(by_area, key=lambda area: (-by_area[area], area == UNKNOWN, area))
    named = ranked if len(ranked) <= MOST_SERIES else ranked[: MOST_SERIES - 1]
    series = tuple(named) + ((OTHER,) if len(named) < len(ranked) else ())
    index = {area: position for position, area in enumerate(named)}
    counts: dict[date, list[int]] = {}
    for day, area in made:
        counts.setdefault(period(day), [0] * len(series))[index.get(area, len(series) - 1)] += 1
    starts = []
    start = period(first)
    while start <= period(last):
        starts.append(start)
        start += step
    peak = max(sum(values) for values in counts.values())
    rows, running = [], 0
    for start in starts:
        values = tuple(counts.get(start, [0] * len(series)))
        running += sum(values)
        rows.append(SpreadRow(start, values, sum(values), running, bar_widths(values, peak)))
    busiest = next(row.start for row in rows if row.total == peak)
    totals = tuple(sum(row.counts[position] for row in rows) for position in range(len(series)))
    return Spread(unit, series, totals, tuple(rows), len(made), peak, busiest)


def bar_widths(values: tuple[int, ...], peak: int) -> tuple[int, ...]:
    """Whole per cents of the chart's width for each value (the busiest row fills it), adding up to the row's
    own share: the largest remainders are rounded up, so rounding never makes a bar longer or shorter."""
    if peak <= 0:
        return tuple(0 for _ in values)
    exact = [value * 100 / peak for value in values]
    widths = [int(share) for share in exact]
    target = round(sum(values) * 100 / peak)
    by_remainder = sorted(range(len(values)), key=lambda position: exact[position] - widths[position], reverse=True)
    for position in by_remainder[: max(0, target - sum(widths))]:
        widths[position] += 1
    return tuple(widths)
