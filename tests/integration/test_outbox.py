"""The outbox and its worker, in-process, on SQLite and PostgreSQL, delivering to a real SMTP server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from backend.core import outbox
from backend.core.auth import CurrentUser
from backend.core.clock import SettableClock
from backend.core.db import bind_tables, close_engine, json_object, make_engine, open_engine, write_transaction
from backend.core.outbox import enqueue
from backend.core.roles import Role
from backend.core.tables import AuditEntry, OutboxJob
from backend.notifications.delivery import JobContext, Worker, WorkerOptions, core_handlers
from backend.notifications.email import SmtpEmailSender, message_id
from backend.notifications.services import NotificationsService
from backend.settings import Settings
from backend.wiring import job_handlers
from tests.support.smtp import SmtpServer

# Jobs enqueued without a due time are due at the database's "now"; the tests' clock starts after it — two
# hours after import, so that it is still ahead of the database however late in a long run a test comes.
START = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
ADMIN = CurrentUser(id=1, email="admin@example.org", display_name="Admin", roles=frozenset({Role.ADMIN}))


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine[Any]]:
    """The test database bound to every table, emptied of jobs and audit entries afterwards."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        yield engine
    finally:
        await OutboxJob.delete(force=True)
        await AuditEntry.delete(force=True)
        await close_engine(engine)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
async def worker(
    engine: Engine[Any], settings: Settings, smtp_server: SmtpServer, clock: SettableClock
) -> AsyncIterator[Worker]:
    """A worker delivering to the test SMTP server, on the settable clock."""
    mail_settings = settings.with_overrides(mail_backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    sender = SmtpEmailSender(mail_settings, timeout=5)
    context = JobContext(settings=mail_settings, email_sender=sender, clock=clock, options=WorkerOptions(batch=10))
    try:
        yield Worker("test-host:1", context, job_handlers())
    finally:
        await sender.close()


def email(to: str = "ala@example.org", locale: str = "pl") -> dict[str, str]:
    return {
        "to": to,
        "subject": "Potwierdzenie rezerwacji",
        "text": "Dzień dobry! Twoje miejsce jest zarezerwowane.",
        "html": "<p>Dzień dobry! Twoje <strong>miejsce</strong> jest zarezerwowane.</p>",
        "locale": locale,
    }


async def job_row(key: str) -> dict[str, Any]:
    row = await OutboxJob.select().where(OutboxJob.idempotency_key == key).first()
    assert row is not None
    return row


async def test_a_job_exists_exactly_when_its_transaction_commits(engine: Engine[Any]) -> None:
    async def book_then_fail() -> None:
        async with write_transaction(engine):
            assert await enqueue(outbox.EMAIL, "booking:1:confirm", email())
            raise RuntimeError("the booking failed")

    with pytest.raises(RuntimeError):
        await book_then_fail()
    assert await OutboxJob.count() == 0
    async with write_transaction(engine):
        assert await enqueue(outbox.EMAIL, "booking:1:confirm", email())
    assert await OutboxJob.count() == 1


async def test_the_idempotency_key_dedupes(engine: Engine[Any]) -> None:
    assert await enqueue(outbox.EMAIL, "sign-in-link:7:abc", email())
    assert not await enqueue(outbox.EMAIL, "sign-in-link:7:abc", email(to="other@example.org"))
    assert await OutboxJob.count() == 1


async def test_the_worker_sends_the_real_message(worker: Worker, smtp_server: SmtpServer) -> None:
    await enqueue(outbox.EMAIL, "booking:2:confirm", email())
    assert await worker.drain() == 1
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ("ala@example.org",)
    assert mail.message["Subject"] == "Potwierdzenie rezerwacji"
    assert mail.message["To"] == "ala@example.org"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message["Content-Language"] == "pl"
    assert mail.part("text/plain").strip() == "Dzień dobry! Twoje miejsce jest zarezerwowane."
    assert "<strong>miejsce</strong>" in mail.part("text/html")
    assert mail.message_id == message_id("booking:2:confirm", worker.context.settings.mail_from)
    row = await job_row("booking:2:confirm")
    assert (row["status"], row["attempts"], row["claimed_by"]) == ("sent", 1, "test-host:1")
    assert row["finished_at"] == START
    assert await worker.drain() == 0


async def test_a_4xx_answer_is_retried_with_backoff_then_delivered(
    worker: Worker, smtp_server: SmtpServer, clock: SettableClock
) -> None:
    await enqueue(outbox.EMAIL, "booking:3:confirm", email())
    smtp_server.fail_next(1, "451 4.3.0 Mailbox temporarily unavailable")
    await worker.drain()
    assert smtp_server.received == []
    row = await job_row("booking:3:confirm")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "451" in row["last_error"]
    assert "@" not in row["last_error"]
    assert START <= row["due_at"] <= START + timedelta(seconds=30)  # first backoff: full jitter up to 30 s
    assert await outbox.claim_batch("someone-else", START, 10, 60) == []  # not due yet

    clock.advance(seconds=31)
    await worker.drain()
    assert len(smtp_server.received) == 1
    row = await job_row("booking:3:confirm")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, "")


