"""Cross-domain reactions run in every process, because they are wired where processes are built.

Deleting an account must delete the person's bookings even in a process that never imported the bookings
domain for its own sake: here a fresh `python -m backend.cli delete-account` process, as an operator would
run it on an erasure request.
"""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.accounts.tables import User
from backend.bookings.tables import Booking, WaitlistEntry
from backend.core.clock import SettableClock
from backend.core.tables import OutboxJob
from backend.engagement.tables import Answer, Follower
from backend.notifications.tables import PushSubscription
from tests.integration.test_bookings import book_form, make_slot, places_left
from tests.support.databases import run_cli
from tests.support.people import sign_in_resident
from tests.support.push_service import Device

Client = AsyncTestClient[Litestar]


async def test_deleting_an_account_in_a_fresh_process_deletes_the_persons_bookings(
    client: Client, clock: SettableClock
) -> None:
    slot, other = await make_slot(clock), await make_slot(clock)
    kept = await book_form(client, other, name="Kim", email="kim@example.org", places="1")  # someone else's
    assert kept.status_code == 303, kept.text
    await sign_in_resident(client, "lee@example.org")
    assert (await book_form(client, slot, name="", email="", places="2")).status_code == 303
    assert await places_left(slot) == 8

    settings = client.app.state["settings"]
    done = await asyncio.to_thread(
        run_cli, settings.database_url, "delete-account", "Lee@Example.org", data_dir=settings.data_dir
    )
    assert "Account deleted" in done.stdout

    assert not await User.exists().where(User.email == "lee@example.org")
    remaining = await Booking.select(Booking.email, Booking.occurrence_id)
    assert remaining == [{"email": "kim@example.org", "occurrence_id": other.occurrence_id}]
    assert await places_left(slot) == 10  # Lee's two places are back on sale
    assert await WaitlistEntry.count() == 0
    offers = await OutboxJob.select(OutboxJob.kind).where(OutboxJob.kind == "bookings.offer_places")
    assert len(offers) == 1  # the freed places go to the waiting list, through the worker


async def test_deleting_an_account_in_a_fresh_process_unlinks_the_persons_push_devices(client: Client) -> None:
    await sign_in_resident(client, "lee@example.org")
    device = Device.derive("wiring", 1)
    subscription = {**device.subscription("http://127.0.0.1:9"), "expirationTime": None}
    answer = await client.post(
        "/api/v1/push/subscriptions", json={"subscription": subscription, "topics": ["reminders"]}
    )
    assert answer.status_code == 201, answer.text
    lee = await User.select(User.id).where(User.email == "lee@example.org").first()
    assert lee is not None
    linked = await PushSubscription.select(PushSubscription.user_id, PushSubscription.topics)
    assert linked == [{"user_id": lee["id"], "topics": ",reminders,"}]

    settings = client.app.state["settings"]
    await asyncio.to_thread(
        run_cli, settings.database_url, "delete-account", "lee@example.org", data_dir=settings.data_dir
    )

    # The device keeps the resident topic it chose, but nothing ties it to the deleted person any more.
    assert await PushSubscription.select(PushSubscription.user_id, PushSubscription.topics) == [
        {"user_id": None, "topics": ",reminders,"}
    ]


async def test_deleting_an_account_in_a_fresh_process_unlinks_answers_and_stops_following(client: Client) -> None:
    await sign_in_resident(client, "lee@example.org")
    lee = await User.select(User.id).where(User.email == "lee@example.org").first()
    assert lee is not None
    await Answer.insert(
        Answer(question_id=1, text="More benches", user_id=lee["id"]), Answer(question_id=1, text="Kim's", user_id=None)
    )
    await Follower.insert(
        Follower(email="lee@example.org", confirm_hash="a" * 64, unsubscribe_token="b" * 64),
        Follower(email="kim@example.org", confirm_hash="c" * 64, unsubscribe_token="d" * 64),
    )

    settings = client.app.state["settings"]
    await asyncio.to_thread(
        run_cli, settings.database_url, "delete-account", "lee@example.org", data_dir=settings.data_dir
    )

    # The answers stay as the consultation's record, tied to nobody; only the other person still follows.
    answers = await Answer.select(Answer.text, Answer.user_id).order_by(Answer.id)
    assert answers == [{"text": "More benches", "user_id": None}, {"text": "Kim's", "user_id": None}]
    assert await Follower.select(Follower.email) == [{"email": "kim@example.org"}]


async def test_deleting_an_account_that_does_not_exist_says_so(client: Client) -> None:
    settings = client.app.state["settings"]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        await asyncio.to_thread(run_cli, settings.database_url, "delete-account", "nobody@example.org")
    assert refused.value.returncode == 1
    assert "No account uses nobody@example.org" in refused.value.stderr
