"""An officer cancels a session: the matched people go back to the pool and are told by email in their own
language, the cancellation is audited, and a second cancel changes nothing. An officer changes a session: those
matched and the facilitator are told once each in their own language with an updated calendar file, the reminders
move with the time, a clash with the facilitator's other session or a pair that would no longer fit is refused at
the field, a cancelled or started session is not changed, and only officers may — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import User
from backend.core.auth import CurrentUser
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.exchanges.setup import LeaderInput, SessionDetails
from backend.exchanges.slot_changes import SlotChangesService
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSlot
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.settings import Settings
from backend.wiring import job_handlers
from tests.support.exchanges import (
    answers,
    make_slot,
    make_topic,
    pairing_of,
    post_fields,
    request_token,
    setup_of,
    topic_id_of,
)
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, csrf_token, sign_in

Client = AsyncTestClient[Litestar]
# Written down from the translators' wording, not read from the code under test.
CANCELLED = {
    "pl": "Twoje spotkanie w ramach Wymiany Słuchania na temat: Dzielnice o ograniczonym ruchu zostało odwołane.",
    "ur": "کم ٹریفک والے محلے پر سننے کے تبادلے کی آپ کی نشست منسوخ کر دی گئی ہے۔",
}


async def test_an_officer_cancels_a_session_and_the_matched_people_are_told_in_their_language(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2)
    other_slot = await make_slot(app, clock, topic, days=14)
    await request_token(
        client, answers((5, 5, 5), [slot, other_slot], email="ola@example.org", languages=("pl",)), "pl"
    )
    await request_token(
        client, answers((1, 1, 1), [slot, other_slot], email="amir@example.org", languages=("ur",)), "ur"
    )
    assert (await pairing_of(app, clock).run_matching(slot)).pairs == 1

    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}"
    token = await csrf_token(client, path)
    response = await post_fields(client, f"{path}/cancel", [("_csrf_token", token), ("reason", "Venue flooded")])
    assert response.status_code == 303

    row = (
        await ExchangeSlot.select(ExchangeSlot.status, ExchangeSlot.pairs_taken).where(ExchangeSlot.id == slot).first()
    )
    assert row == {"status": "cancelled", "pairs_taken": 0}
    assert {p["status"] for p in await ExchangePair.select(ExchangePair.status)} == {"cancelled"}
    statuses = {r["email"]: r["status"] for r in await ExchangeRequest.select()}
    assert statuses == {"ola@example.org": "waiting", "amir@example.org": "waiting"}  # back in the pool
    for email, locale in (("ola@example.org", "pl"), ("amir@example.org", "ur")):
        latest = (await emails_to(email))[-1]
        assert latest["locale"] == locale
        assert CANCELLED[locale] in latest["text"]
        other = "amir@example.org" if locale == "pl" else "ola@example.org"
        assert other not in latest["text"]
    entry = await AuditEntry.select().where(AuditEntry.action == "exchanges.slot_cancelled").first()
    assert entry is not None
    assert entry["reason"] == "Venue flooded"
    assert str(entry["subject_id"]) == str(slot)
    page = await client.get(path)
    assert "This session is cancelled." in page.text

    # A second cancel (a double click) tells nobody again and records nothing more.
    sent = len(await emails_to("ola@example.org"))
    await post_fields(client, f"{path}/cancel", [("_csrf_token", token)])
    assert len(await emails_to("ola@example.org")) == sent
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_cancelled") == 1
    # The cancelled session is no longer offered to residents.
    assert [s.id for s in await setup_of(app, clock).open_slots(topic)] == [other_slot]


# --- editing a session -------------------------------------------------------------------------------------

ZONE = ZoneInfo("Europe/London")
# Written down from the translators' wording, not read from the code under test.
MOVED = {
    "pl": "Zmienił się termin lub miejsce Twojej Wymiany Słuchania na temat: Dzielnice o ograniczonym ruchu. "
    "Tak wygląda spotkanie teraz:",
    "ur": "کم ٹریفک والے محلے پر آپ کے سننے کے تبادلے کا وقت یا جگہ تبدیل ہو گئی ہے۔ اب نشست یہ ہے:",
}
FACILITATOR_SUBJECT = {
    "pl": "Zmieniło się spotkanie, które moderujesz: Wymiana Słuchania na temat: Dzielnice o ograniczonym ruchu"
}
TOMORROW = {"pl": "Twoja Wymiana Słuchania jest jutro.", "ur": "آپ کا سننے کا تبادلہ کل ہے۔"}
TWO_HOURS = {
    "pl": "Twoja Wymiana Słuchania zaczyna się za dwie godziny.",
    "ur": "آپ کا سننے کا تبادلہ دو گھنٹے میں شروع ہوگا۔",
}
CLASH = {
    "en": "This facilitator has another session at that time: choose someone else, or another time",
    "pl": "Ten moderator ma w tym czasie inne spotkanie: wybierz kogoś innego albo inny termin",
}
RESIDENTS = (("ola@example.org", "pl"), ("amir@example.org", "ur"))


class Keeper:
    """Keeps what the worker sends (the tests read the outbox)."""

    async def send(self, message: EmailMessage) -> None:
        pass

    async def close(self) -> None:
        pass


async def run_worker(settings: Settings, clock: SettableClock) -> None:
    """Run every due job with the app's handlers, as the worker would."""
    await Worker("test", JobContext(settings, Keeper(), clock, WorkerOptions()), handlers=job_handlers()).drain()