async def test_a_stopped_mail_server_is_a_transient_failure(
    worker: Worker, smtp_server: SmtpServer, clock: SettableClock
) -> None:
    smtp_server.stop()
    await enqueue(outbox.EMAIL, "booking:4:confirm", email())
    await worker.drain()
    row = await job_row("booking:4:confirm")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    smtp_server.start()
    clock.advance(seconds=31)
    await worker.drain()
    assert len(smtp_server.received) == 1
    assert (await job_row("booking:4:confirm"))["status"] == "sent"


async def test_a_refused_recipient_is_dead_after_one_attempt(worker: Worker, smtp_server: SmtpServer) -> None:
    smtp_server.refuse("nobody@example.org")
    await enqueue(outbox.EMAIL, "booking:5:confirm", email(to="nobody@example.org"))
    await enqueue(outbox.EMAIL, "booking:6:confirm", email(to="not an address"))
    await worker.drain()
    for key in ("booking:5:confirm", "booking:6:confirm"):
        row = await job_row(key)
        assert (row["status"], row["attempts"]) == ("dead", 1)
        assert row["finished_at"] == START
    assert "550" in (await job_row("booking:5:confirm"))["last_error"]
    assert smtp_server.received == []


async def test_running_out_of_attempts_makes_a_job_dead(
    worker: Worker, smtp_server: SmtpServer, clock: SettableClock
) -> None:
    await enqueue(outbox.EMAIL, "booking:7:confirm", email(), max_attempts=3)
    smtp_server.fail_next(10)
    statuses = []
    for _ in range(4):
        await worker.drain()
        statuses.append((await job_row("booking:7:confirm"))["status"])
        clock.advance(hours=2)  # past any backoff (capped at an hour)
    assert statuses == ["pending", "pending", "dead", "dead"]
    assert (await job_row("booking:7:confirm"))["attempts"] == 3


async def test_an_admin_retries_a_dead_job_and_it_is_audited(
    engine: Engine[Any], worker: Worker, smtp_server: SmtpServer, clock: SettableClock
) -> None:
    smtp_server.refuse("typo@example.org")
    await enqueue(outbox.EMAIL, "booking:8:confirm", email(to="typo@example.org"))
    await worker.drain()
    [dead] = await outbox.list_dead()
    assert (dead.kind, dead.idempotency_key, dead.attempts) == ("email", "booking:8:confirm", 1)
    assert "550" in dead.last_error

    service = NotificationsService(engine, clock)
    smtp_server.refuse("typo@example.org", "250 OK")  # the mailbox was fixed
    assert await service.retry_dead_job(dead.id, ADMIN)
    row = await job_row("booking:8:confirm")
    assert (row["status"], row["attempts"]) == ("pending", 0)
    [entry] = await AuditEntry.select().where(AuditEntry.action == "outbox.retry")
    assert (entry["actor_id"], entry["subject_type"], entry["subject_id"]) == (1, "outbox_job", str(dead.id))
    assert not await service.retry_dead_job(dead.id, ADMIN)  # no longer dead: nothing happens, nothing audited
    assert await AuditEntry.count() == 1


