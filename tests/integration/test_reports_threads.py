"""A rumour thread's page shows how the thread spread: reports per day (per week for a long thread) by area, as
a chart drawn with CSS and as a table. Reports made on known dates give the figures written below by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from babel.dates import format_date
from bs4 import BeautifulSoup, Tag
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.reports.tables import Report, RumourThread
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, sign_in

Client = AsyncTestClient[Litestar]
COWLEY, PARKS, LEYS = "E58002068", "E58002094", "E58002090"
ABINGDON_EAST, ABINGDON_NORTH = "E58002040", "E58002041"
OXFORD, VALE = "E07000178", "E07000180"
DISTRICT_OF = {COWLEY: OXFORD, PARKS: OXFORD, LEYS: OXFORD, ABINGDON_EAST: VALE, ABINGDON_NORTH: VALE}
_numbers = itertools.count(1)


async def _thread(title: str) -> int:
    rows = await RumourThread.insert(RumourThread(title=title)).returning(RumourThread.id)
    return int(rows[0]["id"])


async def _report(thread_id: int | None, when: datetime, division: str = "", district: str = "") -> None:
    number = next(_numbers)
    await Report.insert(
        Report(
            reference=f"TR-T{number:05d}",
            token_hash=f"thread-test-{number}",
            category="rumour",
            district_code=district or DISTRICT_OF.get(division, ""),
            division_code=division,
            description="A claim going round.",
            thread_id=thread_id,
            week_start=when.date(),
            created_at=when,
            updated_at=when,
        )
    )


def _utc(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _text(element: Tag) -> str:
    return " ".join(element.get_text().split())


def _table(html: str) -> tuple[list[str], list[list[str]]]:
    """The spread table: its column headings, and each row's cells as text."""
    table = BeautifulSoup(html, "html.parser").find("table", id="spread-table")
    assert isinstance(table, Tag)
    head = [_text(cell) for cell in table.select("thead th")]
    rows = [[_text(cell) for cell in row.find_all(["th", "td"])] for row in table.select("tbody tr")]
    return head, rows


def _bars(html: str) -> list[list[tuple[str, str]]]:
    """The chart: for each day or week, its segments as (series, width class)."""
    chart = BeautifulSoup(html, "html.parser").find("ol", class_="hb-spread__chart")
    assert isinstance(chart, Tag)
    assert chart.get("aria-hidden") == "true"  # the summary and the table say it to assistive technology
    bars = []
    for row in chart.find_all("li"):
        segments = []
        for segment in row.select(".hb-spread__segment"):
            classes = segment["class"]
            series = next(name.rsplit("--", 1)[1] for name in classes if name.startswith("hb-spread__segment--"))
            width = next(name for name in classes if name.startswith("hb-w-"))
            segments.append((series, width))
        bars.append(segments)
    return bars


def _day(value: date) -> str:
    return format_date(value, "medium", locale="en_GB")


