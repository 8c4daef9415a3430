"""Matching at the cut-off, confirmations in each person's language, re-offers, and no overfilling under
concurrency — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.tables import AuditEntry, OutboxJob
from backend.exchanges.common import Intake
from backend.exchanges.intake import IntakeService
from backend.exchanges.setup import LeaderInput
from backend.exchanges.tables import ExchangePair, ExchangeRequest, ExchangeSlot
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.settings import Settings
from backend.wiring import job_handlers
from tests.support.exchanges import answers, make_slot, make_topic, pairing_of, request_token, setup_of
from tests.support.outbox import emails_to

Client = AsyncTestClient[Litestar]


class RecordingSender:
    """Keeps what the worker sends."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        pass


async def run_worker(settings: Settings, clock: SettableClock) -> RecordingSender:
    """Run every due job with the exchanges' handlers, as the worker would."""
    sender = RecordingSender()
    worker = Worker("test", JobContext(settings, sender, clock, WorkerOptions()), handlers=job_handlers())
    await worker.drain()
    return sender


def kinds(emails: list[dict[str, Any]]) -> list[str]:
    return [e["subject"] for e in emails]


async def slot_row(slot_id: int) -> dict[str, Any]:
    row = await ExchangeSlot.select().where(ExchangeSlot.id == slot_id).first()
    assert row is not None
    return row


async def test_polish_and_urdu_residents_are_matched_at_the_cut_off_and_told_in_their_language(
    client: Client, app: Litestar, clock: SettableClock, settings: Settings
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2, languages=("en", "pl", "ur"), interpreter=True)
    ola = await request_token(
        client, answers((1, 1, 1), [slot], email="ola@example.org", first_name="Ola", languages=("pl",)), "pl"
    )
    ayesha = await request_token(
        client, answers((5, 5, 5), [slot], email="ayesha@example.org", first_name="Ayesha", languages=("ur",)), "ur"
    )
    # Sam agrees with Ola (1 apart, under the threshold); with Ayesha he differs by 11 but she is better paired
    # with Ola (12). Two pairs are free, yet only one pair is possible: Sam is told honestly.
    sam = await request_token(client, answers((1, 1, 2), [slot], email="sam@example.org", first_name="Sam"))
    await run_worker(settings, clock)  # nothing is due before the cut-off
    assert await ExchangePair.count() == 0
    clock.advance(days=5, seconds=1)  # the cut-off: two days before the slot, a week away
    await run_worker(settings, clock)
    pairs = await ExchangePair.select()
    assert len(pairs) == 1
    assert pairs[0]["disagreement"] == 12
    assert (await slot_row(slot))["pairs_taken"] == 1
    ola_mail = [e for e in await emails_to("ola@example.org") if "attachments" in e]
    ayesha_mail = [e for e in await emails_to("ayesha@example.org") if "attachments" in e]
    assert len(ola_mail) == len(ayesha_mail) == 1
    assert ola_mail[0]["locale"] == "pl"
    assert ayesha_mail[0]["locale"] == "ur"
    assert "Dzielnice o ograniczonym ruchu" in ola_mail[0]["text"]
    assert "کم ٹریفک والے محلے" in ayesha_mail[0]["text"]
    assert "Fran" in ola_mail[0]["text"]  # the facilitator's first name
    for mail, other in ((ola_mail[0], "ayesha"), (ayesha_mail[0], "ola")):
        assert other not in mail["text"].lower()
        assert other not in mail["html"].lower()
        ics = base64.b64decode(mail["attachments"][0]["content_base64"]).decode()
        assert "BEGIN:VEVENT" in ics
        assert "meet.example.org" not in ics
    sam_mail = await emails_to("sam@example.org")
    assert any("No match this time" in e["subject"] for e in sam_mail)
    # Reminders 24 and 2 hours before, for each of the two.
    reminders = await OutboxJob.select(OutboxJob.due_at).where(OutboxJob.kind == "exchanges.reminder")
    starts = (await slot_row(slot))["starts_at"]
    assert sorted({r["due_at"] for r in reminders}) == [starts - timedelta(hours=24), starts - timedelta(hours=2)]
    assert len(reminders) == 4
    # The private link shows the match, and the online link only on the day.
    page = await client.get(f"/exchanges/requests/{ola}", headers={"Accept-Language": "pl"})
    assert "meet.example.org" not in page.text
    clock.advance(days=2, seconds=-3600)  # an hour before it starts
    page = await client.get(f"/exchanges/requests/{ola}", headers={"Accept-Language": "pl"})
    assert "https://meet.example.org/room-1" in page.text
    sam_page = await client.get(f"/exchanges/requests/{sam}")
    assert "meet.example.org" not in sam_page.text
    before = len(await emails_to("ayesha@example.org"))
    await run_worker(settings, clock)  # the two reminders, now due, are written and sent
    assert len(await emails_to("ayesha@example.org")) == before + 2
    assert ayesha != ola


async def test_a_cancellation_offers_the_partner_a_new_match(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2)
    alex = await request_token(client, answers((1, 1, 1), [slot], email="alex@example.org"))
    await request_token(client, answers((5, 5, 5), [slot], email="bo@example.org"))
    pairing = pairing_of(app, clock)
    result = await pairing.run_matching(slot)  # an officer runs it early
    assert result.pairs == 1
    await request_token(client, answers((1, 1, 2), [slot], email="cy@example.org"))
    assert await pairing.withdraw(alex)
    rows = {
        r["email"]: r["status"] for r in await ExchangeRequest.select(ExchangeRequest.email, ExchangeRequest.status)
    }
    assert rows == {"alex@example.org": "withdrawn", "bo@example.org": "matched", "cy@example.org": "matched"}
    confirmed = await ExchangePair.select().where(ExchangePair.status == "confirmed")
    assert len(confirmed) == 1
    assert confirmed[0]["disagreement"] == 11
    assert (await slot_row(slot))["pairs_taken"] == 1
    bo = await emails_to("bo@example.org")
    assert [("session has changed" in e["subject"], "You are matched" in e["subject"]) for e in bo[1:]] == [
        (False, True),
        (True, False),
        (False, True),
    ]