async def test_a_scheduled_job_runs_at_its_time_and_exactly_once(
    worker: Worker, smtp_server: SmtpServer, clock: SettableClock
) -> None:
    due = START + timedelta(hours=1)
    assert await enqueue(outbox.EMAIL, "reminder:9:2026-11-25", email(), due_at=due)
    clock.advance(minutes=59)
    assert await worker.drain() == 0
    clock.advance(minutes=1)
    assert await worker.drain() == 1
    assert not await enqueue(outbox.EMAIL, "reminder:9:2026-11-25", email(), due_at=due)  # a restart re-enqueues
    clock.advance(days=1)
    assert await worker.drain() == 0
    assert len(smtp_server.received) == 1


STORED = (
    "SELECT kind, status, CAST(due_at AS TEXT) AS due_at, attempts, max_attempts, claimed_by, last_error, "
    "lease_until, finished_at, CAST(created_at AS TEXT) AS created_at FROM outbox_job "
    "WHERE idempotency_key = {}"
)


async def stored(key: str) -> dict[str, Any]:
    """A job's columns as the database holds them (timestamps as text: SQLite compares them as text)."""
    [row] = await OutboxJob.raw(STORED, key)
    created = row["created_at"]
    if OutboxJob._meta.db.engine_type == "postgres":
        # PostgreSQL writes the text itself and drops a fraction's trailing zeros (…46.12345 for …46.123450,
        # …46 for …46.000000): put them back, so that only the format the code chose is compared.
        created = re.sub(
            r"(:\d\d)(?:\.(\d+))?(?=[+-]\d\d$)", lambda match: f"{match.group(1)}.{match.group(2) or '':0<6}", created
        )
    return {**row, "created_at": re.sub(r"\d", "0", created)}  # its format; the moment differs


async def test_jobs_added_many_at_once_are_stored_as_one_added_alone_and_repeats_are_skipped(
    engine: Engine[Any],
) -> None:
    due = START + timedelta(minutes=5)
    payload = {"to": "ala@example.org", "title": "Zażółć gęślą jaźń", "nested": {"list": [1, 2]}}
    assert await enqueue(outbox.PUSH, "alone", payload, due_at=due, max_attempts=6)
    assert await outbox.enqueue_many(outbox.PUSH, [("alone", payload)], due_at=due, max_attempts=6) == 0
    jobs = [(f"many:{number}", {**payload, "n": number}) for number in range(1, 1202)]  # more than one statement
    async with write_transaction(engine):
        assert await outbox.enqueue_many(outbox.PUSH, jobs[:5], due_at=due, max_attempts=6) == 5
        assert await outbox.enqueue_many(outbox.PUSH, jobs, due_at=due, max_attempts=6) == 1196
    alone = await stored("alone")
    assert await stored("many:1") == alone
    assert await stored("many:1201") == alone
    assert json_object((await job_row("many:1201"))["payload"]) == {**payload, "n": 1201}
    assert await outbox.claim_batch("early", due - timedelta(seconds=1), 2000, 60) == []  # not due yet
    claimed = await outbox.claim_batch("worker", due, 2000, 60)
    assert len(claimed) == 1202
    assert {job.payload.get("n") for job in claimed} == {None, *range(1, 1202)}


async def test_concurrent_claims_never_share_a_job(engine: Engine[Any]) -> None:
    async with write_transaction(engine):
        for number in range(60):
            await enqueue(outbox.EMAIL, f"bulk:{number}", email())
    batches = await asyncio.gather(
        *(outbox.claim_batch(f"worker-{index}", START + timedelta(days=1), 7, 60) for index in range(6))
    )
    claimed = [job.id for batch in batches for job in batch]
    assert len(claimed) == 42
    assert len(set(claimed)) == 42