def edit_fields(
    token: str,
    day: date,
    facilitator_id: int,
    *,
    start: str = "19:00",
    end: str = "20:00",
    pairs: str = "2",
    languages: tuple[str, ...] = ("en", "pl", "ur"),
) -> list[tuple[str, str]]:
    """The edit form as a browser posts it: an online session, requests closing 48 hours before."""
    fields = [
        ("_csrf_token", token),
        ("date", day.isoformat()),
        ("start", start),
        ("end", end),
        ("cut_off_hours", "48"),
        ("mode", "online"),
        ("online_link", "https://meet.example.org/room-1"),
        ("area", "Oxford"),
        ("facilitator_id", str(facilitator_id)),
        ("pairs_capacity", pairs),
        ("interpreter", "yes"),
    ]
    return fields + [("languages", code) for code in languages]


def field_value(html: str, name: str) -> str | None:
    found = BeautifulSoup(html, "html.parser").find("input", attrs={"name": name})
    return None if found is None else str(found.get("value"))


def evening(clock: SettableClock, days: int, hour: int = 18) -> datetime:
    """`days` from the clock's today, at `hour`:00 where the council is."""
    return datetime.combine(clock.now().astimezone(ZONE).date() + timedelta(days=days), time(hour, 0), ZONE)


async def matched_session(client: Client, app: Litestar, clock: SettableClock, facilitator_id: int) -> int:
    """An online session a week away, 18:00-19:00, with Ola (Polish) and Amir (Urdu) matched to it."""
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2, facilitator_id=facilitator_id, starts=evening(clock, 7))
    await request_token(client, answers((5, 5, 5), [slot], email="ola@example.org", languages=("pl",)), "pl")
    await request_token(client, answers((1, 1, 1), [slot], email="amir@example.org", languages=("ur",)), "ur")
    assert (await pairing_of(app, clock).run_matching(slot)).pairs == 1
    return slot