async def test_two_matching_runs_at_once_never_overfill_a_slot(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock, threshold=1)
    slot = await make_slot(app, clock, topic, pairs=1)
    for index in range(6):
        stance = (1, 1, 1) if index % 2 else (5, 5, 5)
        await request_token(client, answers(stance, [slot], email=f"p{index}@example.org"))
    first, second = pairing_of(app, clock), pairing_of(app, clock)
    results = await asyncio.gather(first.run_matching(slot), second.run_matching(slot), first.run_matching(slot))
    assert sum(r.pairs for r in results) == 1
    assert (await slot_row(slot))["pairs_taken"] == 1
    assert await ExchangePair.count() == 1
    assert await ExchangeRequest.count().where(ExchangeRequest.status == "matched") == 2
    assert await AuditEntry.count().where(AuditEntry.action == "exchanges.matching_run") == 3


async def test_two_runs_planned_from_different_snapshots_still_never_overfill(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    # Both runs read the slot while it still has its one pair free; the second also sees two newcomers who
    # disagree more, so it plans a different pair. Both then write at once: one pair, never two.
    topic = await make_topic(app, clock, threshold=1)
    slot = await make_slot(app, clock, topic, pairs=1)
    await request_token(client, answers((2, 2, 2), [slot], email="a@example.org"))
    await request_token(client, answers((4, 4, 4), [slot], email="b@example.org"))
    first, second = pairing_of(app, clock), pairing_of(app, clock)
    plan_one = await first.plan(slot)
    await request_token(client, answers((1, 1, 1), [slot], email="c@example.org"))
    await request_token(client, answers((5, 5, 5), [slot], email="d@example.org"))
    plan_two = await second.plan(slot)
    assert plan_one is not None
    assert plan_two is not None
    assert [(p.disagreement) for p in plan_one.pairs] == [6]
    assert [(p.disagreement) for p in plan_two.pairs] == [12]
    results = await asyncio.gather(first.commit(plan_one), second.commit(plan_two))
    assert sum(r.pairs for r in results) == 1
    assert (await slot_row(slot))["pairs_taken"] == 1
    assert await ExchangePair.count() == 1


async def test_fifty_residents_booking_a_leaders_last_slot_at_once_get_exactly_one(
    client: Client, app: Litestar, clock: SettableClock
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    setup = setup_of(app, clock)
    leader = await setup.create_leader(LeaderInput(topic, "Rev. Sam", "Faith leader", [5, 5, 5], "Flags unite."), None)
    slot = await make_slot(app, clock, topic, leader_id=leader)
    ordinary = await make_slot(app, clock, topic)
    intake = IntakeService(app.state["settings"], clock, app.state["engine"], app.state["email_renderer"])
    tokens = []
    for index in range(50):
        result = await intake.create(
            Intake(
                topic_id=topic,
                stances=[1, 2, 1],
                thermometer=50,
                understanding=4,
                willingness=4,
                slot_ids=[ordinary],
                languages=["en"],
                needs=[],
                first_name=f"R{index}",
                email=f"r{index}@example.org",
                locale="en",
            )
        )
        tokens.append(result.token)
    agreeing = await intake.create(
        Intake(topic, [5, 5, 4], 50, 4, 4, [ordinary], ["en"], [], "Pat", "pat@example.org", "en")
    )
    pairing = pairing_of(app, clock)
    assert await pairing.book_leader_slot(agreeing.token, slot) == "not_eligible"  # 1 apart from the leader
    outcomes = await asyncio.gather(*[pairing_of(app, clock).book_leader_slot(token, slot) for token in tokens])
    assert outcomes.count("booked") == 1
    assert outcomes.count("full") == 49
    assert (await slot_row(slot))["pairs_taken"] == 1
    assert await ExchangePair.count().where(ExchangePair.slot_id == slot) == 1


async def test_the_wait_list_control_waits_then_rejoins_the_pool(
    client: Client, app: Litestar, clock: SettableClock, settings: Settings
) -> None:
    # Every eligible request is drawn for the control (a share of 100%, so the draw is certain).
    topic = await make_topic(app, clock, threshold=4, control_share=100)
    first = await make_slot(app, clock, topic, pairs=2, days=7)
    later = await make_slot(app, clock, topic, pairs=2, days=60)
    for index, stance in enumerate(((1, 1, 1), (5, 5, 5))):
        await request_token(client, answers(stance, [first, later], email=f"w{index}@example.org"))
    clock.advance(days=5, seconds=1)
    await run_worker(settings, clock)  # the first slot's cut-off: both held back, told, no pair
    assert await ExchangePair.count() == 0
    rows = await ExchangeRequest.select(ExchangeRequest.status, ExchangeRequest.arm)
    assert rows == [{"status": "control", "arm": "control"}] * 2
    for index in range(2):
        assert any("later session" in e["subject"] for e in await emails_to(f"w{index}@example.org"))
    # Before their wait ends, a run of the later slot leaves them alone; after it, they are matched.
    assert (await pairing_of(app, clock).run_matching(later)).pairs == 0
    clock.advance(days=32)  # the wait: four weeks and a day after the first slot ended
    assert (await pairing_of(app, clock).run_matching(later)).pairs == 1
