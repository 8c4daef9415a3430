"""The officers' one feedback view: feedback on Hearby, on events and after Listening Exchanges together; a
comment after an exchange only when its author let council officers read it (never a name or email, and not
past the exchanges' retention period); filters by GET parameters that narrow; paging across the three sources;
only officers and admins get in — on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.tables import Feedback
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.engagement.tables import SiteFeedback
from backend.exchanges.tables import ExchangeRequest, ExchangeSurvey, ExchangeTopic
from tests.support.events import make_event, make_organisation
from tests.support.exchanges import TOPIC, answers, make_slot, make_topic, pairing_of, post_fields, request_token
from tests.support.html_checks import check_page
from tests.support.people import CSRF_FIELD, PeopleFactory, partner_of, sign_in, sign_in_resident

Client = AsyncTestClient[Litestar]
LONDON = ZoneInfo("Europe/London")
VIEW = "/officer/engagement/feedback"
_numbers = itertools.count(1)


def texts(html: str) -> set[str]:
    """The feedback texts on a page of the view (after checking the page, and that it is the view)."""
    page = check_page(html, "en")
    assert page.select_one("#feedback-count") is not None, "not the feedback view"
    return {p.get_text(strip=True) for p in page.select(".govuk-summary-card .hb-feedback-text")}


async def shown(client: Client, query: str = "") -> set[str]:
    response = await client.get(f"{VIEW}?{query}" if query else VIEW, follow_redirects=False)
    assert response.status_code == 200, response.text
    return texts(response.text)


def day(moment: datetime) -> str:
    """The date an officer types for a moment (in the council's time zone)."""
    return moment.astimezone(LONDON).date().isoformat()


async def exchange_comment(
    topic_id: int, text: str, at: datetime, *, to_council: bool, locale: str = "en", researchers: bool = False
) -> None:
    """A request and its after-questionnaire, as the exchange pages store them."""
    number = next(_numbers)
    rows = await ExchangeRequest.insert(
        ExchangeRequest(
            reference=f"X{number:06d}",
            topic_id=topic_id,
            token_hash=secrets.token_hex(32),
            participant_key=secrets.token_hex(32),
            email=f"participant{number}@example.org",
            first_name=f"Participant{number}",
            locale=locale,
            status="matched",
            consented_at=at - timedelta(days=10),
            last_slot_at=at - timedelta(hours=3),
            created_at=at - timedelta(days=10),
        )
    ).returning(ExchangeRequest.id)
    request_id = rows[0]["id"]
    await ExchangeSurvey.insert(
        ExchangeSurvey(
            request_id=request_id,
            wave="after",
            wave_key=f"{request_id}:after",
            thermometer=50,
            understanding=5,
            willingness=5,
            heard=6,
            understand_better=6,
            comment=text,
            comment_shared=researchers,
            comment_to_council=to_council,
            answered_at=at,
        )
    )


async def second_topic() -> int:
    rows = await ExchangeTopic.insert(
        ExchangeTopic(
            slug="flags",
            content={"en": {"title": "Flags and symbols", "summary": "Flags on lamp posts.", "statements": []}},
        )
    ).returning(ExchangeTopic.id)
    return int(rows[0]["id"])


async def test_a_comment_after_an_exchange_reaches_officers_only_when_its_author_said_so(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2)
    said = {
        "zofia@example.org": ("We found we both care about the school run", ["comment_to_council", "comment_shared"]),
        "imran@example.org": ("Only for the researchers: my street is divided", ["comment_shared"]),
        "grace@example.org": ("Nobody else should read this", []),
        "tomasz@example.org": ("", ["comment_to_council"]),
    }
    tokens = {}
    for index, email in enumerate(said):
        stance = (1, 1, 1) if index % 2 else (5, 5, 5)
        first_name = email.split("@")[0].title()
        tokens[email] = await request_token(client, answers(stance, [slot], email=email, first_name=first_name))
    assert (await pairing_of(app, clock).run_matching(slot)).pairs == 2
    clock.advance(days=7, hours=2)

    for email, (comment, boxes) in said.items():
        path = f"/exchanges/requests/{tokens[email]}/survey/after"
        form = CSRF_FIELD.search((await client.get(path)).text)
        assert form, email
        fields = [("_csrf_token", form.group(1)), ("thermometer", "50"), ("understanding", "5")]
        fields += [("willingness", "5"), ("heard", "6"), ("comment", comment), *[(box, "yes") for box in boxes]]
        if email == "zofia@example.org":  # a mistake first: what was typed and ticked is kept
            again = await post_fields(client, path, fields)
            assert again.status_code == 400
            kept = check_page(again.text, "en")
            assert kept.select_one("textarea#comment").get_text() == comment
            assert kept.select_one("input#comment_to_council").has_attr("checked")
            assert kept.select_one("#understand_better-error") is not None
        response = await post_fields(client, path, [*fields, ("understand_better", "6")])
        assert response.status_code == 303, response.text
    stored = await ExchangeSurvey.select(ExchangeSurvey.comment, ExchangeSurvey.comment_to_council).where(
        ExchangeSurvey.wave == "after"
    )
    assert sorted((row["comment"], row["comment_to_council"]) for row in stored) == [
        ("", True),
        ("Nobody else should read this", False),
        ("Only for the researchers: my street is divided", False),
        ("We found we both care about the school run", True),
    ]

    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    response = await client.get(VIEW)
    assert texts(response.text) == {"We found we both care about the school run"}
    page = check_page(response.text, "en")
    assert "Low-traffic neighbourhoods" in page.get_text()
    for email in said:  # no name or email of anyone who took part
        assert email not in response.text
        assert email.split("@")[0].title() not in response.text
    assert await shown(client, "source=exchange") == {"We found we both care about the school run"}
    assert await shown(client, "q=researchers") == set()
    assert await shown(client, "q=nobody") == set()

    # Past the retention period (a year after the last slot) the comment leaves the view, purged or not.
    clock.advance(days=350)
    await sign_in(client, officer, clock)
    assert await shown(client) == {"We found we both care about the school run"}
    clock.advance(days=20)
    await sign_in(client, officer, clock)
    assert await shown(client) == set()


async def test_every_source_appears_and_each_filter_narrows(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    now = clock.now()
    await SiteFeedback.insert(
        SiteFeedback(
            kind="problem", page="/events", locale="en", text="The map is empty", created_at=now - timedelta(days=40)
        ),
        SiteFeedback(
            kind="translation", page="/areas", locale="pl", text="Twoja okolica", created_at=now - timedelta(days=2)
        ),
    )
    larder = await make_organisation("Cowley Community Larder")
    school = await make_organisation("Banbury Polish Saturday School")
    coffee = await make_event(larder, now - timedelta(days=12), title="Cowley coffee morning")
    stories = await make_event(school, now - timedelta(days=5), title="Polish story time")
    await Feedback.insert(
        Feedback(
            booking_id=1,
            event_id=coffee.id,
            rating=4,
            comment="Lovely tea and cake",
            created_at=now - timedelta(days=10),
        ),
        Feedback(
            booking_id=2, event_id=stories.id, rating=5, comment="Wonderful stories", created_at=now - timedelta(days=3)
        ),
        Feedback(booking_id=3, event_id=stories.id, rating=5, comment="", created_at=now - timedelta(days=3)),
    )
    ltn = await make_topic(app, clock)
    flags = await second_topic()
    await exchange_comment(ltn, "We listened to each other", now - timedelta(days=5), to_council=True)
    await exchange_comment(flags, "Rozmowa była dobra", now - timedelta(days=20), to_council=True, locale="pl")
    await exchange_comment(ltn, "A secret opinion", now - timedelta(days=1), to_council=False, researchers=True)
    await sign_in(client, await people(Role.OFFICER), clock)

    everything = {
        "The map is empty",
        "Twoja okolica",
        "Lovely tea and cake",
        "Wonderful stories",
        "We listened to each other",
        "Rozmowa była dobra",
    }
    assert await shown(client) == everything
    assert await shown(client, "source=site") == {"The map is empty", "Twoja okolica"}
    assert await shown(client, "source=event") == {"Lovely tea and cake", "Wonderful stories"}
    assert await shown(client, "source=exchange") == {"We listened to each other", "Rozmowa była dobra"}
    assert await shown(client, f"from={day(now - timedelta(days=7))}") == {
        "Twoja okolica",
        "Wonderful stories",
        "We listened to each other",
    }
    assert await shown(client, f"to={day(now - timedelta(days=15))}") == {"The map is empty", "Rozmowa była dobra"}
    week = f"from={day(now - timedelta(days=11))}&to={day(now - timedelta(days=4))}"
    assert await shown(client, week) == {"Lovely tea and cake", "We listened to each other"}
    assert await shown(client, f"event={coffee.id}") == {"Lovely tea and cake"}
    assert await shown(client, f"partner={school}") == {"Wonderful stories"}
    assert await shown(client, f"topic={flags}") == {"Rozmowa była dobra"}
    assert await shown(client, "q=TEA") == {"Lovely tea and cake"}
    # A comment an officer hid is not searched (its words would show through the count).
    await Feedback.insert(
        Feedback(booking_id=4, event_id=coffee.id, rating=1, comment="Rude words about the tea", hidden=True)
    )
    tea = check_page((await client.get(f"{VIEW}?q=tea")).text, "en")
    assert tea.select_one("#feedback-count").get_text(strip=True) == "1 piece of feedback"
    await Feedback.delete().where(Feedback.booking_id == 4)
    assert await shown(client, "q=listened") == {"We listened to each other"}
    assert await shown(client, "q=secret") == set()
    assert await shown(client, "lang=pl") == {"Twoja okolica", "Rozmowa była dobra"}
    assert await shown(client, "kind=problem") == {"The map is empty"}
    assert await shown(client, "page=/areas") == {"Twoja okolica"}
    assert await shown(client, "source=site&q=map") == {"The map is empty"}
    # As a browser sends the form: every field, the empty ones too.
    every_field = "source=&q=&from=&to=&lang=&kind=&page=&event=&partner=&topic="
    assert await shown(client, every_field) == everything
    assert await shown(client, every_field.replace("partner=", f"partner={school}")) == {"Wonderful stories"}

    # The filters offer the events with comments, their partners and the topics.
    page = check_page((await client.get(VIEW)).text, "en")
    assert {o.get_text() for o in page.select("#event option")} == {"Any", "Cowley coffee morning", "Polish story time"}
    assert {o.get_text() for o in page.select("#partner option")} == {
        "Any",
        "Cowley Community Larder",
        "Banbury Polish Saturday School",
    }
    assert {o.get_text() for o in page.select("#topic option")} == {"Any", TOPIC["en"]["title"], "Flags and symbols"}
    event_card = next(c for c in page.select(".govuk-summary-card") if "Lovely tea" in c.get_text())
    assert "Cowley Community Larder" in event_card.get_text()

    # A date that is not one: said next to the field, kept as typed, and the rest still filters.
    response = await client.get(f"{VIEW}?from=2027-02-30&source=event")
    assert response.status_code == 400
    page = check_page(response.text, "en")
    assert "Enter a real date" in page.select_one("#from-error").get_text()
    assert page.select_one("input#from")["value"] == "2027-02-30"
    assert page.select_one(".govuk-error-summary a[href='#from']") is not None
    assert texts(response.text) == {"Lovely tea and cake", "Wonderful stories"}
    backwards = await client.get(f"{VIEW}?from={day(now)}&to={day(now - timedelta(days=3))}")
    assert backwards.status_code == 400
    assert "on or after its start" in check_page(backwards.text, "en").select_one("#to-error").get_text()


async def test_many_pieces_of_feedback_are_paged_newest_first_across_sources(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    now = clock.now()
    organisation = await make_organisation()
    event = await make_event(organisation, now - timedelta(days=3))
    topic = await make_topic(app, clock)
    expected = []
    for minutes in range(1, 31):  # 30 in all: every tenth from an event, the fifteenth after an exchange
        text = f"Feedback number {minutes:02d}"
        at = now - timedelta(minutes=minutes)
        expected.append(text)
        if minutes % 10 == 0:
            await Feedback.insert(
                Feedback(booking_id=minutes, event_id=event.id, rating=3, comment=text, created_at=at)
            )
        elif minutes % 15 == 0:
            await exchange_comment(topic, text, at, to_council=True)
        else:
            await SiteFeedback.insert(SiteFeedback(kind="problem", page="/", text=text, created_at=at))
    await sign_in(client, await people(Role.OFFICER), clock)

    first = await client.get(f"{VIEW}?q=number")
    page = check_page(first.text, "en")
    assert page.select_one("#feedback-count").get_text(strip=True) == "30 pieces of feedback"
    on_first = [p.get_text(strip=True) for p in page.select(".hb-feedback-text")]
    assert on_first == expected[:25]
    assert "Page 1 of 2" in page.select_one(".govuk-pagination").get_text()
    assert page.select_one(".govuk-pagination__prev") is None
    next_link = page.select_one(".govuk-pagination__next a")["href"]
    assert next_link == f"{VIEW}?q=number&p=2"
    second = check_page((await client.get(next_link)).text, "en")
    assert [p.get_text(strip=True) for p in second.select(".hb-feedback-text")] == expected[25:]
    assert second.select_one(".govuk-pagination__prev a")["href"] == f"{VIEW}?q=number&p=1"
    assert second.select_one(".govuk-pagination__next") is None
    # A page past the end shows the last one.
    past_the_end = check_page((await client.get(f"{VIEW}?q=number&p=9")).text, "en")
    assert [p.get_text(strip=True) for p in past_the_end.select(".hb-feedback-text")] == expected[25:]


async def test_only_officers_and_admins_read_the_feedback(
    client: Client, clock: SettableClock, people: PeopleFactory
) -> None:
    await SiteFeedback.insert(SiteFeedback(kind="problem", page="/", text="A private problem", created_at=clock.now()))
    anonymous = await client.get(VIEW, follow_redirects=False)
    assert anonymous.status_code in {302, 303}
    assert anonymous.headers["location"].startswith("/sign-in")
    organisation = await make_organisation()
    for viewer in ("member", "partner", "facilitator", "resident"):
        client.cookies.clear()
        if viewer == "resident":
            await sign_in_resident(client, "resident@example.org")
        elif viewer == "partner":
            await sign_in(client, await partner_of(people, organisation), clock)
        else:
            await sign_in(client, await people(Role(viewer)), clock)
        refused = await client.get(VIEW, follow_redirects=False)
        assert refused.status_code == 403, viewer
        assert "A private problem" not in refused.text
    for role in (Role.OFFICER, Role.ADMIN):
        client.cookies.clear()
        await sign_in(client, await people(role), clock)
        assert await shown(client) == {"A private problem"}
