""" "You said, we did": the public page in every language, following by email with double opt-in through the
outbox, a new entry emailing confirmed followers only, and unsubscribing — on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.i18n import LANGUAGE_COOKIE
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.engagement.tables import Follower
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, post_form, sign_in

Client = AsyncTestClient[Litestar]
CONFIRM = re.compile(r"/you-said-we-did/confirm/([\w-]+)")
UNSUBSCRIBE = re.compile(r"/you-said-we-did/unsubscribe/([\w-]+)")
ENTRY = {
    "happened_on": "2026-11-20",
    "heard_en": "There is nowhere to meet in the evenings.",
    "did_en": "The school hall opens on Thursdays.",
    "heard_pl": "Wieczorami nie ma gdzie się spotkać.",
    "did_pl": "Sala szkolna jest otwarta w czwartki.",
    "link_url_1": "/events/1",
    "link_label_1": "Thursday evenings",
}


async def follow(client: Client, email: str) -> str:
    """Ask to follow; the confirmation link's path from the outbox."""
    response = await post_form(client, "/you-said-we-did/follow", {"email": email}, token_from="/you-said-we-did")
    assert response.status_code == 303
    assert response.headers["location"] == "/you-said-we-did/follow/check-email"
    mails = await emails_to(email)
    assert mails, "no confirmation email"
    match = CONFIRM.search(mails[-1]["text"])
    assert match
    return match.group(0)


async def test_a_new_entry_emails_confirmed_followers_only(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    confirm = await follow(client, "kasia@example.org")
    await follow(client, "never-confirmed@example.org")
    page = await client.get(confirm)
    check_page(page.text, "en")
    assert (await post_form(client, confirm, {}, token_from=confirm)).status_code == 200
    assert (await client.get(confirm)).status_code == 404  # used once

    await sign_in(client, await people(Role.OFFICER), clock)
    response = await post_form(
        client, "/officer/engagement/updates", ENTRY, token_from="/officer/engagement/updates/new"
    )
    assert response.status_code == 303

    update_mails = [
        mail
        for mail in await emails_to("kasia@example.org")
        if "School hall" in mail["text"] or "school hall" in mail["text"]
    ]
    assert len(update_mails) == 1
    assert "/events/1" in update_mails[0]["text"]
    assert [mail for mail in await emails_to("never-confirmed@example.org") if "school hall" in mail["text"]] == []
    assert await AuditEntry.exists().where(AuditEntry.action == "engagement.update.published")

    unsubscribe = UNSUBSCRIBE.search(update_mails[0]["text"])
    assert unsubscribe
    path = unsubscribe.group(0)
    check_page((await client.get(path)).text, "en")
    assert (await post_form(client, path, {}, token_from=path)).status_code == 200
    assert not await Follower.exists().where(Follower.email == "kasia@example.org")


async def test_the_page_shows_entries_in_the_visitors_language(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)
    entry = {**ENTRY, "heard_pl": "", "did_pl": ""}
    entry["heard_ur"] = "شام کو ملنے کی کوئی جگہ نہیں۔"
    response = await post_form(
        client, "/officer/engagement/updates", entry, token_from="/officer/engagement/updates/new"
    )
    assert response.status_code == 303
    client.cookies.set(LANGUAGE_COOKIE, "ur")
    soup = check_page((await client.get("/you-said-we-did")).text, "ur")
    card = soup.select_one(".hb-update")
    assert card is not None
    assert "شام کو ملنے کی کوئی جگہ نہیں۔" in card.get_text()
    english = card.select_one("span[lang=en]")  # no Urdu "we did": the English, marked as English
    assert english is not None
    assert english.get_text() == "The school hall opens on Thursdays."
    assert card.select_one("a[href='/events/1']") is not None


async def test_an_entry_needs_what_was_heard_and_done_and_keeps_what_was_typed(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)
    entry = {**ENTRY, "did_en": "", "link_url_1": "javascript:alert(1)"}
    response = await post_form(
        client, "/officer/engagement/updates", entry, token_from="/officer/engagement/updates/new"
    )
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert "Enter what was done" in soup.select_one("#did_en-error").get_text()
    assert "Enter an address starting with https:// or /" in soup.select_one("#link_url_1-error").get_text()
    assert soup.select_one("textarea#heard_en").get_text() == ENTRY["heard_en"]


async def test_asking_twice_or_with_a_bad_address(client: Client) -> None:
    bad = await post_form(client, "/you-said-we-did/follow", {"email": "not-an-email"}, token_from="/you-said-we-did")
    assert bad.status_code == 400
    soup = check_page(bad.text, "en")
    assert soup.select_one("#email-error") is not None
    assert soup.select_one("input#email")["value"] == "not-an-email"
    first = await follow(client, "twice@example.org")
    second = await follow(client, "twice@example.org")
    assert first != second  # a new link each time; only the newest works
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    assert await Follower.count() == 1
