"""The early-warning computation: a division whose count this week is above what its own recent past explains.

Pure functions (no database), unit-tested on constructed data. For each division the baseline is the mean
weekly count over the eight weeks before this one; the upper bound is the 99th percentile of a Poisson
distribution with that mean (the smallest k with P(X <= k) >= 0.99). A division is flagged when this
week's count is above the bound. A division with no reports in its baseline gets a floor mean of 0.25 (so
one or two reports somewhere quiet is not an alarm, three is).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

BASELINE_WEEKS = 8
CONFIDENCE = 0.99
FLOOR_MEAN = 0.25


def poisson_upper_bound(mean: float, confidence: float = CONFIDENCE) -> int:
    """The smallest k with P(X <= k) >= confidence, for X ~ Poisson(mean)."""
    term = math.exp(-mean)
    cumulative = term
    k = 0
    while cumulative < confidence:
        k += 1
        term *= mean / k
        cumulative += term
    return k


@dataclass(frozen=True)
class DivisionWarning:
    """A division above its bound this week, and the categories that drive it (most reports first)."""

    division_code: str
    count: int
    baseline_mean: float
    upper_bound: int
    categories: tuple[tuple[str, int], ...]


def early_warnings(
    rows: Iterable[tuple[str, date, str, int]], this_week: date, *, weeks: int = BASELINE_WEEKS
) -> list[DivisionWarning]:
    """Divisions flagged this week. `rows`: (division code, week start, category, count), any weeks.

    Only divisions with at least one report this week can be flagged; weeks without reports count as 0.
    """
    first = this_week - timedelta(weeks=weeks)
    baseline: dict[str, int] = {}
    current: dict[str, dict[str, int]] = {}
    for division, week, category, count in rows:
        if not division:
            continue
        if week == this_week:
            by_category = current.setdefault(division, {})
            by_category[category] = by_category.get(category, 0) + count
        elif first <= week < this_week:
            baseline[division] = baseline.get(division, 0) + count
    flagged = []
    for division, by_category in current.items():
        total = sum(by_category.values())
        mean = max(baseline.get(division, 0) / weeks, FLOOR_MEAN)
        bound = poisson_upper_bound(mean)
        if total > bound:
            drivers = tuple(sorted(by_category.items(), key=lambda item: (-item[1], item[0])))
            flagged.append(DivisionWarning(division, total, round(mean, 3), bound, drivers))
    return sorted(flagged, key=lambda item: (-(item.count - item.upper_bound), item.division_code))
