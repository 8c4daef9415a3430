"""Feedback on Hearby from every page's footer (no JavaScript, honeypot, retry stored once, rate-limited like
every anonymous write), and the officers' one feedback view beside event feedback, with filters — on SQLite
and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.bookings.tables import Feedback
from backend.core.clock import SettableClock
from backend.core.i18n import LANGUAGE_COOKIE
from backend.core.roles import Role
from backend.engagement.tables import SiteFeedback
from backend.settings import Settings
from tests.support.events import make_event, make_organisation
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, csrf_token, sign_in

Client = AsyncTestClient[Litestar]
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


async def send(client: Client, page: str, **fields: str) -> int:
    """Follow the footer link from `page` and post the form; the status code."""
    form_path = f"/feedback?page={quote(page)}"
    form = await client.get(form_path)
    nonce = NONCE.search(form.text)
    assert nonce
    token = await csrf_token(client, form_path)
    data = {"_csrf_token": token, "nonce": nonce.group(1), "page": page, **fields}
    response = await client.post("/feedback", data=data, follow_redirects=False)
    return response.status_code


async def test_every_page_links_to_feedback_about_itself(client: Client) -> None:
    soup = check_page((await client.get("/events")).text, "en")
    footer = soup.select_one("footer")
    assert footer is not None
    links = {a.get_text(strip=True): a["href"] for a in footer.select("a")}
    assert links["Report a problem with this page"] == "/feedback?page=/events&kind=problem"
    assert links["Suggest a better translation"] == "/feedback?page=/events&kind=translation"
    assert links["Tell us if this page is useful"] == "/feedback?page=/events"


async def test_a_better_translation_records_the_page_language_and_text(client: Client) -> None:
    client.cookies.set(LANGUAGE_COOKIE, "ur")
    form = check_page((await client.get("/feedback?page=/events&kind=translation")).text, "ur")
    chosen = form.select_one("input[name=kind][checked]")
    assert chosen is not None
    assert chosen["value"] == "translation"
    status = await send(client, "/events", kind="translation", text="تقریبات", quoted="واقعات")
    assert status == 303
    rows = await SiteFeedback.select(
        SiteFeedback.kind, SiteFeedback.page, SiteFeedback.locale, SiteFeedback.text, SiteFeedback.quoted
    )
    assert rows == [{"kind": "translation", "page": "/events", "locale": "ur", "text": "تقریبات", "quoted": "واقعات"}]


async def test_a_problem_needs_words_and_keeps_what_was_typed(client: Client) -> None:
    form_path = "/feedback?page=/about"
    await client.get(form_path)
    token = await csrf_token(client, form_path)
    response = await client.post(
        "/feedback", data={"_csrf_token": token, "kind": "problem", "quoted": "<i>kept</i>", "page": "/about"}
    )
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert "Tell us what the problem is" in soup.select_one("#text-error").get_text()
    assert soup.select_one("textarea#quoted").get_text() == "<i>kept</i>"
    assert await SiteFeedback.count() == 0


async def test_the_honeypot_is_thanked_and_dropped_and_a_retry_is_stored_once(client: Client) -> None:
    assert await send(client, "/", kind="useful", website="http://spam.example") == 303
    assert await SiteFeedback.count() == 0
    form = await client.get("/feedback?page=/")
    nonce = NONCE.search(form.text)
    assert nonce
    token = await csrf_token(client, "/feedback?page=/")
    data = {"_csrf_token": token, "nonce": nonce.group(1), "page": "/", "kind": "not_useful"}
    for _ in range(2):
        assert (await client.post("/feedback", data=data, follow_redirects=False)).status_code == 303
    assert await SiteFeedback.count() == 1


async def test_another_sites_address_is_never_recorded_or_linked(client: Client) -> None:
    assert await send(client, "//evil.example/x", kind="useful") == 303
    assert await SiteFeedback.select(SiteFeedback.page) == [{"page": "/"}]
    thanks = check_page((await client.get("/feedback/thanks?page=https://evil.example")).text, "en")
    assert thanks.select_one("main a[href='/']") is not None


async def test_officers_see_site_and_event_feedback_together_with_filters(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    organisation = await make_organisation()
    event = await make_event(organisation, clock.now() - timedelta(days=3), title="Cowley coffee morning")
    await Feedback.insert(Feedback(booking_id=1, event_id=event.id, rating=4, comment="Lovely tea"))
    await send(client, "/events", kind="problem", text="The map is empty")
    client.cookies.set(LANGUAGE_COOKIE, "pl")
    await send(client, "/areas", kind="translation", text="Twoja okolica")
    client.cookies.pop(LANGUAGE_COOKIE)

    await sign_in(client, await people(Role.OFFICER), clock)
    everything = check_page((await client.get("/officer/engagement/feedback")).text, "en").get_text()
    assert "The map is empty" in everything
    assert "Twoja okolica" in everything
    assert "Lovely tea" in everything
    assert "Cowley coffee morning" in everything

    polish = check_page((await client.get("/officer/engagement/feedback?lang=pl")).text, "en").get_text()
    assert "Twoja okolica" in polish
    assert "The map is empty" not in polish
    assert "Lovely tea" not in polish
    events = check_page((await client.get("/officer/engagement/feedback?source=event")).text, "en").get_text()
    assert "Lovely tea" in events
    assert "The map is empty" not in events
    by_page = check_page((await client.get("/officer/engagement/feedback?page=/events")).text, "en").get_text()
    assert "The map is empty" in by_page
    assert "Twoja okolica" not in by_page


async def test_anonymous_feedback_is_rate_limited(app: Litestar, client: Client, settings: Settings) -> None:
    limit = settings.anonymous_posts_per_minute
    token = await csrf_token(client, "/feedback?page=/")
    statuses = [
        (
            await client.post("/feedback", data={"_csrf_token": token, "kind": "useful"}, follow_redirects=False)
        ).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[-1] == 429
