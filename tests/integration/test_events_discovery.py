"""Residents find events: every filter, distance order, pages and counts, languages, bad input, caching, embedding.

Each test runs on SQLite and PostgreSQL. The clock stands on Wednesday 12 June 2030, 10:00 in London.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.events import jobs as events_jobs
from backend.events import listing
from backend.events.tables import Event, Listing, Occurrence
from backend.notifications.delivery import JobContext, WorkerOptions
from backend.notifications.email import make_email_sender
from backend.wiring import cleanups
from tests.support.events import (
    BANBURY,
    CHERWELL,
    COWLEY,
    DIDCOT,
    JERICHO,
    SOUTH_OXFORDSHIRE,
    make_event,
    make_organisation,
)
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, post_form, sign_in

Client = AsyncTestClient[Litestar]
NOW = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 BST
TOMORROW = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def _stand_still(clock: SettableClock) -> None:
    clock.current = NOW


async def ids(client: Client, query: str = "", **headers: str) -> list[int]:
    """Event ids of the first page of `GET /api/v1/events?query`, in order."""
    response = await client.get(f"/api/v1/events?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["event_id"] for item in response.json()["items"]]


async def test_only_published_events_of_verified_organisations_with_dates_to_come_are_listed(client: Client) -> None:
    verified = await make_organisation()
    unverified = await make_organisation(status="pending")
    listed = await make_event(verified, TOMORROW)
    of_unverified = await make_event(unverified, TOMORROW, title="Unverified group")
    await make_event(verified, TOMORROW, status="pending", title="Waiting for approval")
    await make_event(verified, TOMORROW, status="hidden", title="Hidden")
    await make_event(verified, NOW - timedelta(days=1), title="Yesterday")
    cancelled = await make_event(verified, TOMORROW, title="Cancelled date")
    from backend.events.tables import Occurrence

    await Occurrence.update({Occurrence.status: "cancelled"}).where(Occurrence.id == cancelled.occurrences[0])
    await listing.refresh([cancelled.id])  # as the events service does after its writes
    assert await ids(client) == [listed.id]
    assert (await client.get(f"/events/{cancelled.id}")).status_code == 200  # the page says it is cancelled
    for hidden_title in ("Unverified group", "Waiting for approval", "Hidden"):
        assert hidden_title not in (await client.get("/events")).text
    assert (await client.get(f"/events/{of_unverified.id}")).status_code == 404  # its page is not public either


async def test_an_organisations_events_appear_when_an_officer_verifies_it_and_leave_when_it_is_rejected(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation(status="pending")
    made = await make_event(organisation, TOMORROW, title="Waiting for the council")
    assert made.id not in await ids(client)
    await sign_in(client, await people(Role.OFFICER), clock)
    review = f"/officer/organisations/{organisation}"
    verified = await post_form(client, f"{review}/decision", {"decision": "verify"}, token_from=review)
    assert verified.status_code == 302
    assert await ids(client) == [made.id]
    rejected = await post_form(
        client, f"{review}/decision", {"decision": "reject", "reason": "Not a community group"}, token_from=review
    )
    assert rejected.status_code == 302
    assert made.id not in await ids(client)


async def test_the_daily_purge_drops_the_search_rows_of_dates_that_have_started(client: Client) -> None:
    organisation = await make_organisation()
    await make_event(organisation, NOW - timedelta(days=2), title="Two days ago")
    coming = await make_event(organisation, TOMORROW)
    settings = client.app.state["settings"]
    purge = cleanups()["events.listing"]
    assert purge is events_jobs.purge_listing
    await purge(NOW, JobContext(settings, make_email_sender(settings), SettableClock(NOW), WorkerOptions()))
    assert [row["event_id"] for row in await Listing.select(Listing.event_id)] == [coming.id]
    assert await ids(client) == [coming.id]
    await listing.rebuild()  # the teardown compares with a full rebuild, which keeps dates until the purge


async def test_each_filter_narrows_the_list(client: Client) -> None:
    org = await make_organisation()
    base = await make_event(org, TOMORROW, title="Plain event")
    step_free = await make_event(org, TOMORROW + timedelta(hours=1), accessibility=("step_free", "hearing_loop"))
    polish = await make_event(org, TOMORROW + timedelta(hours=2), languages=("en", "pl"), title="Rozmowa")
    paid = await make_event(org, TOMORROW + timedelta(hours=3), cost_pence=350, title="Paid")
    families = await make_event(org, TOMORROW + timedelta(hours=4), suits=("families",), category="families")
    online = await make_event(org, TOMORROW + timedelta(hours=5), is_online=True, online_url="https://example.org/x")
    banbury = await make_event(
        org, TOMORROW + timedelta(hours=6), district_code=CHERWELL, division_code="E58002043", point=BANBURY
    )
    later = await make_event(org, NOW + timedelta(days=20), title="Much later")
    saturday = await make_event(org, datetime(2030, 6, 15, 10, tzinfo=UTC), title="Saturday walk")
    knitting = await make_event(org, TOMORROW + timedelta(hours=7), title="Knitting circle", description="Bring wool")

    everything = await ids(client)
    assert len(everything) == 10
    assert await ids(client, "accessibility=step_free") == [step_free.id]
    assert await ids(client, "accessibility=step_free&accessibility=hearing_loop") == [step_free.id]
    assert await ids(client, "accessibility=step_free&accessibility=bsl") == []
    assert await ids(client, "language=pl") == [polish.id]
    assert paid.id not in await ids(client, "free=true")
    assert len(await ids(client, "free=true")) == 9
    assert await ids(client, "suits=families") == [families.id]
    assert await ids(client, "category=families") == [families.id]
    assert await ids(client, "online=true") == [online.id]
    assert online.id not in await ids(client, "online=false")
    assert await ids(client, f"district={CHERWELL}") == [banbury.id]
    assert await ids(client, "district=cherwell") == [banbury.id]  # the slug works too
    assert await ids(client, "division=E58002043") == [banbury.id]  # Adderbury, Bloxham & Bodicote
    assert await ids(client, "division=adderbury-bloxham-bodicote") == [banbury.id]
    assert await ids(client, "division=abingdon-east") == []
    assert await ids(client, "q=KNITTING") == [knitting.id]
    assert await ids(client, "q=wool") == [knitting.id]
    assert await ids(client, "when=today") == []
    assert later.id not in await ids(client, "when=week")
    assert await ids(client, "when=weekend") == [saturday.id]
    assert await ids(client, "from=2030-07-01&to=2030-07-03") == [later.id]
    assert await ids(client, "from=2030-06-15&to=2030-06-15") == [saturday.id]
    assert base.id in everything


async def test_a_postcode_search_keeps_to_the_radius_and_sorts_by_distance(client: Client) -> None:
    org = await make_organisation()
    # Made in the opposite order of distance, so a sort by time alone would get it wrong.
    far = await make_event(org, TOMORROW, point=DIDCOT, district_code=SOUTH_OXFORDSHIRE, title="Didcot")
    middle = await make_event(org, TOMORROW + timedelta(hours=1), point=JERICHO, title="Jericho")
    near = await make_event(org, TOMORROW + timedelta(hours=2), point=COWLEY, title="Cowley")
    await make_event(org, TOMORROW, point=BANBURY, district_code=CHERWELL, title="Banbury")

    assert await ids(client, "postcode=OX4&radius_miles=1") == [near.id]
    assert await ids(client, "postcode=ox4&radius_miles=3") == [near.id, middle.id]
    assert await ids(client, "postcode=OX4&radius_miles=10") == [near.id, middle.id, far.id]
    body = (await client.get("/api/v1/events?postcode=OX4&radius_miles=10")).json()
    distances = [item["distance_miles"] for item in body["items"]]
    assert distances == sorted(distances)
    assert distances[0] < 1 < distances[1] < 3 < distances[2] < 10

    page = await client.get("/events?postcode=OX4&radius_miles=3")
    soup = check_page(page.text, "en")
    assert "2 events match near OX4" in " ".join(soup.get_text().split())
    titles = [link.get_text(strip=True) for link in soup.select(".hb-card__title a")]
    assert titles == ["Cowley", "Jericho"]
    assert "miles away" in soup.select(".hb-card")[1].get_text()
    # In Urdu the distance is a run of its own: its number stays with "miles away", not with the postcode.
    urdu = check_page(
        (await client.get("/events?postcode=OX4&radius_miles=3", headers={"Accept-Language": "ur"})).text, "ur"
    )
    distance = urdu.select(".hb-card")[1].select(".hb-card__meta")[1].find_all("bdi", recursive=False)[-1]
    assert re.fullmatch(r"\d\.\d میل دور", distance.get_text(strip=True))


async def test_results_come_a_page_at_a_time_with_the_total(client: Client) -> None:
    org = await make_organisation()
    made = [await make_event(org, TOMORROW + timedelta(hours=index), title=f"Event {index:02d}") for index in range(23)]
    first = (await client.get("/api/v1/events")).json()
    second = (await client.get("/api/v1/events?page=2")).json()
    assert (first["total"], first["pages"], len(first["items"])) == (23, 2, 20)
    assert (second["page"], len(second["items"])) == (2, 3)
    assert [item["event_id"] for item in first["items"] + second["items"]] == [event.id for event in made]
    beyond = (await client.get("/api/v1/events?page=9")).json()  # past the last page: the last page
    assert (beyond["page"], beyond["total"], len(beyond["items"])) == (2, 23, 3)
    # A first page holding every match is its own count: 02, 12, 20, 21 and 22 have a "2".
    narrow = (await client.get("/api/v1/events?q=event+2")).json()
    assert (narrow["total"], narrow["pages"], len(narrow["items"])) == (5, 1, 5)
    assert (await client.get("/api/v1/events?q=nothing-like-this&page=3")).json()["total"] == 0
    nothing = (await client.get("/api/v1/events?q=nothing-like-this")).json()
    assert (nothing["total"], nothing["pages"], nothing["items"]) == (0, 1, [])

    page = await client.get("/events?q=event&page=2")
    soup = check_page(page.text, "en")
    assert "23 events match" in soup.get_text()
    assert len(soup.select(".hb-card")) == 3
    current = soup.select_one(".govuk-pagination__item--current a")
    assert current is not None
    assert current.get_text(strip=True) == "2"
    previous = soup.select_one(".govuk-pagination__prev a")
    assert previous is not None
    assert previous["href"] == "/events?q=event&page=1#results"  # lands on the results


async def test_page_numbers_mark_the_pages_left_out_as_the_govuk_pagination_does(client: Client, app: Litestar) -> None:
    # On a phone GOV.UK Frontend's stylesheet shows only the current, first and last page numbers and the
    # gaps between them: a gap must carry the class GOV.UK's own macro gives it, or the phone shows "1 4 5".
    org = await make_organisation()
    for index in range(81):  # five pages of twenty
        await make_event(org, TOMORROW + timedelta(hours=index), title=f"Event {index:02d}")
    soup = check_page((await client.get("/events?q=event&page=5")).text, "en")
    items = soup.select(".govuk-pagination__list > li")
    assert [item.get_text(strip=True) for item in items] == ["1", "⋯", "4", "5"]
    govuk = app.template_engine.engine.from_string(
        '{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}'
        '{{ govukPagination({"items": [{"number": 1, "href": "#"}, {"ellipsis": true}, {"number": 5, "href": "#"}]}) }}'
    ).render()
    gap = BeautifulSoup(govuk, "html.parser").select(".govuk-pagination__list > li")[1]
    assert set(items[1]["class"]) == set(gap["class"])


async def test_more_matches_than_are_counted_still_page_in_order(client: Client) -> None:
    # 520 dates: more than the 500 a search counts, so each page is read from the listing in order rather
    # than cut from the counted matches (the branch a broad search takes; narrow ones are tested above).
    org = await make_organisation()
    near = await make_event(org, TOMORROW, title="Weekly near", point=COWLEY, weekly=260)
    far = await make_event(org, TOMORROW + timedelta(hours=1), title="Weekly far", point=JERICHO, weekly=260)
    soonest = [occurrence for pair in zip(near.occurrences, far.occurrences, strict=True) for occurrence in pair]

    first = (await client.get("/api/v1/events")).json()
    third = (await client.get("/api/v1/events?page=3")).json()
    assert (first["total"], first["more"], first["pages"]) == (500, True, 25)
    assert [item["occurrence_id"] for item in first["items"]] == soonest[:20]
    assert [item["occurrence_id"] for item in third["items"]] == soonest[40:60]

    # Nearest first around OX4: the near venue's dates come before any of the far one's.
    around = (await client.get("/api/v1/events?postcode=OX4&radius_miles=10")).json()
    assert (around["total"], around["more"]) == (500, True)
    assert {item["event_id"] for item in around["items"]} == {near.id}
    fewer = (await client.get("/api/v1/events?postcode=OX4&radius_miles=10&q=far")).json()
    assert (fewer["total"], fewer["more"]) == (260, False)
    assert [item["occurrence_id"] for item in fewer["items"]] == far.occurrences[:20]


async def test_a_recurring_event_lists_each_date_and_its_page_shows_the_other_dates(client: Client) -> None:
    org = await make_organisation()
    series = await make_event(org, TOMORROW, weekly=4, title="Weekly English conversation")
    assert await ids(client) == [series.id] * 4
    page = await client.get(f"/events/{series.id}/{series.occurrences[1]}")
    soup = check_page(page.text, "en")
    assert "Other dates" in soup.get_text()
    links = {link["href"] for link in soup.select("a.govuk-link")}
    assert f"/events/{series.id}/{series.occurrences[2]}" in links
    assert f"/events/{series.id}.ics" in links


async def test_the_event_page_shows_everything_a_resident_needs(client: Client) -> None:
    org = await make_organisation("Cowley Road Works")
    event = await make_event(
        org,
        TOMORROW,
        title="Family craft <b>afternoon</b>",
        description="Paint, glue <script>alert(1)</script> and glitter.\n\nSecond paragraph.",
        cost_pence=350,
        capacity=12,
        accessibility=("step_free", "accessible_toilet"),
        languages=("en", "ur"),
        suits=("families",),
    )
    page = await client.get(f"/events/{event.id}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    soup = check_page(page.text, "en")
    text = " ".join(soup.get_text().split())
    assert soup.h1 is not None
    assert soup.h1.get_text() == "Family craft <b>afternoon</b>"
    for expected in ("Cowley Road Works", "£3.50", "Step-free access", "Accessible toilet", "Urdu", "Families", "12"):
        assert expected in text, expected
    assert format_date(date(2030, 6, 13), "full", locale="en_GB") in text
    links = {link["href"] for link in soup.find_all("a")}
    assert f"/events/{event.id}/{event.occurrences[0]}/book" in links
    assert any(href.startswith("geo:51.735200,-1.215000") for href in links)
    assert any(href.startswith("https://www.openstreetmap.org/?mlat=51.735200&mlon=-1.215000") for href in links)
    assert "The organiser has not translated" not in text
    # The price as Polish readers write it (Babel's Polish), after the English one was shown.
    polish = check_page((await client.get(f"/events/{event.id}", headers={"Accept-Language": "pl"})).text, "pl")
    assert "3,50 GBP" in " ".join(polish.get_text().split())


async def test_a_drop_in_event_says_no_booking_is_needed(client: Client) -> None:
    org = await make_organisation()
    event = await make_event(org, TOMORROW, capacity=None)
    soup = check_page((await client.get(f"/events/{event.id}")).text, "en")
    assert "You do not need to book" in soup.get_text()
    assert not [link for link in soup.find_all("a") if str(link.get("href", "")).endswith("/book")]


async def test_a_resident_reads_the_translation_or_the_original_with_a_note(client: Client) -> None:
    org = await make_organisation()
    translated = await make_event(
        org, TOMORROW, title="Lantern parade", translations={"pl": ("Kawa i rozmowa", "Herbata, kawa i rozmowa.")}
    )
    untranslated = await make_event(org, TOMORROW + timedelta(hours=1), title="Repair café", description="Fix it.")

    polish = {"Accept-Language": "pl"}
    soup = check_page((await client.get(f"/events/{translated.id}", headers=polish)).text, "pl")
    assert soup.h1 is not None
    assert soup.h1.get_text() == "Kawa i rozmowa"
    assert soup.h1.get("lang") is None
    assert not soup.select(".govuk-inset-text")

    soup = check_page((await client.get(f"/events/{untranslated.id}", headers=polish)).text, "pl")
    assert soup.h1 is not None
    assert soup.h1.get_text() == "Repair café"
    assert soup.h1.get("lang") == "en"
    assert soup.select_one(".hb-event-description[lang=en]") is not None
    assert soup.select(".govuk-inset-text"), "no note that the event is shown in its original language"

    listing = (await client.get("/api/v1/events?q=kawa", headers=polish)).json()
    assert [(item["title"], item["translated"]) for item in listing["items"]] == [("Kawa i rozmowa", True)]
    english = (await client.get(f"/api/v1/events/{translated.id}", headers={"Accept-Language": "en"})).json()
    assert (english["title"], english["translated"]) == ("Lantern parade", True)


@pytest.mark.parametrize(
    ("query", "field", "kept", "api_status"),
    [
        ("from=2030-13-45", "from", "2030-13-45", 400),
        ("from=2030-07-10&to=2030-07-01", "to", "2030-07-01", 200),  # the API: an empty range holds nothing
        ("postcode=ZZ99+9ZZZ", "postcode", "ZZ99 9ZZZ", 400),
        ("postcode=SW1A+1AA", "postcode", "SW1A 1AA", 404),
        ("district=atlantis", "district", None, 404),
        ("division=atlantis-north", "division", None, 404),
        ("category=skydiving", "category", None, 404),
    ],
)
async def test_bad_filters_get_a_message_next_to_the_field_and_keep_what_was_typed(
    client: Client, query: str, field: str, kept: str | None, api_status: int
) -> None:
    await make_event(await make_organisation(), TOMORROW)
    page = await client.get(f"/events?q=tea&{query}")
    assert page.status_code == 400
    soup = check_page(page.text, "en")
    assert soup.select_one(f"#{field}-error") is not None, f"no error message next to {field}"
    assert soup.select_one(f'.govuk-error-summary a[href="#{field}"]') is not None
    search = soup.select_one("#q")
    assert search is not None
    assert search.get("value") == "tea"
    if kept is not None:
        box = soup.select_one(f"#{field}")
        assert box is not None
        assert box.get("value") == kept
    if field == "postcode" and kept == "SW1A 1AA":
        assert "is not in Oxfordshire" in soup.get_text()
    api = await client.get(f"/api/v1/events?{query}")
    assert api.status_code == api_status
    if api_status == 404:
        assert [error["key"] for error in api.json()["errors"]] == [field]
    if api_status == 200:
        assert api.json()["total"] == 0


async def test_the_search_page_passes_the_page_checks_in_every_language(client: Client) -> None:
    await make_event(await make_organisation(), TOMORROW)
    for locale in ("en", "pl", "ur"):
        page = await client.get("/events?accessibility=step_free&free=true", headers={"Accept-Language": locale})
        assert page.status_code == 200
        check_page(page.text, locale)


def csp(response: Any) -> str:
    return str(response.headers.get("content-security-policy", ""))


async def test_only_the_embeddable_list_may_be_framed(client: Client) -> None:
    event = await make_event(await make_organisation(), TOMORROW, title="Parish lunch")
    for _ in range(2):  # the second answer comes from the cache and must say the same
        embed = await client.get("/events/embed?free=true")
        assert embed.status_code == 200
        assert "frame-ancestors *" in csp(embed)
        assert "x-frame-options" not in embed.headers
        soup = check_page(embed.text, "en")
        link = soup.select_one(".hb-card__title a")
        assert link is not None
        assert link["target"] == "_top"
        assert link["href"] == f"/events/{event.id}/{event.occurrences[0]}"
        assert not soup.find_all("script")
    for path in ("/events", f"/events/{event.id}"):
        page = await client.get(path)
        assert "frame-ancestors 'none'" in csp(page)
        assert page.headers["x-frame-options"] == "DENY"


async def test_anonymous_pages_are_cached_per_language_without_anyone_elses_cookie(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    org = await make_organisation()
    await make_event(org, TOMORROW, title="First event")
    first = await client.get("/events?free=true")
    assert first.status_code == 200
    assert "set-cookie" in first.headers  # this visitor is given their own CSRF cookie
    assert "First event" in first.text

    await make_event(org, TOMORROW, title="Second event")
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as stranger:
        cached = await stranger.get("/events?free=true")
        assert cached.status_code == 200
        assert "Second event" not in cached.text  # served from the cache
        assert "set-cookie" not in cached.headers, "a cached page carried another visitor's cookie"
        polish = await stranger.get("/events?free=true", headers={"Accept-Language": "pl"})
        check_page(polish.text, "pl")
        assert "Second event" in polish.text  # another language is another entry
        other_query = await stranger.get("/events?free=true&page=1")
        assert "Second event" in other_query.text

    await sign_in(client, await people(Role.OFFICER), clock)
    assert "Second event" in (await client.get("/events?free=true")).text  # signed in: never the cache


async def test_a_result_card_changes_as_soon_as_its_event_does(client: Client) -> None:
    """Cards are rendered once per content and language and reused (`memo`): a new title or a date that has
    filled up must show on the next uncached page, never the card as first rendered."""
    org = await make_organisation()
    event = await make_event(org, TOMORROW, title="Lantern walk", capacity=2)
    before = await client.get("/events?free=true")
    assert "Lantern walk" in before.text
    assert "Full" not in before.text

    await Event.update({Event.title: "Lantern parade"}).where(Event.id == event.id)
    await Occurrence.update({Occurrence.places_left: 0}).where(Occurrence.event == event.id)
    after = await client.get("/events?free=true&page=1")  # another address: not the anonymous page cache
    assert "Lantern parade" in after.text
    assert "Lantern walk" not in after.text
    assert "Full" in after.text
