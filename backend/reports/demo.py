"""Demo tension reports (never loaded in production): a few weeks of reports across the county, a spike in one
Oxford division so the early-warning list has something to show, and the demo member's division."""

from __future__ import annotations

from datetime import timedelta

from backend.accounts.demo import demo_service
from backend.core.clock import Clock
from backend.reports.services import digest, week_start
from backend.reports.tables import MemberDivision, Report, RumourThread
from backend.settings import Settings

BARTLEMAS = "E58002050"
COWLEY = "E58002068"
LEYS = "E58002090"
PARKS = "E58002094"
ABINGDON_EAST = "E58002040"
OXFORD = "E07000178"
VALE = "E07000180"
# (division, district, category, weeks ago, how many, what happened)
DEMO_REPORTS = (
    (COWLEY, OXFORD, "rumour", 0, 4, "People say the community centre will close to make room for a hostel."),
    (COWLEY, OXFORD, "flags_symbols", 0, 2, "Stickers telling people to leave have appeared on bus shelters."),
    (COWLEY, OXFORD, "rumour", 2, 1, "A post claims new arrivals get council houses first."),
    (COWLEY, OXFORD, "group_tension", 5, 1, "An argument between two groups of parents outside the school."),
    (LEYS, OXFORD, "services_unfairness", 1, 2, "Families feel the food bank is being used by people from elsewhere."),
    (LEYS, OXFORD, "unsafe_space", 3, 1, "Young people say they are moved on from the park every evening."),
    (PARKS, OXFORD, "protest", 1, 1, "A march is planned and neighbours are worried about counter-protests."),
    (ABINGDON_EAST, VALE, "online_hate", 2, 1, "A local group page is sharing abusive memes about a mosque."),
    (ABINGDON_EAST, VALE, "hate_incident", 4, 1, "A woman wearing a hijab was shouted at in the market place."),
)
THREAD_TITLE = "Claim that the new low-traffic filters will close Cowley Road to buses"
# Reports about the thread's claim, so its page shows how a rumour spreads: (division, days ago, what happened).
# No division gets more this week than its usual level explains (the early warning stays on Cowley).
THREAD_REPORTS = (
    (BARTLEMAS, 3, "A post in a neighbourhood group says the buses along Cowley Road stop next month."),
    (BARTLEMAS, 2, "Someone at the bus stop was telling people the number 5 will be withdrawn."),
    (COWLEY, 2, "Leaflets say the filters mean no buses to the hospital from Cowley."),
    (COWLEY, 1, "A video going round claims Cowley Road will be closed to all traffic."),
    (LEYS, 1, "People at the community centre are worried they will lose their bus into town."),
)


async def load_demo(settings: Settings, clock: Clock) -> None:
    """Add the demo reports once (idempotent: keyed by their references), and the demo member's division."""
    now = clock.now()
    number = 0
    for division, district, category, weeks_ago, count, text in DEMO_REPORTS:
        for _ in range(count):
            number += 1
            reference = f"TR-DEMO{number:02d}"
            if await Report.exists().where(Report.reference == reference):
                continue
            when = now - timedelta(weeks=weeks_ago, hours=number)
            await Report.insert(
                Report(
                    reference=reference,
                    token_hash=digest(f"demo-report-{number}"),
                    category=category,
                    hate_kind="religion" if category == "hate_incident" else "",
                    district_code=district,
                    division_code=division,
                    description=text,
                    source="saw",
                    grading="evidenced",
                    week_start=week_start(when, "Europe/London"),
                    created_at=when,
                    updated_at=when,
                )
            )
    people, _total = await demo_service(settings, clock).people.list_users("member@hearby.localhost", limit=1)
    member = next((person for person in people if person.email == "member@hearby.localhost"), None)
    if member and not await MemberDivision.exists().where(MemberDivision.user_id == member.id):
        await MemberDivision.insert(MemberDivision(user_id=member.id, division_code=COWLEY))
    if not await RumourThread.exists():
        # One rumour thread, so a newcomer sees how reports about the same claim are followed together.
        await RumourThread.insert(
            RumourThread(
                title=THREAD_TITLE,
                claim="Posts say buses will no longer run along Cowley Road once the filters go in.",
            )
        )
    thread = await RumourThread.select(RumourThread.id).where(RumourThread.title == THREAD_TITLE).first()
    if thread is None:
        return
    for number, (division, days_ago, text) in enumerate(THREAD_REPORTS, start=1):
        reference = f"TR-DEMOT{number}"
        if await Report.exists().where(Report.reference == reference):
            continue
        when = now - timedelta(days=days_ago, hours=number)
        await Report.insert(
            Report(
                reference=reference,
                token_hash=digest(f"demo-thread-report-{number}"),
                category="rumour",
                district_code=OXFORD,
                division_code=division,
                description=text,
                source="heard",
                grading="potential",
                thread_id=thread["id"],
                week_start=week_start(when, "Europe/London"),
                created_at=when,
                updated_at=when,
            )
        )
