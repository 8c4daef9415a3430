"""Web push broadcast: one message to 10,000 subscriptions, through the outbox and the worker, to the local push
service (tests/support/push_service.py, in its own process: it verifies every VAPID JWT and decrypts every
aes128gcm payload, as a real push service would need to accept it).

Run from the repository root: `.venv/bin/python -m bench.push_broadcast [--subscriptions 10000] [--workers 1]
[--batch 500] [--sqlite] [--no-decrypt] [--profile worker.prof]`. PostgreSQL uses TEST_POSTGRES_URL's server (a
scratch database is created and dropped); `--profile` runs the worker under cProfile. Prints the total time (queue
→ last message accepted, fan-out included) and the sends per second per worker over the sending phase (first to
last message accepted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from backend.core.db import bind_tables, close_engine, make_engine, open_engine, write_transaction
from backend.notifications import topics, vapid
from backend.notifications.push import Audience, queue_push
from backend.notifications.subscriptions import token_hash
from backend.notifications.tables import PushSubscription
from backend.settings import REPO_ROOT, Settings
from tests.support.databases import drop_postgres_database, new_postgres_database, new_sqlite_database, run_cli
from tests.support.live_server import free_port
from tests.support.push_service import Device

SEED = "bench"


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the push service did not start")


def start(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a process from the repository root (its output to `log`, if given)."""
    if log is None:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), to measure despite a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


async def subscribe_all(count: int, base: str) -> None:
    rows = []
    for number in range(1, count + 1):
        info = Device.derive(SEED, number).subscription(base)
        rows.append(
            PushSubscription(
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
                token_hash=token_hash(f"bench-{number}"),
                locale=("en", "pl", "ur")[number % 3],
                topics=f",{topics.YOU_SAID_WE_DID},",
            )
        )
    for start in range(0, len(rows), 1000):
        await PushSubscription.insert(*rows[start : start + 1000])


def worker_command(args: argparse.Namespace) -> list[str]:
    """The worker process, under cProfile when asked (its statistics are written when it stops)."""
    command = [sys.executable, "-m", "backend.worker", "--poll", "0.05", "--batch", str(args.batch)]
    if args.profile:
        command[1:1] = ["-m", "cProfile", "-o", args.profile]
    return command


async def run(args: argparse.Namespace, database_url: str, data_dir: Path) -> None:
    settings = Settings.from_env({"DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir)})
    keys = vapid.resolve(settings)
    assert keys is not None
    port = free_port()
    record = data_dir / "received.jsonl"
    service_command = [sys.executable, "-m", "tests.support.push_service", "--port", str(port), "--seed", SEED]
    service_command += ["--vapid-public-key", keys.public_key, "--record", str(record)]
    if args.no_decrypt:
        service_command.append("--no-decrypt")
    service = start(service_command)
    engine = make_engine(database_url)
    bind_tables(engine)
    await open_engine(engine)
    env = {**os.environ, "DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO"}
    command = worker_command(args)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        wait_for_port(port)
        await subscribe_all(args.subscriptions, f"http://127.0.0.1:{port}")
        logs = [data_dir / f"worker-{number}.log" for number in range(args.workers)]
        workers = [start(command, env, log) for log in logs]
        await asyncio.sleep(3)  # let the workers import and connect
        while not all("worker started" in log.read_text() for log in logs):  # noqa: ASYNC110 - another process
            await asyncio.sleep(0.2)
        cpu_before = [cpu_seconds(process.pid) for process in workers]
        started = time.perf_counter()
        async with write_transaction(engine):
            await queue_push(
                Audience(topic=topics.YOU_SAID_WE_DID),
                "you_said_we_did",
                {"summary": {"en": "New benches on Cowley Road.", "pl": "Nowe ławki.", "ur": "نئے بینچ۔"}},
                url="/",
                dedupe_key=f"bench:{time.time_ns()}",
                due_at=datetime.now(UTC),
            )
        while count_lines(record) < args.subscriptions:
            await asyncio.sleep(0.05)
            if time.perf_counter() - started > args.timeout:
                raise RuntimeError(f"only {count_lines(record)} of {args.subscriptions} delivered in time")
        total = time.perf_counter() - started
        await asyncio.sleep(1)  # the last batch is recorded
        cpu = sum(cpu_seconds(process.pid) for process in workers) - sum(cpu_before)
        received = [json.loads(line) for line in record.read_text().splitlines()]
        times = sorted(item["at"] for item in received)
        sending = times[-1] - times[0]
        per_device = Counter(item["device"] for item in received)
        assert len(per_device) == args.subscriptions, "some devices got nothing"
        rate = args.subscriptions / sending
        mode = "VAPID verified only" if args.no_decrypt else "VAPID verified and payload decrypted"
        print(
            f"{'SQLite' if args.sqlite else 'PostgreSQL'}, {args.workers} worker(s), batch {args.batch}, "
            f"{args.subscriptions:,} subscriptions ({mode}):\n"
            f"  total {total:.2f} s (queue to last accepted, fan-out included)\n"
            f"  sending {sending:.2f} s: {rate:,.0f} sends/s, {rate / args.workers:,.0f} per worker\n"
            f"  worker CPU {cpu:.1f} s: {args.subscriptions / cpu:,.0f} sends per CPU-second (fan-out included)\n"
            f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
            f"  repeats: {sum(count - 1 for count in per_device.values())}"
        )
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=30)
        service.terminate()
        service.wait(timeout=10)
        await close_engine(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-decrypt", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="run the worker under cProfile, writing its statistics here")
    args = parser.parse_args()
    if args.profile and args.workers != 1:
        parser.error("--profile profiles one worker")
    if args.profile:
        args.profile = str(Path(args.profile).resolve())  # the worker runs from the repository root
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary)
        url = new_sqlite_database(data_dir) if args.sqlite else new_postgres_database()
        try:
            run_cli(url, "migrate", data_dir=data_dir)
            asyncio.run(run(args, url, data_dir))
        finally:
            if not args.sqlite:
                drop_postgres_database(url)


if __name__ == "__main__":
    main()
