"""Insight: officers' aggregates and early warnings; members see suppressed counts and never text; CSV."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.reports.services import week_start
from backend.reports.tables import MemberDivision, Report
from tests.support.people import PeopleFactory, sign_in
from tests.support.reports import COWLEY, PARKS

TEXT = "A private account nobody else should read"


async def _reports(
    clock: SettableClock, division: str, count: int, *, weeks_ago: int = 0, category: str = "rumour"
) -> None:
    when = clock.now() - timedelta(weeks=weeks_ago)
    for n in range(count):
        await Report.insert(
            Report(
                reference=f"T{division[-3:]}{weeks_ago:02d}{n:03d}{category[:2]}",
                token_hash=f"{division}-{weeks_ago}-{n}-{category}",
                category=category,
                district_code="E07000178",
                division_code=division,
                description=TEXT,
                week_start=week_start(when, "Europe/London"),
                created_at=when,
            )
        )


async def test_officers_see_an_early_warning_with_its_drivers(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    for weeks_ago in range(1, 9):
        await _reports(clock, PARKS, 1, weeks_ago=weeks_ago)  # baseline mean 1.0: the 99% bound is 4
    await _reports(clock, PARKS, 3, category="protest")
    await _reports(clock, PARKS, 2, category="flags_symbols")  # 5 this week > 4
    await _reports(clock, COWLEY, 2)  # quiet division, 2 reports: bound 2, not flagged
    await sign_in(client, await people(Role.OFFICER), clock)
    page = await client.get("/insight/reports")
    assert page.status_code == 200
    warnings = page.text.split('id="warnings"')[1].split("</table>")[0]
    assert "Parks" in warnings
    assert "Cowley" not in warnings
    assert "A protest or gathering causing worry (3)" in warnings
    assert "<svg" in page.text  # the city map, drawn on the server
    assert TEXT not in page.text


async def test_members_see_their_division_and_the_county_with_small_counts_suppressed(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    await _reports(clock, PARKS, 6)
    await _reports(clock, PARKS, 2, category="protest")
    await _reports(clock, COWLEY, 3)
    member = await people(Role.MEMBER)
    await MemberDivision.insert(MemberDivision(user_id=member.id, division_code=PARKS))
    await sign_in(client, member, clock)
    page = await client.get("/insight/members")
    assert page.status_code == 200
    assert TEXT not in page.text
    county = page.text.split('id="county-categories"')[1].split("</table>")[0]
    assert 'A rumour or misinformation</th><td class="govuk-table__cell">9<' in county  # 6 + 3
    assert 'A protest or gathering causing worry</th><td class="govuk-table__cell">not shown<' in county
    own = page.text.split('id="own-categories"')[1].split("</table>")[0]
    assert 'A rumour or misinformation</th><td class="govuk-table__cell">6<' in own
    assert 'A protest or gathering causing worry</th><td class="govuk-table__cell">not shown<' in own
    assert "Cowley" not in page.text  # another member's division is never shown
    csv = await client.get("/insight/members/export.csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert "Oxfordshire,A rumour or misinformation,9" in lines
    assert "Oxfordshire,A protest or gathering causing worry,not shown" in lines
    assert "Parks,A rumour or misinformation,6" in lines
    assert TEXT not in csv.text


async def test_a_hidden_count_cannot_be_worked_out_from_the_total(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    """Every report in one category and one district: showing the total and that category would tell a member
    that every other category and district had none (total minus shown = 0). Worked by hand: the other cells
    are all 0, so the 7 must be hidden either in the total or in its one category (and district)."""
    await _reports(clock, PARKS, 7)  # 7 rumours, all in Oxford (PARKS is an Oxford division)
    member = await people(Role.MEMBER)
    await MemberDivision.insert(MemberDivision(user_id=member.id, division_code=PARKS))
    await sign_in(client, member, clock)
    soup = BeautifulSoup((await client.get("/insight/members")).text, "html.parser")

    def figures(selector: str) -> list[str]:
        return [cell.get_text(strip=True) for cell in soup.select(f"{selector} td")]

    def total(selector: str) -> str:
        return soup.select_one(selector).get_text().rsplit(":", 1)[1].strip()

    assert "7" not in figures("#county-categories") or total("#county-total") != "7"
    assert "7" not in figures("#county-districts") or total("#county-total") != "7"
    assert "7" not in figures("#own-categories") or total("#own-total") != "7"
    assert set(figures("#county-categories")) | set(figures("#county-districts")) <= {"7", "not shown"}


async def test_an_admin_sets_a_members_division(
    client: AsyncTestClient[Litestar], people: PeopleFactory, clock: SettableClock
) -> None:
    from tests.support.people import post_form

    member = await people(Role.MEMBER)
    await sign_in(client, await people(Role.ADMIN), clock)
    wrong = await post_form(
        client,
        "/insight/member-divisions",
        {"email": "nobody@example.org", "division": PARKS},
        token_from="/insight/members",
    )
    assert wrong.status_code == 400
    assert "No member has that email address" in wrong.text
    done = await post_form(
        client, "/insight/member-divisions", {"email": member.email, "division": PARKS}, token_from="/insight/members"
    )
    assert done.status_code == 303
    assert await MemberDivision.select(MemberDivision.division_code).where(MemberDivision.user_id == member.id) == [
        {"division_code": PARKS}
    ]
