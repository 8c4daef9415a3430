"""A worker killed (SIGKILL) in the middle of a broadcast, then restarted: every device gets the message; the
only repeats are jobs that were in flight at the kill, and they carry the same tag (the phone shows one)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.db import write_transaction
from backend.core.tables import OutboxJob
from backend.notifications import topics, vapid
from backend.notifications.push import Audience, queue_push
from backend.notifications.subscriptions import token_hash
from backend.notifications.tables import PushSubscription
from backend.settings import REPO_ROOT, Settings
from tests.support.live_server import free_port
from tests.support.push_service import Device

DEVICES = 400
BATCH = 20
SEED = "killed-worker"


def start_push_service(port: int, public_key: str, record: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.support.push_service", "--port", str(port), "--seed", SEED]
    command += ["--vapid-public-key", public_key, "--record", str(record)]
    process = subprocess.Popen(command, cwd=REPO_ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            import socket

            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the push service did not start")


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "HEARBY_DATA_DIR": str(settings.data_dir),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "backend.worker", "--batch", str(BATCH), "--lease", "3", "--poll", "0.2"]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env)


def lines(record: Path) -> list[dict[str, object]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line.strip()]


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


async def test_a_worker_killed_mid_broadcast_then_restarted_delivers_every_message(
    client: AsyncTestClient[Litestar], settings: Settings, clock: SettableClock, tmp_path: Path
) -> None:
    keys = vapid.resolve(settings)
    assert keys is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rows = []
    for number in range(1, DEVICES + 1):
        device = Device.derive(SEED, number)
        info = device.subscription(base)
        rows.append(
            PushSubscription(
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
                token_hash=token_hash(f"device-{number}"),
                locale="en",
                topics=f",{topics.YOU_SAID_WE_DID},",
            )
        )
    await PushSubscription.insert(*rows)
    record = tmp_path / "received.jsonl"
    service = start_push_service(port, keys.public_key, record)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        async with write_transaction(client.app.state["engine"]):
            await queue_push(
                Audience(topic=topics.YOU_SAID_WE_DID),
                "you_said_we_did",
                {"summary": "Benches"},
                url="/",
                dedupe_key="broadcast",
                due_at=clock.now(),
            )
        first = start_worker(settings)
        workers.append(first)
        # Mid-batch: some of a batch answered by the push service, not yet recorded as sent by the worker.
        assert wait_for(lambda: len(lines(record)) >= DEVICES // 4 + BATCH // 2, 60), "the first worker sent nothing"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        sent_before_restart = len(lines(record))
        assert sent_before_restart < DEVICES, "the broadcast finished before the kill: nothing was tested"
        second = start_worker(settings)
        workers.append(second)
        assert wait_for(lambda: len({item["device"] for item in lines(record)}) == DEVICES, 90)
        received = lines(record)
        per_device = Counter(item["device"] for item in received)
        assert set(per_device) == set(range(1, DEVICES + 1))
        repeated = [device for device, count in per_device.items() if count > 1]
        # Only what the killed worker had in flight (its batch, sent concurrently) can come twice, and once more.
        assert len(repeated) <= BATCH
        assert all(per_device[device] == 2 for device in repeated)
        tags = {(item["device"], item["notification"]["tag"]) for item in received}
        assert len(tags) == DEVICES  # a repeat carries the same tag as the first
        for _ in range(200):  # the second worker records its last batch
            if await push_statuses() == {"sent": DEVICES}:
                break
            await asyncio.sleep(0.05)
        print(f"sent before the kill: {sent_before_restart}; repeated after the restart: {len(repeated)}")
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
        service.terminate()
        service.wait(10)
    assert await push_statuses() == {"sent": DEVICES}


async def push_statuses() -> dict[str, int]:
    rows = await OutboxJob.select(OutboxJob.status).where(OutboxJob.kind == "push")
    return dict(Counter(row["status"] for row in rows))
