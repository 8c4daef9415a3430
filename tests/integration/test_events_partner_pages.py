"""A partner's pages for one event, driven with real bookings (SQLite and PostgreSQL): who is coming, the CSV,
messaging everyone, cancelling a date or the series, moving a date (and telling those booked), and what a
partner of another organisation gets."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Organisation
from backend.bookings.schemas import BookingRequest, Outcome
from backend.bookings.services import BookingsService
from backend.bookings.tables import Booking, WaitlistEntry
from backend.core.clock import SettableClock
from backend.core.db import write_transaction
from backend.core.tables import AuditEntry, OutboxJob
from backend.events.tables import Event, Occurrence
from tests.support.events import MadeEvent, make_event, make_organisation
from tests.support.html_checks import check_page
from tests.support.outbox import emails_to as queued_emails_to
from tests.support.people import CSRF_FIELD, PeopleFactory, Person, partner_of, post_form, sign_in

Client = AsyncTestClient[Litestar]
LONDON = ZoneInfo("Europe/London")
TOKEN_PATH = re.compile(r"/bookings/([A-Za-z0-9_-]{20,100})")


BIDI_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def span(starts: datetime, ends: datetime) -> str:
    """A date's time range as the emails write it: "Tuesday, 8 December 2026 10:00–12:00"."""
    day, _, start = when(starts).rpartition(", ")
    return f"{day} {start}–{at(ends)}"


async def emails_to(address: str) -> list[dict[str, Any]]:
    """The queued emails, with the invisible direction isolates around times taken out of the plain text
    (they are checked in tests/integration/test_bookings_rtl.py; here the words and times are)."""
    emails = await queued_emails_to(address)
    return [{**email, "text": str(email.get("text", "")).translate(BIDI_ISOLATES)} for email in emails]


# --- making the world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partnered:
    """An organisation's event, with a partner of that organisation (not signed in yet)."""

    organisation_id: int
    partner: Person
    event: MadeEvent

    @property
    def manage(self) -> str:
        return f"/partner/events/{self.event.id}"

    def attendees_page(self, occurrence_id: int) -> str:
        return f"{self.manage}/attendees?occurrence={occurrence_id}"

    def csv_path(self, occurrence_id: int) -> str:
        return f"{self.manage}/occurrences/{occurrence_id}/attendees.csv"

    def message_path(self, occurrence_id: int) -> str:
        return f"{self.manage}/occurrences/{occurrence_id}/message"

    def change_path(self, occurrence_id: int) -> str:
        return f"{self.manage}/occurrences/{occurrence_id}/change"


