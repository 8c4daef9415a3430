"""Series dates, bit sets and local date parsing of the events domain (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.events.schedule import parse_local, parse_local_date, schedule
from backend.events.schemas import ACCESSIBILITY, LANGUAGES, EventIn, codes_of, mask_of
from backend.events.validation import material_diff

LONDON = ZoneInfo("Europe/London")


def test_weekly_series_keeps_the_local_time_across_the_clock_change() -> None:
    starts = datetime(2026, 10, 14, 17, 30, tzinfo=UTC)  # 18:30 BST
    until = datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
    dates = schedule(starts, starts.replace(hour=19), "weekly", until, zone=LONDON, limit=52)
    assert [start.astimezone(LONDON).strftime("%d %H:%M") for start, _ in dates] == [
        "14 18:30",
        "21 18:30",
        "28 18:30",
        "04 18:30",
    ]
    assert all(end - start == dates[0][1] - dates[0][0] for start, end in dates)


def test_monthly_series_clamps_to_the_end_of_short_months_and_stops_past_the_limit() -> None:
    starts = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    dates = schedule(
        starts, starts.replace(hour=11), "monthly", datetime(2027, 4, 30, tzinfo=UTC), zone=LONDON, limit=52
    )
    assert [start.astimezone(LONDON).date().isoformat() for start, _ in dates] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
    ]
    many = schedule(starts, starts.replace(hour=11), "weekly", datetime(2030, 1, 1, tzinfo=UTC), zone=LONDON, limit=52)
    assert len(many) == 53  # one more than allowed, so the caller can refuse


def test_bit_sets_round_trip_and_ignore_unknown_codes() -> None:
    mask = mask_of(["step_free", "bsl", "nonsense"], ACCESSIBILITY)
    assert codes_of(mask, ACCESSIBILITY) == ["step_free", "bsl"]
    assert len({choice.bit for choice in LANGUAGES}) == len(LANGUAGES)


def test_local_dates_are_read_in_london_time() -> None:
    assert parse_local("2026-07-01T18:30", LONDON) == datetime(2026, 7, 1, 17, 30, tzinfo=UTC)
    assert parse_local("01/12/2026 18:30", LONDON) == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    assert parse_local("next tuesday", LONDON) is None
    until = parse_local_date("2026-12-31", LONDON)
    assert until is not None
    assert until.astimezone(LONDON).date().isoformat() == "2026-12-31"


def test_material_diff_names_only_what_changed() -> None:
    starts = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    before = EventIn(
        organisation_id=1,
        title="Lunch",
        description="Hot food",
        category="community-meal",
        starts_at=starts,
        ends_at=starts.replace(hour=19),
        postcode="OX4 1AA",
        venue_name="Hall",
        capacity=20,
    )
    after = EventIn(
        organisation_id=1,
        title="Lunch",
        description="Hot food",
        category="community-meal",
        starts_at=starts,
        ends_at=starts.replace(hour=19),
        postcode="OX4 1AA",
        venue_name="Hall",
        capacity=30,
        accessibility=["bsl"],
    )
    assert material_diff(before, after, LONDON) == {"capacity": ["20", "30"]}