def with_text(emails: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [email for email in emails if text in email["text"]]


async def test_an_officer_moves_a_session_everyone_is_told_once_in_their_language_and_the_reminders_move(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory, settings: Settings
) -> None:
    facilitator = await people(Role.FACILITATOR)
    await User.update({User.locale: "pl", User.display_name: "Franciszka Nowak"}).where(User.id == facilitator.id)
    slot = await matched_session(client, app, clock, facilitator.id)
    row = await ExchangeSlot.select().where(ExchangeSlot.id == slot).first()
    assert row is not None
    old_start = row["starts_at"]

    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    form = await client.get(path)
    assert form.status_code == 200
    # Filled in with the session as it is, in the council's time zone.
    assert field_value(form.text, "date") == evening(clock, 7).date().isoformat()
    assert (field_value(form.text, "start"), field_value(form.text, "end")) == ("18:00", "19:00")
    assert field_value(form.text, "cut_off_hours") == "48"
    assert field_value(form.text, "online_link") == "https://meet.example.org/room-1"

    day = old_start.astimezone(ZONE).date() + timedelta(days=2)
    new_start = datetime.combine(day, time(19, 0), ZONE)
    fields = edit_fields(await csrf_token(client, path), day, facilitator.id)
    response = await post_fields(client, path, fields)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/officer/exchanges/slots/{slot}?changed=1"
    row = await ExchangeSlot.select().where(ExchangeSlot.id == slot).first()
    assert row is not None
    assert (row["starts_at"], row["ends_at"]) == (new_start, new_start + timedelta(hours=1))
    assert row["cut_off_at"] == new_start - timedelta(hours=48)
    assert row["sequence"] == 1

    # Each person matched is told once, in their own language, with a calendar file that updates the old one.
    for email, locale in RESIDENTS:
        told = with_text(await emails_to(email), MOVED[locale])
        assert len(told) == 1, [e["subject"] for e in await emails_to(email)]
        assert told[0]["locale"] == locale
        other = "amir" if locale == "pl" else "ola"
        assert other not in told[0]["text"]
        ics = base64.b64decode(told[0]["attachments"][0]["content_base64"]).decode()
        assert f"DTSTART;TZID=Europe/London:{day.strftime('%Y%m%d')}T190000" in ics.replace("\r\n ", "")
        assert "SEQUENCE:1" in ics
    # And so is the facilitator, in theirs.
    to_facilitator = await emails_to(facilitator.email)
    assert [(e["subject"], e["locale"]) for e in to_facilitator] == [(FACILITATOR_SUBJECT["pl"], "pl")]
    assert "Franciszka" in to_facilitator[0]["text"]
    assert "SEQUENCE:1" in base64.b64decode(to_facilitator[0]["attachments"][0]["content_base64"]).decode()
    entries = await AuditEntry.select().where(AuditEntry.action == "exchanges.slot_changed")
    assert len(entries) == 1
    assert str(entries[0]["subject_id"]) == str(slot)
    assert "starts_at" in str(entries[0]["details"])
    page = await client.get(f"/officer/exchanges/slots/{slot}?changed=1")
    assert "The changes to the session are saved." in page.text

    # The same form again (a double submit, a retry): nothing more is saved, told or recorded.
    sent = {address: len(await emails_to(address)) for address in ("ola@example.org", "amir@example.org")}
    sent[facilitator.email] = len(to_facilitator)
    again = await post_fields(client, path, edit_fields(await csrf_token(client, path), day, facilitator.id))
    assert again.status_code == 303
    assert {address: len(await emails_to(address)) for address in sent} == sent
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 1
    assert (await ExchangeSlot.select(ExchangeSlot.sequence).where(ExchangeSlot.id == slot).first()) == {"sequence": 1}

    # The reminders moved with the time: nothing when the old ones fall due, each once before the new time.
    clock.current = old_start - timedelta(hours=2) + timedelta(seconds=1)
    await run_worker(settings, clock)
    for email, locale in RESIDENTS:
        mail = await emails_to(email)
        assert with_text(mail, TOMORROW[locale]) == with_text(mail, TWO_HOURS[locale]) == []
    clock.current = new_start - timedelta(hours=24) + timedelta(seconds=1)
    await run_worker(settings, clock)
    for email, locale in RESIDENTS:
        mail = await emails_to(email)
        assert (len(with_text(mail, TOMORROW[locale])), len(with_text(mail, TWO_HOURS[locale]))) == (1, 0)
    clock.current = new_start - timedelta(hours=2) + timedelta(seconds=1)
    await run_worker(settings, clock)
    for email, locale in RESIDENTS:
        mail = await emails_to(email)
        assert (len(with_text(mail, TOMORROW[locale])), len(with_text(mail, TWO_HOURS[locale]))) == (1, 1)


async def test_a_clash_with_the_facilitators_other_session_is_refused_at_the_facilitator_field(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    slot = await matched_session(client, app, clock, facilitator.id)
    other = await make_slot(app, clock, await topic_id_of(), facilitator_id=facilitator.id, starts=evening(clock, 10))
    before = await ExchangeSlot.select().where(ExchangeSlot.id == slot).first()
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    sent = {address: len(await emails_to(address)) for address, _locale in RESIDENTS}

    # 18:30-19:30 on the day of the facilitator's other session (18:00-19:00), the officer reading Polish.
    day = evening(clock, 10).date()
    fields = edit_fields(await csrf_token(client, path), day, facilitator.id, start="18:30", end="19:30")
    response = await post_fields(client, path, fields, "pl")
    assert response.status_code == 400
    html = BeautifulSoup(response.text, "html.parser")
    error = html.find(id="facilitator_id-error")
    assert error is not None
    assert CLASH["pl"] in error.get_text()
    assert html.select_one(".govuk-error-summary a[href='#facilitator_id']") is not None
    # What was typed is kept.
    assert (field_value(response.text, "date"), field_value(response.text, "start")) == (day.isoformat(), "18:30")
    assert await ExchangeSlot.select().where(ExchangeSlot.id == slot).first() == before
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 0
    assert {address: len(await emails_to(address)) for address in sent} == sent

    # Starting as the other ends is no clash; nor is the same time once the other session is cancelled.
    response = await post_fields(
        client, path, edit_fields(await csrf_token(client, path), day, facilitator.id, start="19:00", end="20:00")
    )
    assert response.status_code == 303
    other_path = f"/officer/exchanges/slots/{other}"
    await post_fields(client, f"{other_path}/cancel", [("_csrf_token", await csrf_token(client, other_path))])
    response = await post_fields(
        client, path, edit_fields(await csrf_token(client, path), day, facilitator.id, start="18:30", end="19:30")
    )
    assert response.status_code == 303


async def test_pairs_already_matched_must_still_fit(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    slot = await matched_session(client, app, clock, facilitator.id)
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    day = evening(clock, 7).date()
    # Ola speaks Polish and Amir Urdu: without Urdu the session offers them no shared language (its interpreter
    # is for its languages); and one pair is matched, so it cannot be cut to none.
    token = await csrf_token(client, path)
    response = await post_fields(
        client, path, edit_fields(token, day, facilitator.id, start="18:00", end="19:00", languages=("en", "pl"))
    )
    assert response.status_code == 400
    html = BeautifulSoup(response.text, "html.parser")
    languages_error = html.find(id="languages-error")
    assert languages_error is not None
    assert "A pair matched to this session would no longer share a language it offers" in languages_error.get_text()
    response = await post_fields(client, path, edit_fields(token, day, facilitator.id, pairs="0"))
    assert response.status_code == 400
    assert BeautifulSoup(response.text, "html.parser").find(id="pairs_capacity-error") is not None
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 0


async def test_a_cancelled_or_started_session_cannot_be_changed(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    slot = await matched_session(client, app, clock, facilitator.id)
    topic = await topic_id_of()
    cancelled = await make_slot(app, clock, topic, facilitator_id=facilitator.id, starts=evening(clock, 20))
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    cancel_path = f"/officer/exchanges/slots/{cancelled}"
    await post_fields(client, f"{cancel_path}/cancel", [("_csrf_token", await csrf_token(client, cancel_path))])
    page = await client.get(f"{cancel_path}/edit")
    assert "This session is cancelled, so it cannot be changed." in page.text
    assert f'action="{cancel_path}/edit"' not in page.text
    token = await csrf_token(client, f"/officer/exchanges/slots/{slot}/edit")
    fields = edit_fields(token, evening(clock, 21).date(), facilitator.id)
    refused = await post_fields(client, f"{cancel_path}/edit", fields)
    assert refused.status_code == 409
    assert "This session is cancelled, so it cannot be changed." in refused.text

    # Once it has started, the matched session cannot be changed either, and its page no longer offers to.
    row = await ExchangeSlot.select(ExchangeSlot.starts_at).where(ExchangeSlot.id == slot).first()
    assert row is not None
    assert f'href="/officer/exchanges/slots/{slot}/edit"' in (await client.get(f"/officer/exchanges/slots/{slot}")).text
    clock.current = row["starts_at"] + timedelta(minutes=1)
    await sign_in(client, officer, clock)  # a week on, the sign-in has timed out
    page = await client.get(f"/officer/exchanges/slots/{slot}/edit")
    assert "This session has started or taken place, so it cannot be changed." in page.text
    slot_page = await client.get(f"/officer/exchanges/slots/{slot}")
    assert f'href="/officer/exchanges/slots/{slot}/edit"' not in slot_page.text
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 0


async def test_only_officers_may_change_a_session(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    slot = await matched_session(client, app, clock, facilitator.id)
    before = await ExchangeSlot.select().where(ExchangeSlot.id == slot).first()
    await sign_in(client, facilitator, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    assert (await client.get(path, follow_redirects=False)).status_code == 403
    token = await csrf_token(client, f"/facilitator/exchanges/slots/{slot}")
    response = await post_fields(client, path, edit_fields(token, evening(clock, 9).date(), facilitator.id))
    assert response.status_code == 403
    assert await ExchangeSlot.select().where(ExchangeSlot.id == slot).first() == before
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 0


def details_at(starts: datetime, facilitator_id: int) -> SessionDetails:
    """An online session an hour long from `starts`, requests closing 48 hours before (as the form gives it)."""
    return SessionDetails(
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        cut_off_at=starts - timedelta(hours=48),
        online=True,
        venue="",
        postcode="",
        area="Oxford",
        features=[],
        online_link="https://meet.example.org/room-1",
        facilitator_id=facilitator_id,
        facilitator_name="Fran",
        pairs_capacity=2,
        languages=["en", "pl", "ur"],
        interpreter=True,
    )


async def test_the_same_change_saved_twice_at_once_is_saved_and_told_once(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    slot = await matched_session(client, app, clock, facilitator.id)
    officer = await people(Role.OFFICER)
    user = CurrentUser(id=officer.id, email=officer.email, display_name="Officer", roles=frozenset({Role.OFFICER}))
    changes = SlotChangesService(pairing_of(app, clock), app.state["engine"])
    sent = {address: len(await emails_to(address)) for address, _locale in RESIDENTS}
    moved = details_at(evening(clock, 8, hour=19), facilitator.id)
    assert await asyncio.gather(*(changes.edit_slot(slot, moved, user) for _ in range(2))) == [{}, {}]
    assert (await ExchangeSlot.select(ExchangeSlot.sequence).where(ExchangeSlot.id == slot).first()) == {"sequence": 1}
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.slot_changed") == 1
    for address, locale in RESIDENTS:
        mail = await emails_to(address)
        assert len(mail) == sent[address] + 1
        assert MOVED[locale] in mail[-1]["text"]


async def test_a_cut_off_moved_later_matches_at_the_new_cut_off_not_the_old(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory, settings: Settings
) -> None:
    facilitator = await people(Role.FACILITATOR)
    topic = await make_topic(app, clock, threshold=4)
    first = evening(clock, 7)
    slot = await make_slot(app, clock, topic, pairs=2, facilitator_id=facilitator.id, starts=first)
    await request_token(client, answers((5, 5, 5), [slot], email="ola@example.org", languages=("pl",)), "pl")
    await request_token(client, answers((1, 1, 1), [slot], email="amir@example.org", languages=("ur",)), "ur")
    officer = await people(Role.OFFICER)
    user = CurrentUser(id=officer.id, email=officer.email, display_name="Officer", roles=frozenset({Role.OFFICER}))
    later = evening(clock, 10)
    problems = await SlotChangesService(pairing_of(app, clock), app.state["engine"]).edit_slot(
        slot, details_at(later, facilitator.id), user
    )
    assert problems == {}
    clock.current = first - timedelta(hours=48) + timedelta(seconds=1)  # the old cut-off
    await run_worker(settings, clock)
    assert await ExchangePair.count() == 0
    clock.current = later - timedelta(hours=48) + timedelta(seconds=1)  # the new one
    await run_worker(settings, clock)
    assert await ExchangePair.count() == 1


async def test_a_new_facilitator_is_told_and_so_is_the_one_relieved_but_nobody_else(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    first = await people(Role.FACILITATOR)
    second = await people(Role.FACILITATOR)
    await User.update({User.locale: "ur"}).where(User.id == second.id)
    slot = await matched_session(client, app, clock, first.id)
    sent = {address: len(await emails_to(address)) for address, _locale in RESIDENTS}
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    token = await csrf_token(client, path)
    fields = edit_fields(token, evening(clock, 7).date(), second.id, start="18:00", end="19:00")
    assert (await post_fields(client, path, fields)).status_code == 303
    # Written down from the translators' wording: "You are facilitating…" in Urdu, "…no longer…" in English.
    assert [e["subject"] for e in await emails_to(second.email)] == [
        "آپ کم ٹریفک والے محلے پر سننے کے تبادلے کی سہولت کاری کر رہے ہیں"
    ]
    assert [e["subject"] for e in await emails_to(first.email)] == [
        "You are no longer facilitating a Listening Exchange on Low-traffic neighbourhoods"
    ]
    assert {address: len(await emails_to(address)) for address in sent} == sent  # same time, same place
    row = await ExchangeSlot.select(ExchangeSlot.facilitator_id).where(ExchangeSlot.id == slot).first()
    assert row == {"facilitator_id": second.id}


async def test_a_leaders_session_keeps_its_one_place_when_moved(
    client: Client, app: Litestar, clock: SettableClock, people: PeopleFactory
) -> None:
    facilitator = await people(Role.FACILITATOR)
    topic = await make_topic(app, clock, threshold=4)
    leader = await setup_of(app, clock).create_leader(
        LeaderInput(topic, "Rev. Sam", "Faith leader", [5, 5, 5], "Flags unite."), None
    )
    slot = await make_slot(
        app, clock, topic, pairs=1, facilitator_id=facilitator.id, leader_id=leader, starts=evening(clock, 7)
    )
    officer = await people(Role.OFFICER)
    await sign_in(client, officer, clock)
    path = f"/officer/exchanges/slots/{slot}/edit"
    page = await client.get(path)
    assert page.status_code == 200
    assert field_value(page.text, "pairs_capacity") is None  # one resident meets the leader: nothing to choose
    # Even a form that says 9 pairs (not one the page offers) leaves it at one.
    fields = edit_fields(await csrf_token(client, path), evening(clock, 8).date(), facilitator.id, pairs="9")
    assert (await post_fields(client, path, fields)).status_code == 303
    row = (
        await ExchangeSlot.select(ExchangeSlot.pairs_capacity, ExchangeSlot.starts_at)
        .where(ExchangeSlot.id == slot)
        .first()
    )
    assert row == {"pairs_capacity": 1, "starts_at": datetime.combine(evening(clock, 8).date(), time(19, 0), ZONE)}
