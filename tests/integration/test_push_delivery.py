"""Push delivery through the outbox against the local push service: real VAPID, real aes128gcm, and the faults."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.db import write_transaction
from backend.core.tables import OutboxJob
from backend.notifications import topics
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.notifications.push import Audience, queue_push
from backend.notifications.tables import PushDelivery, PushSubscription
from backend.settings import Settings
from backend.wiring import batch_job_handlers, job_handlers
from tests.support.push_service import RunningPushService

Client = AsyncTestClient[Litestar]
SUBSCRIBE = "/api/v1/push/subscriptions"


class NoEmail:
    async def send(self, _message: Any) -> None:
        raise AssertionError("no email expected")

    async def close(self) -> None:
        return None


def worker(settings: Settings, clock: SettableClock) -> Worker:
    context = JobContext(settings, NoEmail(), clock, WorkerOptions(batch=50))
    return Worker(
        "push-test",
        context,
        handlers=job_handlers(),
        batch_handlers=batch_job_handlers(),
    )


async def subscribe(
    client: Client, service: RunningPushService, number: int, topics_: list[str], lang: str = "en"
) -> None:
    client.cookies.set("hearby_lang", lang)
    device = service.service.device(number)
    answer = await client.post(
        SUBSCRIBE, json={"subscription": device.subscription(service.base_url), "topics": topics_}
    )
    assert answer.status_code == 201, answer.text
    client.cookies.clear()


async def broadcast(client: Client, key: str = "yswd:1") -> None:
    engine = client.app.state["engine"]
    async with write_transaction(engine):
        assert await queue_push(
            Audience(topic=topics.YOU_SAID_WE_DID),
            "you_said_we_did",
            {"summary": {"en": "New benches on Cowley Road.", "pl": "Nowe ławki na Cowley Road."}},
            url="/you-said-we-did/1",
            dedupe_key=key,
            due_at=client.app.state["clock"].now(),
        )


async def statuses() -> dict[str, int]:
    rows = await OutboxJob.select(OutboxJob.kind, OutboxJob.status)
    found: dict[str, int] = {}
    for row in rows:
        if row["kind"] in {"push", "push_fanout"}:
            name = f"{row['kind']}:{row['status']}"
            found[name] = found.get(name, 0) + 1
    return found


async def test_a_message_reaches_each_subscribed_device_in_its_language_with_url_tag_ttl_and_urgency(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"], "en")
    await subscribe(client, push_service, 2, ["you_said_we_did"], "pl")
    await subscribe(client, push_service, 3, ["reminders"], "en")  # did not ask for this topic
    await broadcast(client)
    await worker(settings, clock).drain()
    service = push_service.service
    assert service.rejected == []
    english = service.delivered(1)
    polish = service.delivered(2)
    assert service.delivered(3) == []
    assert len(english) == 1
    assert len(polish) == 1
    assert english[0].notification["title"] == "You said, we did"
    assert english[0].notification["body"] == "New benches on Cowley Road."
    assert english[0].notification["url"] == "/you-said-we-did/1"
    assert english[0].notification["lang"] == "en"
    assert english[0].notification["settings_url"] == "/notifications/settings"
    assert polish[0].notification["title"] == "Wy powiedzieliście, my zrobiliśmy"
    assert polish[0].notification["body"] == "Nowe ławki na Cowley Road."
    assert polish[0].notification["lang"] == "pl"
    # Same message, same tag (and Web Push Topic) on every device: a re-send replaces, never doubles.
    assert english[0].notification["tag"] == polish[0].notification["tag"] == english[0].topic
    assert english[0].ttl == 7 * 86400
    assert english[0].urgency == "low"
    assert await statuses() == {"push_fanout:sent": 1, "push:sent": 2}
    records = await PushDelivery.select(PushDelivery.outcome, PushDelivery.status_code, PushDelivery.attempt)
    assert sorted((r["outcome"], r["status_code"], r["attempt"]) for r in records) == [
        ("delivered", 201, 1),
        ("delivered", 201, 1),
    ]


async def test_queueing_the_same_message_twice_sends_it_once(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    await broadcast(client, "same")
    engine = client.app.state["engine"]
    async with write_transaction(engine):
        assert not await queue_push(
            Audience(topic=topics.YOU_SAID_WE_DID),
            "you_said_we_did",
            {},
            url="/",
            dedupe_key="same",
            due_at=clock.now(),
        )
    await worker(settings, clock).drain()
    assert len(push_service.service.delivered(1)) == 1


async def test_a_500_is_retried_with_backoff_and_delivered_once(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    push_service.service.answer(1, 500)
    await broadcast(client)
    run = worker(settings, clock)
    await run.drain()
    assert [r.status for r in push_service.service.received] == [500]
    assert await statuses() == {"push_fanout:sent": 1, "push:pending": 1}
    await run.drain()  # not due yet: backoff
    assert len(push_service.service.received) == 1
    clock.advance(hours=2)
    await run.drain()
    assert [r.status for r in push_service.service.received] == [500, 201]
    assert len(push_service.service.delivered(1)) == 1
    assert await statuses() == {"push_fanout:sent": 1, "push:sent": 1}
    records = await PushDelivery.select(PushDelivery.outcome, PushDelivery.attempt).order_by(PushDelivery.id)
    assert [(r["outcome"], r["attempt"]) for r in records] == [("retry", 1), ("delivered", 2)]


async def test_a_429_and_a_network_error_are_retried_too(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    push_service.service.answer(1, 429)
    await broadcast(client)
    run = worker(settings, clock)
    await run.drain()
    # The push service goes away: a network error, retried later.
    address = push_service.base_url
    push_service.stop()
    clock.advance(hours=2)
    await run.drain()
    records = await PushDelivery.select(PushDelivery.outcome, PushDelivery.status_code).order_by(PushDelivery.id)
    assert [(r["outcome"], r["status_code"]) for r in records] == [("retry", 429), ("retry", None)]
    assert await statuses() == {"push_fanout:sent": 1, "push:pending": 1}
    assert address.startswith("http://127.0.0.1:")


async def test_a_410_removes_the_subscription_and_finishes_the_job(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    await subscribe(client, push_service, 2, ["you_said_we_did"])
    push_service.service.answer(1, 410)
    await broadcast(client)
    await worker(settings, clock).drain()
    endpoints = [row["endpoint"] for row in await PushSubscription.select(PushSubscription.endpoint)]
    assert endpoints == [f"{push_service.base_url}/push/2"]
    assert await statuses() == {"push_fanout:sent": 1, "push:sent": 2}
    outcomes = sorted(r["outcome"] for r in await PushDelivery.select(PushDelivery.outcome))
    assert outcomes == ["delivered", "gone"]
    # The next message goes to the device that is left only.
    await broadcast(client, "second")
    await worker(settings, clock).drain()
    assert [r.device for r in push_service.service.received] == [1, 2, 2] or [
        r.device for r in push_service.service.received
    ] == [2, 1, 2]


async def test_a_push_failing_every_time_is_dead_lettered_after_its_attempts(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    attempts = topics.DELIVERY[topics.NEWS].max_attempts
    push_service.service.answer(1, *([503] * attempts))
    await broadcast(client)
    run = worker(settings, clock)
    for _ in range(attempts):
        await run.drain()
        clock.advance(hours=3)
    assert [r.status for r in push_service.service.received] == [503] * attempts
    assert await statuses() == {"push_fanout:sent": 1, "push:dead": 1}
    await run.drain()
    assert len(push_service.service.received) == attempts
    assert (await PushSubscription.count()) == 1  # a failing service is not a gone subscription


async def test_a_400_is_not_retried(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    await subscribe(client, push_service, 1, ["you_said_we_did"])
    push_service.service.answer(1, 400)
    await broadcast(client)
    await worker(settings, clock).drain()
    assert await statuses() == {"push_fanout:sent": 1, "push:dead": 1}
