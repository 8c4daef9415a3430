"""Outbox throughput: jobs per second from the outbox to a local SMTP server, with one and two workers.

Run from the repository root: `.venv/bin/python -m bench.outbox_throughput [--jobs 2000] [--postgres]`.
PostgreSQL uses TEST_POSTGRES_URL's server (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backend.core import outbox
from backend.core.db import bind_tables, close_engine, make_engine, open_engine, write_transaction
from backend.core.tables import OutboxJob
from backend.settings import REPO_ROOT
from tests.support.databases import drop_postgres_database, new_postgres_database, new_sqlite_database, run_cli
from tests.support.smtp import SmtpServer


def start_workers(
    count: int, database_url: str, data_dir: Path, smtp: SmtpServer, batch: int
) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    env.update(smtp.env())
    return [
        subprocess.Popen(
            [sys.executable, "-m", "backend.worker", "--poll", "0.05", "--batch", str(batch)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


async def measure(database_url: str, data_dir: Path, jobs: int, worker_count: int, batch: int) -> float:
    engine = make_engine(database_url)
    bind_tables(engine)
    await open_engine(engine)
    smtp = SmtpServer()
    smtp.start()
    processes = start_workers(worker_count, database_url, data_dir, smtp, batch)
    try:
        await asyncio.sleep(3)  # let the workers import and connect
        async with write_transaction(engine):
            for number in range(jobs):
                await outbox.enqueue(
                    outbox.EMAIL,
                    f"bench:{worker_count}:{number}:{time.time_ns()}",
                    {
                        "to": f"resident{number}@example.org",
                        "subject": f"Message {number}",
                        "text": "Hello " * 50,
                        "html": "<p>" + "Hello " * 50 + "</p>",
                        "locale": "en",
                    },
                )
        started = time.perf_counter()
        while len(smtp.received) < jobs:  # noqa: ASYNC110 - the SMTP server runs in another thread
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        duplicates = jobs - len(smtp.message_ids())
        assert duplicates == 0, f"{duplicates} duplicates"
        return jobs / elapsed
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        smtp.stop()
        await OutboxJob.delete(force=True)
        await close_engine(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary)
        url = new_postgres_database() if args.postgres else new_sqlite_database(data_dir)
        try:
            run_cli(url, "migrate", data_dir=data_dir)
            engine_name = "PostgreSQL" if args.postgres else "SQLite"
            for workers in (1, 2):
                rate = asyncio.run(measure(url, data_dir, args.jobs, workers, args.batch))
                print(f"{engine_name}: {workers} worker(s), {args.jobs} emails, batch {args.batch}: {rate:,.0f} jobs/s")
        finally:
            if args.postgres:
                drop_postgres_database(url)


if __name__ == "__main__":
    main()
