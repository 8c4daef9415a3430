"""The worker as the Procfile runs it (`python -m backend.worker`), in real processes, against a real SMTP server.

SMTP has no exactly-once delivery: a worker can be killed after the mail server accepted a message but
before the job was recorded as sent, and then the message goes again. What the outbox guarantees is
at-least-once delivery with an idempotent Message-ID (derived from the job's idempotency key), so the
recipient's mail system can drop the repeat; and each job is *recorded* sent exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine

from backend.core import outbox
from backend.core.db import bind_tables, close_engine, make_engine, open_engine, write_transaction
from backend.core.tables import OutboxJob
from backend.notifications.email import message_id
from backend.settings import REPO_ROOT, Settings
from tests.support.smtp import SmtpServer


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine[Any]]:
    """The test database bound to every table, emptied of jobs afterwards."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        yield engine
    finally:
        await OutboxJob.delete(force=True)
        await close_engine(engine)


class WorkerProcess:
    """One `python -m backend.worker` process, logging JSON lines to a file."""

    def __init__(self, settings: Settings, smtp: SmtpServer, log: Path, *args: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "HEARBY_DATA_DIR": str(settings.data_dir),
            "HEARBY_ENV": "test",
            "LOG_LEVEL": "INFO",
            **smtp.env(),
        }
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.worker", "--poll", "0.05", *args],
                cwd=REPO_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log.read_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                lines.append({"message": raw})
        return lines

    def wait_started(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(line.get("message") == "worker started" for line in self.lines()):
            assert self.process.poll() is None, f"the worker exited: {self.log.read_text()}"
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Worker processes started by a test; any still running at the end are killed."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


def job_keys(count: int, prefix: str) -> list[str]:
    return [f"{prefix}:{number}" for number in range(count)]


async def enqueue_emails(engine: Engine[Any], keys: list[str]) -> None:
    async with write_transaction(engine):
        for number, key in enumerate(keys):
            await outbox.enqueue(
                outbox.EMAIL,
                key,
                {
                    "to": f"resident{number}@example.org",
                    "subject": f"Message {number}",
                    "text": f"Hello, resident {number}.",
                    "html": f"<p>Hello, resident {number}.</p>",
                    "locale": "en",
                },
            )


async def sent_count() -> int:
    return int(await OutboxJob.count().where((OutboxJob.kind == outbox.EMAIL) & (OutboxJob.status == outbox.SENT)))


async def wait_all_sent(total: int, within: float = 40.0) -> None:
    deadline = time.monotonic() + within
    while (sent := await sent_count()) < total:
        assert time.monotonic() < deadline, f"only {sent} of {total} jobs sent"
        await asyncio.sleep(0.1)


def sent_lines(processes: list[WorkerProcess]) -> Counter[int]:
    """How many times the workers' logs say each job was recorded sent."""
    return Counter(
        line["job_id"]
        for process in processes
        for line in process.lines()
        if line.get("message") == "job" and line.get("kind") == "email" and line.get("outcome") == "sent"
    )


async def test_two_workers_at_once_send_every_job_once(
    engine: Engine[Any], settings: Settings, smtp_server: SmtpServer, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    first = WorkerProcess(settings, smtp_server, tmp_path / "first.log", "--batch", "5")
    second = WorkerProcess(settings, smtp_server, tmp_path / "second.log", "--batch", "5")
    workers.extend([first, second])
    first.wait_started()
    second.wait_started()
    keys = job_keys(200, "two-workers")
    await enqueue_emails(engine, keys)
    await wait_all_sent(len(keys))
    assert first.stop() == 0
    assert second.stop() == 0

    received = smtp_server.message_ids()
    mail_from = settings.mail_from
    assert set(received) == {message_id(key, mail_from) for key in keys}
    assert sum(received.values()) == len(keys), "a message was sent twice"
    rows = await OutboxJob.select(OutboxJob.claimed_by, OutboxJob.attempts).where(OutboxJob.kind == outbox.EMAIL)
    assert {row["attempts"] for row in rows} == {1}
    assert len({row["claimed_by"] for row in rows}) == 2, "both workers should have taken part"
    assert set(sent_lines(workers).values()) == {1}
    logs = first.log.read_text() + second.log.read_text()
    assert "@example.org" not in logs  # no email addresses in the logs


async def test_a_worker_killed_while_sending_is_taken_over_when_its_claim_expires(
    engine: Engine[Any], settings: Settings, smtp_server: SmtpServer, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    keys = job_keys(60, "sigkill")
    await enqueue_emails(engine, keys)
    held = 22  # mid-batch (batches of 10): the worker has claimed 20-29 and sent 20 and 21 of them
    smtp_server.hold(f"resident{held}@example.org")
    # A short lease, so that the restarted worker can take over the killed worker's claim within the test.
    killed = WorkerProcess(settings, smtp_server, tmp_path / "killed.log", "--batch", "10", "--lease", "1")
    workers.append(killed)
    await smtp_server.wait_until_holding()

    # Provably in flight: the server has the whole message and has not answered; the job is claimed.
    in_flight = await OutboxJob.select().where(OutboxJob.idempotency_key == keys[held]).first()
    assert in_flight is not None
    assert (in_flight["status"], in_flight["attempts"]) == (outbox.SENDING, 1)
    assert in_flight["claimed_by"]
    assert len(smtp_server.received) == held  # jobs are sent in order, one at a time: 0-21 went before it
    killed.kill()
    assert killed.process.returncode == -signal.SIGKILL
    smtp_server.release()  # its sender has gone before the answer: the session ends and the message is not kept
    claimed_by_killed = await OutboxJob.count().where(
        (OutboxJob.claimed_by == in_flight["claimed_by"]) & (OutboxJob.status == outbox.SENDING)
    )
    assert claimed_by_killed == 8  # 22-29: left claimed by a dead worker

    restarted = WorkerProcess(settings, smtp_server, tmp_path / "restarted.log", "--batch", "10", "--lease", "1")
    workers.append(restarted)
    await wait_all_sent(len(keys))
    assert restarted.stop() == 0

    # Taken over once its claim expired, by the restarted worker, on a second attempt.
    taken_over = await OutboxJob.select().where(OutboxJob.idempotency_key == keys[held]).first()
    assert taken_over is not None
    assert taken_over["status"] == outbox.SENT
    assert taken_over["attempts"] == 2
    assert taken_over["claimed_by"] not in {"", in_flight["claimed_by"]}
    assert taken_over["finished_at"] > in_flight["lease_until"]
    # Exactly one delivery per job: the message in flight at the kill arrived once, from the worker that took over.
    mail_from = settings.mail_from
    assert smtp_server.message_ids() == Counter({message_id(key, mail_from): 1 for key in keys})
    assert len(smtp_server.received) == len(keys)
    assert set(sent_lines(workers).values()) == {1}, "a job was recorded sent more than once"
    killed_sent = [line for line in killed.lines() if line.get("message") == "job" and line.get("outcome") == "sent"]
    assert len(killed_sent) == held
