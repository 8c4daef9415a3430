"""An officer cancels a session: the matched people go back to the pool and are told by email in their own
language, the cancellation is audited, and a second cancel changes nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSlot
from tests.support.exchanges import answers, make_slot, make_topic, pairing_of, post_fields, request_token, setup_of
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