async def test_a_short_thread_is_counted_per_day_by_area_in_london_time(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    thread = await _thread("Claim that the library will close")
    other = await _thread("Another claim")
    may = [date(2026, 5, day) for day in range(4, 8)]  # Monday 4 May to Thursday 7 May 2026 (summer time)
    await _report(thread, _utc(may[0], 9), COWLEY)
    await _report(thread, _utc(may[0], 23, 30), PARKS)  # 00:30 on 5 May in London: 5 May's
    await _report(thread, _utc(may[1], 12), COWLEY)
    await _report(thread, _utc(may[1], 13), COWLEY)
    await _report(thread, _utc(may[3], 9), district=OXFORD)  # only the district is known
    await _report(thread, _utc(may[3], 10), PARKS)
    await _report(other, _utc(may[2], 12), LEYS)  # another thread's: not counted
    await _report(None, _utc(may[2], 12), COWLEY)  # in no thread: not counted
    await sign_in(client, await people(Role.OFFICER), clock)

    page = await client.get(f"/desk/threads/{thread}")
    assert page.status_code == 200
    check_page(page.text, "en")
    head, rows = _table(page.text)
    assert head == ["Day", "Cowley", "Parks", "Oxford", "Reports", "Reports so far"]
    assert rows == [
        [_day(may[0]), "1", "0", "0", "1", "1"],
        [_day(may[1]), "2", "1", "0", "3", "4"],
        [_day(may[2]), "0", "0", "0", "0", "4"],  # a day without reports keeps its place
        [_day(may[3]), "0", "1", "1", "2", "6"],
    ]
    # The busiest day (3) fills the chart's width; the others in proportion, in whole per cents.
    assert _bars(page.text) == [
        [("1", "hb-w-33")],
        [("1", "hb-w-67"), ("2", "hb-w-33")],
        [],
        [("2", "hb-w-34"), ("3", "hb-w-33")],
    ]
    summary = BeautifulSoup(page.text, "html.parser").find(id="spread-summary")
    assert summary is not None
    text = " ".join(summary.get_text().split())
    assert text == (
        f"6 reports between {_day(may[0])} and {_day(may[3])}. The busiest day was {_day(may[1])}, with 3 reports. "
        "The table below has the figures."
    )
    legend = [_text(item) for item in BeautifulSoup(page.text, "html.parser").select(".hb-spread__key")]
    assert legend == ["Cowley (3)", "Parks (2)", "Oxford (1)"]


async def test_a_long_thread_is_counted_per_week_and_small_areas_together(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    thread = await _thread("Claim that the buses will stop")
    for day, division in (
        (date(2026, 3, 3), COWLEY),
        (date(2026, 3, 4), COWLEY),
        (date(2026, 3, 6), PARKS),
        # nothing in the week of 9 March
        (date(2026, 3, 16), LEYS),
        (date(2026, 3, 18), ABINGDON_EAST),
        (date(2026, 3, 22), ""),  # a Sunday; no area known
        (date(2026, 3, 24), COWLEY),
        (date(2026, 3, 25), PARKS),
        (date(2026, 3, 29), PARKS),  # the Sunday the clocks go forward
        (date(2026, 3, 30), ABINGDON_EAST),
        (date(2026, 4, 1), LEYS),
        (date(2026, 4, 2), ABINGDON_NORTH),
        (date(2026, 4, 8), COWLEY),
    ):
        await _report(thread, _utc(day), division)
    await sign_in(client, await people(Role.OFFICER), clock)

    page = await client.get(f"/desk/threads/{thread}")
    assert page.status_code == 200
    check_page(page.text, "en")
    head, rows = _table(page.text)
    # Six areas: the four with most reports (ties by code) have a column each; the other two share one.
    assert head == ["Week", "Cowley", "Parks", "Abingdon East", "Leys", "Other areas", "Reports", "Reports so far"]
    mondays = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)]
    mondays.append(date(2026, 4, 6))
    assert rows == [
        [f"Week of {_day(mondays[0])}", "2", "1", "0", "0", "0", "3", "3"],
        [f"Week of {_day(mondays[1])}", "0", "0", "0", "0", "0", "0", "3"],
        [f"Week of {_day(mondays[2])}", "0", "0", "1", "1", "1", "3", "6"],
        [f"Week of {_day(mondays[3])}", "1", "2", "0", "0", "0", "3", "9"],
        [f"Week of {_day(mondays[4])}", "0", "0", "1", "1", "1", "3", "12"],
        [f"Week of {_day(mondays[5])}", "1", "0", "0", "0", "0", "1", "13"],
    ]
    assert _bars(page.text) == [
        [("1", "hb-w-67"), ("2", "hb-w-33")],
        [],
        [("3", "hb-w-34"), ("4", "hb-w-33"), ("other", "hb-w-33")],
        [("1", "hb-w-33"), ("2", "hb-w-67")],
        [("3", "hb-w-34"), ("4", "hb-w-33"), ("other", "hb-w-33")],
        [("1", "hb-w-33")],
    ]
    summary = BeautifulSoup(page.text, "html.parser").find(id="spread-summary")
    assert isinstance(summary, Tag)
    assert f"The busiest week was the week of {_day(mondays[0])}, with 3 reports." in _text(summary)


async def test_a_thread_without_reports_says_so_and_the_page_is_right_to_left_in_urdu(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    empty = await _thread("A claim nobody has reported yet")
    thread = await _thread("دعویٰ")
    await _report(thread, _utc(date(2026, 5, 4)), COWLEY)
    await sign_in(client, await people(Role.OFFICER), clock)
    page = await client.get(f"/desk/threads/{empty}")
    assert "No reports are linked to this thread yet." in page.text
    assert 'id="spread-table"' not in page.text
    await client.get("/language/ur", follow_redirects=False)
    in_urdu = await client.get(f"/desk/threads/{thread}")
    check_page(in_urdu.text, "ur")
    head, rows = _table(in_urdu.text)
    assert head[1] == "Cowley"
    assert rows[0][1:] == ["1", "1", "1"]
    assert "Reports so far" not in in_urdu.text  # translated
    assert "اب تک کی رپورٹس" in in_urdu.text
