"""The early-warning computation on constructed data, with answers worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

from backend.reports.insight_controllers import protected_breakdown
from backend.reports.warning import early_warnings, poisson_upper_bound

THIS_WEEK = date(2026, 11, 30)  # a Monday


def week(n: int) -> date:
    """n weeks before this one."""
    return THIS_WEEK - timedelta(weeks=n)


def test_poisson_upper_bounds_match_the_tables() -> None:
    # Poisson(2): P(X<=5) = 0.9834, P(X<=6) = 0.9955 -> the 99% bound is 6.
    assert poisson_upper_bound(2.0) == 6
    # Poisson(0.25): P(X<=1) = 0.9735, P(X<=2) = 0.9978 -> 2.
    assert poisson_upper_bound(0.25) == 2
    # Poisson(5): P(X<=10) = 0.9863, P(X<=11) = 0.9945 -> 11.
    assert poisson_upper_bound(5.0) == 11


def test_a_division_above_its_own_baseline_is_flagged_with_its_drivers() -> None:
    baseline = [2, 1, 3, 2, 2, 1, 3, 2]  # weeks 1..8 before: 16 reports, mean 2.0, bound 6
    rows = [("E58000001", week(n + 1), "rumour", count) for n, count in enumerate(baseline)]
    rows += [("E58000001", THIS_WEEK, "rumour", 4), ("E58000001", THIS_WEEK, "protest", 3)]  # 7 > 6
    # Another division at exactly its bound is not flagged: mean 2.0 (16 over 8 weeks), this week 6.
    rows += [("E58000002", week(n + 1), "rumour", count) for n, count in enumerate(baseline)]
    rows += [("E58000002", THIS_WEEK, "rumour", 6)]
    # A week older than the baseline window is ignored: 40 nine weeks ago does not raise the baseline.
    rows += [("E58000001", week(9), "rumour", 40)]
    warnings = early_warnings(rows, THIS_WEEK)
    assert [(w.division_code, w.count, w.baseline_mean, w.upper_bound) for w in warnings] == [("E58000001", 7, 2.0, 6)]
    assert warnings[0].categories == (("rumour", 4), ("protest", 3))


def test_a_quiet_division_is_flagged_from_three_reports() -> None:
    assert early_warnings([("E58000003", THIS_WEEK, "flags_symbols", 2)], THIS_WEEK) == []
    flagged = early_warnings([("E58000003", THIS_WEEK, "flags_symbols", 3)], THIS_WEEK)
    assert [(w.division_code, w.upper_bound) for w in flagged] == [("E58000003", 2)]


def test_a_breakdown_hides_small_counts_and_what_would_give_them_away() -> None:
    # Worked by hand. 12 and 9 shown with the total 25: the two hidden cells add up to 4, so neither is known.
    shown, total = protected_breakdown({"a": 12, "b": 9, "c": 3, "d": 1}, ["a", "b", "c", "d"], 25)
    assert (shown, total) == ({"a": 12, "b": 9, "c": None, "d": None}, 25)
    # One small count alone beside the total would be the total minus the rest: another cell is hidden with it.
    shown, total = protected_breakdown({"a": 12, "b": 9, "c": 3}, ["a", "b", "c"], 24)
    assert shown["c"] is None
    assert total is None or list(shown.values()).count(None) >= 2
    # Reports outside every key (no district recorded) are never shown, and count towards the total.
    shown, total = protected_breakdown({"a": 12}, ["a", "b"], 20)
    assert shown["b"] is None