async def test_an_expired_lease_lets_another_worker_take_over(engine: Engine[Any]) -> None:
    await enqueue(outbox.EMAIL, "booking:10:confirm", email())
    [job] = await outbox.claim_batch("dead-worker", START, 10, 60)
    assert await outbox.claim_batch("live-worker", START + timedelta(seconds=59), 10, 60) == []
    [again] = await outbox.claim_batch("live-worker", START + timedelta(seconds=61), 10, 60)
    assert (again.id, again.attempt) == (job.id, 2)
    assert not await outbox.mark_sent(job.id, "dead-worker")  # the old claim cannot record an outcome
    assert await outbox.mark_sent(job.id, "live-worker")


async def test_a_job_whose_worker_dies_on_its_last_attempt_is_buried(engine: Engine[Any]) -> None:
    await enqueue(outbox.EMAIL, "booking:11:confirm", email(), max_attempts=1)
    await outbox.claim_batch("dead-worker", START, 10, 60)
    assert await outbox.bury_abandoned(START + timedelta(seconds=61)) == 1
    assert (await job_row("booking:11:confirm"))["status"] == "dead"


async def test_the_daily_purge_runs_once_cleans_up_and_books_tomorrow(worker: Worker, clock: SettableClock) -> None:
    day = START.date() + timedelta(days=2)
    clock.current = datetime(day.year, day.month, day.day, 3, 30, tzinfo=UTC)
    finished = {"old-sent": ("sent", 40), "old-dead": ("dead", 31), "new-sent": ("sent", 1)}
    for key in [*finished, "waiting"]:
        await enqueue(outbox.EMAIL, key, email())
    for key, (status, days_ago) in finished.items():
        await OutboxJob.update(
            {OutboxJob.status: status, OutboxJob.finished_at: clock.now() - timedelta(days=days_ago)}
        ).where(OutboxJob.idempotency_key == key)
    await OutboxJob.update({OutboxJob.due_at: clock.now() + timedelta(days=90)}).where(
        OutboxJob.idempotency_key == "waiting"
    )
    cleaned: list[datetime] = []

    async def forget_expired_things(now: datetime, _context: JobContext) -> None:
        cleaned.append(now)

    worker.handlers.update(core_handlers({"test": forget_expired_things}))
    the_day_before = clock.now() - timedelta(days=1)
    assert await outbox.schedule_purge(the_day_before)  # booked for `day` at 03:00 UTC
    assert not await outbox.schedule_purge(the_day_before)  # a second worker or a restart: same key, no-op
    assert await worker.drain() == 1
    assert await worker.drain() == 0
    assert cleaned == [clock.now()]
    next_day = day + timedelta(days=1)
    keys = {row["idempotency_key"] for row in await OutboxJob.select(OutboxJob.idempotency_key)}
    assert keys == {"new-sent", "waiting", f"purge:{day}", f"purge:{next_day}"}
    assert (await job_row(f"purge:{day}"))["status"] == "sent"
    booked = await job_row(f"purge:{next_day}")
    assert booked["status"] == "pending"
    assert booked["due_at"] == datetime(next_day.year, next_day.month, next_day.day, 3, tzinfo=UTC)


async def test_a_job_of_an_unknown_kind_is_retried_until_out_of_attempts(worker: Worker, clock: SettableClock) -> None:
    await enqueue("carrier-pigeon", "pigeon:1", {}, max_attempts=2)
    await worker.drain()
    row = await job_row("pigeon:1")
    assert row["status"] == "pending"
    assert "no handler" in row["last_error"]
    clock.advance(hours=2)
    await worker.drain()
    assert (await job_row("pigeon:1"))["status"] == "dead"