def london(clock: SettableClock, days: int, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time some days from the clock's today."""
    day = (clock.now() + timedelta(days=days)).astimezone(LONDON)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def local_input(moment: datetime) -> str:
    """What a `datetime-local` field holds for this moment (London time)."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


async def partnered_event(
    people: PeopleFactory, clock: SettableClock, *, weekly: int = 1, capacity: int = 10, **fields: Any
) -> Partnered:
    """A published, bookable event (10 places a date, 10:00–12:00 London, three days on) and its partner."""
    organisation = await make_organisation("Cowley Larder")
    partner = await partner_of(people, organisation)
    event = await make_event(
        organisation, london(clock, 3, 10), capacity=capacity, weekly=weekly, title="Knit & natter", **fields
    )
    return Partnered(organisation, partner, event)


async def book(
    client: Client, event_id: int, occurrence_id: int, name: str, email: str, *, places: int = 1, access_needs: str = ""
) -> str:
    """Book through the public form, as a resident does; returns the manage link's token."""
    path = f"/events/{event_id}/{occurrence_id}/book"
    page = await client.get(path)
    soup = BeautifulSoup(page.text, "html.parser")
    nonce = soup.find("input", attrs={"name": "nonce"})
    token = CSRF_FIELD.search(page.text)
    form = soup.find("form", attrs={"method": "post"})
    assert nonce is not None, page.text
    assert token is not None
    assert form is not None
    data = {
        "_csrf_token": token.group(1),
        "nonce": str(nonce["value"]),
        "name": name,
        "email": email,
        "places": str(places),
        "access_needs": access_needs,
    }
    response = await client.post(str(form["action"]), data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    found = TOKEN_PATH.search(response.headers["location"])
    assert found is not None
    return found.group(1)


async def cancel_booking(client: Client, token: str) -> None:
    """Cancel a booking through its manage link, as its person does."""
    response = await post_form(client, f"/bookings/{token}/cancel", {}, token_from=f"/bookings/{token}/cancel")
    assert response.status_code == 303, response.text


def bookings_service(app: Litestar, clock: SettableClock) -> BookingsService:
    state = app.state
    return BookingsService(state["settings"], clock, state["engine"], state["email_renderer"])


async def book_in(app: Litestar, clock: SettableClock, event: MadeEvent, occurrence_id: int, **fields: Any) -> None:
    """Book through the bookings service (a resident whose language is not the form's)."""
    request = BookingRequest(**{"places": 1, **fields})
    result = await bookings_service(app, clock).booking.book(event.id, occurrence_id, request)
    assert result.outcome is Outcome.BOOKED, result


async def emails_about(address: str, words: str) -> list[dict[str, Any]]:
    """Emails to one address whose subject holds these words."""
    return [email for email in await emails_to(address) if words in email["subject"]]


async def booking_statuses(occurrence_id: int) -> dict[str, str]:
    rows = await Booking.select(Booking.email, Booking.status).where(Booking.occurrence_id == occurrence_id)
    return {row["email"]: row["status"] for row in rows}


async def occurrence_row(occurrence_id: int) -> dict[str, Any]:
    row = await Occurrence.select().where(Occurrence.id == occurrence_id).first()
    assert row is not None
    return dict(row)


def _babel(locale: str) -> str:
    return "en_GB" if locale == "en" else locale  # the site's English is British English


def when(moment: datetime, locale: str = "en") -> str:
    """A start as the emails write it: the full date, then the time (Europe/London; no seconds, no zone name)."""
    day = babel_dates.format_date(moment.astimezone(LONDON), format="full", locale=_babel(locale))
    return f"{day}, {at(moment, locale)}" if locale == "en" else f"{day} {at(moment, locale)}"


def at(moment: datetime, locale: str = "en") -> str:
    """An end as the email's `time` filter writes it."""
    return babel_dates.format_time(moment, format="short", tzinfo=LONDON, locale=_babel(locale))


def table_rows(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [
        [" ".join(cell.get_text().split()) for cell in row.find_all("td")]
        for row in soup.select("table.govuk-table tbody tr")
    ]


# --- who is coming ----------------------------------------------------------------------------------------


async def test_the_attendee_list_shows_each_person_booked_with_places_and_access_needs_as_text(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=2)
    first, second = made.event.occurrences
    needs = "Step-free <b>ramp</b> & <script>alert(1)</script>"
    await book(client, made.event.id, first, "Ala Nowak", "ala@example.org", places=2, access_needs=needs)
    await book(client, made.event.id, first, "Bo Diddley", "bo@example.org")
    gone = await book(client, made.event.id, first, "Cy Gone", "cy@example.org", places=3)
    await cancel_booking(client, gone)
    await book(client, made.event.id, second, "Dee Later", "dee@example.org")
    await sign_in(client, made.partner, clock)

    page = await client.get(made.attendees_page(first))
    assert page.status_code == 200, page.text
    soup = check_page(page.text, "en")
    assert table_rows(page.text) == [
        ["Ala Nowak", "ala@example.org", "2", needs],
        ["Bo Diddley", "bo@example.org", "1", ""],
    ]
    assert "2 bookings" in soup.select_one("caption").get_text()
    assert "<script>alert(1)</script>" not in page.text
    assert "<b>ramp</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Cy Gone" not in page.text
    assert "Dee Later" not in page.text

    # Without a chosen date the page shows the next one; the other date lists its own people.
    assert table_rows((await client.get(f"{made.manage}/attendees")).text) == table_rows(page.text)
    later = await client.get(made.attendees_page(second))
    assert table_rows(later.text) == [["Dee Later", "dee@example.org", "1", ""]]


async def test_the_csv_lists_the_people_booked_neutralises_formulas_and_is_audited(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock)
    (occurrence,) = made.event.occurrences
    await book(client, made.event.id, occurrence, '=HYPERLINK("http://evil.example","x")', "eq@example.org")
    await book(client, made.event.id, occurrence, "+44 Smith", "plus@example.org", places=2, access_needs="=1+1")
    await book(client, made.event.id, occurrence, "@SUM(A1)", "at@example.org", access_needs="-2+3 wheelchair")
    await book(client, made.event.id, occurrence, 'Dee "DJ", Smith', "dee@example.org", access_needs="Hearing loop")
    gone = await book(client, made.event.id, occurrence, "Ed Gone", "ed@example.org")
    await cancel_booking(client, gone)
    await sign_in(client, made.partner, clock)

    response = await client.get(made.csv_path(occurrence))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="attendees-{made.event.id}-{occurrence}.csv"'
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["Name", "Email address", "Places", "Access needs"],
        ['\'=HYPERLINK("http://evil.example","x")', "eq@example.org", "1", ""],
        ["'+44 Smith", "plus@example.org", "2", "'=1+1"],
        ["'@SUM(A1)", "at@example.org", "1", "'-2+3 wheelchair"],
        ['Dee "DJ", Smith', "dee@example.org", "1", "Hearing loop"],
    ]

    audit = await AuditEntry.select(
        AuditEntry.actor_id, AuditEntry.subject_type, AuditEntry.subject_id, AuditEntry.details
    ).where(AuditEntry.action == "event.attendees_exported")
    assert len(audit) == 1
    entry = audit[0]
    details = json.loads(entry["details"]) if isinstance(entry["details"], str) else entry["details"]
    assert (entry["actor_id"], entry["subject_type"], entry["subject_id"]) == (
        made.partner.id,
        "occurrence",
        str(occurrence),
    )
    assert details == {"event_id": made.event.id}


# --- messaging everyone ------------------------------------------------------------------------------------


async def test_message_everyone_emails_each_person_booked_once_and_an_empty_message_keeps_the_subject(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock)
    (occurrence,) = made.event.occurrences
    await book(client, made.event.id, occurrence, "Ala", "ala@example.org", places=2)
    await book(client, made.event.id, occurrence, "Bo", "bo@example.org")
    gone = await book(client, made.event.id, occurrence, "Cy", "cy@example.org")
    await cancel_booking(client, gone)
    await sign_in(client, made.partner, clock)
    page = made.attendees_page(occurrence)

    jobs_before = await OutboxJob.count()
    empty = await post_form(
        client, made.message_path(occurrence), {"subject": "Room change", "message": "   "}, token_from=page
    )
    assert empty.status_code == 400
    soup = check_page(empty.text, "en")
    assert soup.select_one(".govuk-error-summary") is not None
    assert "Enter your message" in soup.select_one("#message-error").get_text()
    assert soup.select_one("#subject-error") is None
    assert soup.select_one("#subject")["value"] == "Room change"
    assert [row[0] for row in table_rows(empty.text)] == ["Ala", "Bo"]  # the list is still there
    assert await OutboxJob.count() == jobs_before

    body = "We meet upstairs in room 2. Bring <a friend> & a mug."
    sent = await post_form(
        client, made.message_path(occurrence), {"subject": "Room change", "message": body}, token_from=page
    )
    assert sent.status_code == 302, sent.text
    assert sent.headers["location"] == page
    landing = await client.get(page)
    check_page(landing.text, "en")
    assert "Your message is being sent to everyone booked." in landing.text

    for address in ("ala@example.org", "bo@example.org"):
        (email,) = await emails_about(address, "Room change")
        assert email["subject"] == "Knit & natter: Room change"
        assert body in email["text"]
        assert "Bring &lt;a friend&gt; &amp; a mug." in email["html"]
    assert await emails_about("cy@example.org", "Room change") == []
    audit = await AuditEntry.select(AuditEntry.details).where(AuditEntry.action == "event.attendees_messaged")
    assert len(audit) == 1
    details = audit[0]["details"]
    assert (json.loads(details) if isinstance(details, str) else details)["recipients"] == 2


# --- cancelling --------------------------------------------------------------------------------------------


async def test_cancelling_one_date_cancels_its_bookings_and_tells_each_person_booked_on_it(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=2)
    first, second = made.event.occurrences
    await book(client, made.event.id, first, "Ala", "ala@example.org", places=2)
    await book(client, made.event.id, first, "Bo", "bo@example.org")
    gone = await book(client, made.event.id, first, "Cy", "cy@example.org")
    await cancel_booking(client, gone)
    await book(client, made.event.id, second, "Dee", "dee@example.org")
    await sign_in(client, made.partner, clock)

    response = await post_form(
        client, f"{made.manage}/occurrences/{first}/cancel", {"reason": "The hall flooded"}, token_from=made.manage
    )
    assert response.status_code == 302, response.text
    assert response.headers["location"] == made.manage

    assert (await occurrence_row(first))["status"] == "cancelled"
    assert (await occurrence_row(second))["status"] == "scheduled"
    assert await booking_statuses(first) == {
        "ala@example.org": "cancelled",
        "bo@example.org": "cancelled",
        "cy@example.org": "cancelled",
    }
    assert await booking_statuses(second) == {"dee@example.org": "confirmed"}
    for address in ("ala@example.org", "bo@example.org"):
        (notice,) = await emails_about(address, "Cancelled by the organiser")
        assert notice["subject"] == "Cancelled by the organiser: Knit & natter"
        assert "The hall flooded" in notice["text"]
        assert "STATUS:CANCELLED" in base64.b64decode(notice["attachments"][0]["content_base64"]).decode()
    assert await emails_about("cy@example.org", "Cancelled by the organiser") == []
    assert await emails_about("dee@example.org", "Cancelled by the organiser") == []


async def test_cancelling_the_series_cancels_every_date_to_come_and_tells_everyone_booked(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=3)
    first, second, third = made.event.occurrences
    await book(client, made.event.id, first, "Ala", "ala@example.org")
    await book(client, made.event.id, third, "Ala", "ala@example.org", places=2)
    await book(client, made.event.id, second, "Bo", "bo@example.org")
    gone = await book(client, made.event.id, second, "Cy", "cy@example.org")
    await cancel_booking(client, gone)
    await sign_in(client, made.partner, clock)

    response = await post_form(client, f"{made.manage}/cancel", {"reason": "Funding ended"}, token_from=made.manage)
    assert response.status_code == 302, response.text

    event = await Event.select(Event.status).where(Event.id == made.event.id).first()
    assert event == {"status": "cancelled"}
    assert [(await occurrence_row(o))["status"] for o in (first, second, third)] == ["cancelled"] * 3
    assert await Booking.count().where(Booking.status == "confirmed") == 0
    ala = await emails_about("ala@example.org", "Cancelled by the organiser")
    assert len(ala) == 2  # one per date booked
    assert all("Funding ended" in email["text"] for email in ala)
    (bo,) = await emails_about("bo@example.org", "Cancelled by the organiser")
    assert "Funding ended" in bo["text"]
    assert await emails_about("cy@example.org", "Cancelled by the organiser") == []
    assert await AuditEntry.exists().where(
        (AuditEntry.action == "event.cancelled") & (AuditEntry.reason == "Funding ended")
    )


# --- moving a date -----------------------------------------------------------------------------------------


async def test_the_change_page_moves_one_date_and_refuses_an_end_before_the_start(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=2)
    first, second = made.event.occurrences
    await sign_in(client, made.partner, clock)

    page = await client.get(made.change_path(first))
    assert page.status_code == 200, page.text
    soup = check_page(page.text, "en")
    assert soup.select_one("#starts_at")["value"] == local_input(london(clock, 3, 10))
    assert soup.select_one("#ends_at")["value"] == local_input(london(clock, 3, 12))

    starts, ends = london(clock, 4, 14, 30), london(clock, 4, 16)
    wrong = await post_form(
        client,
        made.change_path(first),
        {"starts_at": local_input(starts), "ends_at": local_input(starts - timedelta(hours=1))},
    )
    assert wrong.status_code == 400
    soup = check_page(wrong.text, "en")
    assert soup.select_one("#ends_at-error") is not None
    assert soup.select_one("#starts_at")["value"] == local_input(starts)
    assert (await occurrence_row(first))["starts_at"] == london(clock, 3, 10)

    moved = await post_form(
        client, made.change_path(first), {"starts_at": local_input(starts), "ends_at": local_input(ends)}
    )
    assert moved.status_code == 302, moved.text
    row = await occurrence_row(first)
    assert (row["starts_at"], row["ends_at"]) == (starts, ends)
    assert row["changed_alone"]
    assert row["sequence"] == 1
    assert (await occurrence_row(second))["starts_at"] == london(clock, 10, 10)  # the rest of the series stays
    assert await AuditEntry.exists().where(AuditEntry.action == "event.occurrence_changed")


async def test_moving_a_booked_date_tells_each_person_booked_the_old_and_new_time_in_their_language(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock)
    (occurrence,) = made.event.occurrences
    await book(client, made.event.id, occurrence, "Ala", "ala@example.org", places=2)
    gone = await book(client, made.event.id, occurrence, "Cy", "cy@example.org")
    await cancel_booking(client, gone)
    await book_in(app, clock, made.event, occurrence, name="Bożena", email="bozena@example.org", locale="pl")
    await sign_in(client, made.partner, clock)
    old_starts, old_ends = london(clock, 3, 10), london(clock, 3, 12)
    starts, ends = london(clock, 5, 18, 30), london(clock, 5, 20)

    form = {"starts_at": local_input(starts), "ends_at": local_input(ends)}
    assert (await post_form(client, made.change_path(occurrence), form)).status_code == 302

    (ala,) = await emails_about("ala@example.org", "New time")
    assert ala["subject"] == "New time: Knit & natter"
    assert ala["locale"] == "en"
    assert span(old_starts, old_ends) in ala["text"]
    assert when(old_starts).endswith(", 10:00")  # 24-hour, no seconds or zone name
    assert span(starts, ends) in ala["text"]
    assert "Your 2 places are booked for the new time." in ala["text"]
    ics = base64.b64decode(ala["attachments"][0]["content_base64"]).decode()
    assert f"DTSTART;TZID=Europe/London:{starts.strftime('%Y%m%dT%H%M%S')}" in ics
    assert "SEQUENCE:1" in ics
    assert "STATUS:CONFIRMED" in ics
    (bozena,) = [email for email in await emails_to("bozena@example.org") if when(starts, "pl") in email["text"]]
    assert bozena["locale"] == "pl"
    assert when(old_starts, "pl") in bozena["text"]
    assert not [email for email in await emails_to("cy@example.org") if when(starts) in email["text"]]
    assert await booking_statuses(occurrence) == {
        "ala@example.org": "confirmed",
        "cy@example.org": "cancelled",
        "bozena@example.org": "confirmed",
    }

    # The same move told again (a retry inside the bookings service) adds no email: the key is the same.
    async with write_transaction(app.state["engine"]):
        assert await bookings_service(app, clock).occurrences.occurrence_moved(occurrence, old_starts, old_ends) == 2
    assert len(await emails_about("ala@example.org", "New time")) == 1

    # Sending the same time again (a double submit) moves nothing and tells nobody again.
    assert (await post_form(client, made.change_path(occurrence), form)).status_code == 302
    assert len(await emails_about("ala@example.org", "New time")) == 1

    # A second move is told too, from the time the first move set.
    later = london(clock, 6, 9)
    form = {"starts_at": local_input(later), "ends_at": local_input(later + timedelta(hours=1))}
    assert (await post_form(client, made.change_path(occurrence), form)).status_code == 302
    first_move, second_move = await emails_about("ala@example.org", "New time")
    assert span(starts, ends) in second_move["text"]
    assert span(later, later + timedelta(hours=1)) in second_move["text"]
    assert first_move["text"] != second_move["text"]


# --- another organisation's partner ------------------------------------------------------------------------


async def test_a_partner_of_another_organisation_reaches_none_of_the_event_pages(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=2)
    first, _ = made.event.occurrences
    await book(client, made.event.id, first, "Ala", "ala@example.org", access_needs="Wheelchair")
    elsewhere = await make_organisation("Banbury School")
    intruder = await partner_of(people, elsewhere)
    await make_event(elsewhere, london(clock, 4, 10), capacity=5)  # they have events of their own
    await sign_in(client, intruder, clock)
    jobs_before = await OutboxJob.count()
    audit_before = await AuditEntry.count()

    attendees = await client.get(made.attendees_page(first))
    assert attendees.status_code == 404
    # Whole words only: a CSRF token on the page may hold the letters "Ala" by chance.
    assert not re.search(r"\bAla\b", attendees.text)
    assert "Wheelchair" not in attendees.text
    csv_response = await client.get(made.csv_path(first))
    assert csv_response.status_code == 404
    assert "ala@example.org" not in csv_response.text
    assert (await client.get(made.change_path(first))).status_code == 404
    token = "/account"
    for path, data in (
        (made.message_path(first), {"subject": "Hi", "message": "Come to ours instead"}),
        (f"{made.manage}/occurrences/{first}/cancel", {"reason": "Hijacked"}),
        (f"{made.manage}/cancel", {"reason": "Hijacked"}),
        (
            made.change_path(first),
            {"starts_at": local_input(london(clock, 5, 9)), "ends_at": local_input(london(clock, 5, 10))},
        ),
    ):
        response = await post_form(client, path, data, token_from=token)
        assert response.status_code == 404, path

    assert await OutboxJob.count() == jobs_before
    assert await AuditEntry.count() == audit_before
    assert (await Event.select(Event.status).where(Event.id == made.event.id).first()) == {"status": "published"}
    row = await occurrence_row(first)
    assert (row["status"], row["starts_at"], row["sequence"]) == ("scheduled", london(clock, 3, 10), 0)
    assert await booking_statuses(first) == {"ala@example.org": "confirmed"}


async def test_a_date_of_another_event_cannot_be_reached_through_this_events_address(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock)
    other = await make_event(made.organisation_id, london(clock, 4, 10), capacity=5, title="Repair café")
    (other_date,) = other.occurrences
    await book(client, other.id, other_date, "Bo", "bo@example.org")
    await sign_in(client, made.partner, clock)
    assert (await client.get(made.csv_path(other_date))).status_code == 404
    assert (await client.get(made.change_path(other_date))).status_code == 404
    response = await post_form(
        client, made.message_path(other_date), {"subject": "Hi", "message": "Hello"}, token_from=made.manage
    )
    assert response.status_code == 404
    assert not await AuditEntry.exists().where(AuditEntry.action == "event.attendees_exported")
    assert await emails_about("bo@example.org", "Hi") == []


def form_as_sent(page: str, action: str) -> dict[str, Any]:
    """What a browser would send from this page's form as it stands (values, ticked boxes, chosen options)."""
    form = BeautifulSoup(page, "html.parser").find("form", attrs={"action": action})
    assert form is not None, f"no form for {action}"
    data: dict[str, Any] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = str(field.get("name") or "")
        if not name or field.get("type") in {"submit", "button"}:
            continue
        if field.get("type") in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        else:
            data[name] = field.get("value", "")
    return {
        name: value[0] if isinstance(value, list) and len(value) == 1 and name not in MULTI else value
        for name, value in data.items()
    }


MULTI = {"languages", "accessibility", "suits"}  # the event form's groups of checkboxes


async def test_a_new_time_for_the_whole_series_tells_everyone_booked_on_each_date(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=2)
    first, second = made.event.occurrences
    await book(client, made.event.id, first, "Ala", "ala@example.org")
    await book(client, made.event.id, second, "Ben", "ben@example.org")
    await Organisation.update({Organisation.trusted: True}).where(Organisation.id == made.organisation_id)
    await sign_in(client, made.partner, clock)
    edit = f"{made.manage}/edit"
    form = form_as_sent((await client.get(edit)).text, edit)
    assert form["starts_at"] == local_input(london(clock, 3, 10))  # the series' first date, as shown
    form.update(starts_at=local_input(london(clock, 3, 14)), ends_at=local_input(london(clock, 3, 16)))
    form["recurrence_until"] = london(clock, 10, 0).date().isoformat()  # the made series has no stored last date
    response = await post_form(client, edit, form)
    assert response.status_code == 302, response.text

    assert (await occurrence_row(first))["starts_at"] == london(clock, 3, 14)
    assert (await occurrence_row(second))["starts_at"] == london(clock, 10, 14)
    (ala,) = await emails_about("ala@example.org", "New time")
    assert span(london(clock, 3, 10), london(clock, 3, 12)) in ala["text"]
    assert span(london(clock, 3, 14), london(clock, 3, 16)) in ala["text"]
    (ben,) = await emails_about("ben@example.org", "New time")
    assert span(london(clock, 10, 14), london(clock, 10, 16)) in ben["text"]


async def test_moving_a_full_date_tells_the_waiting_list_too(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, capacity=1)
    (occurrence,) = made.event.occurrences
    ala = await book(client, made.event.id, occurrence, "Ala", "ala@example.org")
    for name, email, locale in (("Wiktor", "wiktor@example.org", "pl"), ("Zoe", "zoe@example.org", "en")):
        request = BookingRequest(name=name, email=email, places=1, locale=locale)
        joined = await bookings_service(app, clock).waitlist.join_waitlist(made.event.id, occurrence, request)
        assert joined.outcome is Outcome.WAITLISTED
    await cancel_booking(client, ala)  # the place is offered to Wiktor, first in the queue; Zoe still waits
    await sign_in(client, made.partner, clock)
    starts = london(clock, 4, 18)
    form = {"starts_at": local_input(starts), "ends_at": local_input(starts + timedelta(hours=2))}
    assert (await post_form(client, made.change_path(occurrence), form)).status_code == 302

    (wiktor,) = [email for email in await emails_to("wiktor@example.org") if when(starts, "pl") in email["text"]]
    assert wiktor["locale"] == "pl"
    assert when(london(clock, 3, 10), "pl") in wiktor["text"]  # the old time too
    assert "Zaproponowane Ci miejsca są zarezerwowane na nowy termin." in wiktor["text"]  # the offer stands
    assert not wiktor.get("attachments")  # not going yet: nothing for the calendar
    (zoe,) = await emails_about("zoe@example.org", "New time")
    assert "You are still on the waiting list for the new time." in zoe["text"]
    assert await emails_about("ala@example.org", "New time") == []  # cancelled before the move
    statuses = {row["email"]: row["status"] for row in await WaitlistEntry.select()}
    assert statuses == {"wiktor@example.org": "offered", "zoe@example.org": "waiting"}


async def test_a_new_schedule_for_a_series_already_under_way_leaves_the_dates_held_alone(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    made = await partnered_event(people, clock, weekly=3)  # days 3, 10 and 17 at 10:00
    held, second, third = made.event.occurrences
    await book(client, made.event.id, held, "Ala", "ala@example.org")
    await book(client, made.event.id, second, "Ben", "ben@example.org")
    await Organisation.update({Organisation.trusted: True}).where(Organisation.id == made.organisation_id)
    clock.advance(days=4)  # the first date has been held
    await sign_in(client, made.partner, clock)
    edit = f"{made.manage}/edit"
    form = form_as_sent((await client.get(edit)).text, edit)
    # Weekly from day 5 (of the original days) at 14:00 until day 17: days 5 and 12.
    new_start = london(clock, 1, 14)
    form.update(starts_at=local_input(new_start), ends_at=local_input(new_start + timedelta(hours=2)))
    form["recurrence_until"] = london(clock, 13, 0).date().isoformat()
    response = await post_form(client, edit, form)
    assert response.status_code == 302, response.text

    dates = (
        await Occurrence.select(Occurrence.id, Occurrence.starts_at, Occurrence.status)
        .where(Occurrence.event == made.event.id)
        .order_by(Occurrence.starts_at)
    )
    assert [(row["id"], row["starts_at"], row["status"]) for row in dates] == [
        (held, london(clock, -1, 10), "scheduled"),  # held: as it was
        (dates[1]["id"], new_start, "scheduled"),  # the date the new schedule puts in its place, added
        (second, london(clock, 8, 14), "scheduled"),  # still to come: moved
        (third, london(clock, 13, 10), "cancelled"),  # no longer in the schedule
    ]
    assert dates[1]["id"] not in {held, second, third}
    assert await emails_about("ala@example.org", "New time") == []  # nobody is told a held date moved
    (ben,) = await emails_about("ben@example.org", "New time")
    assert span(london(clock, 8, 14), london(clock, 8, 16)) in ben["text"]


async def test_the_dashboard_shows_each_events_first_ten_dates_and_how_many_more(
    app: Litestar, client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    """A weekly series of 14 dates: the first ten, each with its bookings, then "and 4 more dates"."""
    made = await partnered_event(people, clock, weekly=14)
    await book_in(app, clock, made.event, made.event.occurrences[1], name="Ada", email="ada@example.org", places=2)
    await sign_in(client, made.partner, clock)

    page = await client.get("/partner/events")
    assert page.status_code == 200
    check_page(page.text, "en")
    soup = BeautifulSoup(page.text, "html.parser")
    rows = soup.select("table.govuk-table tbody tr")
    assert len(rows) == 10
    booked = [row.select("td")[1].get_text(strip=True) for row in rows]
    assert booked == ["0", "2", "0", "0", "0", "0", "0", "0", "0", "0"]
    first_day = babel_dates.format_date(london(clock, 3, 10), "medium", locale="en_GB")
    tenth_day = babel_dates.format_date(london(clock, 3 + 63, 10), "medium", locale="en_GB")
    assert first_day in rows[0].get_text()
    assert tenth_day in rows[9].get_text()
    assert "and 4 more dates" in soup.get_text(" ", strip=True)


async def test_the_dashboard_comes_ten_events_a_page_waiting_ones_first(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    """12 events: 2 waiting for approval come first, then the 10 published, newest first; the summary counts
    all of them and links to the page where each status begins."""
    organisation = await make_organisation("Busy group")
    partner = await partner_of(people, organisation)
    # The waiting ones are the oldest: only their status puts them first.
    for n in range(2):
        await make_event(organisation, london(clock, 3, 10), title=f"Waiting {n}", status="pending")
    published = [
        (await make_event(organisation, london(clock, 3 + n, 10), title=f"Published {n:02d}")).id for n in range(10)
    ]
    await sign_in(client, partner, clock)

    first = BeautifulSoup((await client.get("/partner/events")).text, "html.parser")
    titles = [link.get_text(strip=True) for link in first.select("h3.govuk-summary-card__title a")]
    assert titles == ["Waiting 1", "Waiting 0", *[f"Published {n:02d}" for n in range(9, 1, -1)]]
    summary = {link.get_text(strip=True): link["href"] for link in first.select("ul.govuk-list a")}
    assert summary == {"Waiting for approval": "?page=1#status-pending", "Published": "?page=1#status-published"}
    assert "Page 1 of 2" in first.get_text(" ", strip=True)

    second_page = await client.get("/partner/events?page=2")
    check_page(second_page.text, "en")
    second = BeautifulSoup(second_page.text, "html.parser")
    titles = [link.get_text(strip=True) for link in second.select("h3.govuk-summary-card__title a")]
    assert titles == ["Published 01", "Published 00"]
    assert second.select_one("h2#status-published").get_text(strip=True).endswith("(10)")
    assert f"/partner/events/{published[0]}" in second_page.text

    beyond = BeautifulSoup((await client.get("/partner/events?page=99")).text, "html.parser")
    assert [link.get_text(strip=True) for link in beyond.select("h3.govuk-summary-card__title a")] == titles
