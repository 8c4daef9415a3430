"""The background process (Procfile `worker:`): `python -m backend.worker [--once] [--batch N] …`.

It claims due outbox jobs, sends them and records the outcome; on SIGTERM or SIGINT it finishes the job
in hand, hands back the rest of its batch and stops. Several workers may run at once. Each job logs one
JSON line (kind, job id, outcome, attempt, duration; never an email address).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence

from backend.core import outbox
from backend.core.clock import SystemClock
from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.core.logging import configure_logging
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.notifications.email import make_email_sender
from backend.notifications.reminders import schedule_next as schedule_reminders
from backend.notifications.sender import make_push_sender
from backend.settings import Settings
from backend.wiring import JOB_MODULES, batch_job_handlers, job_handlers

logger = logging.getLogger("hearby.worker")


def worker_id() -> str:
    """`hostname:pid`, recorded on the jobs this process claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def parse_options(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> WorkerOptions:
    """Options from flags, falling back to WORKER_* environment variables, then to the defaults."""
    env = os.environ if environ is None else environ
    defaults = WorkerOptions()
    parser = argparse.ArgumentParser(prog="python -m backend.worker", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run every due job, then exit")
    parser.add_argument(
        "--batch", type=int, default=int(env.get("WORKER_BATCH", defaults.batch)), help="jobs claimed at a time"
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=float(env.get("WORKER_POLL_SECONDS", defaults.poll_seconds)),
        help="seconds to wait when nothing is due",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=float(env.get("WORKER_LEASE_SECONDS", defaults.lease_seconds)),
        help="seconds a claim lasts before another worker may take the job over",
    )
    parser.add_argument(
        "--retry-base",
        type=float,
        default=float(env.get("WORKER_RETRY_BASE_SECONDS", defaults.retry_base_seconds)),
        help="backoff after the first transient failure (doubles each time, with full jitter)",
    )
    parser.add_argument(
        "--retry-cap",
        type=float,
        default=float(env.get("WORKER_RETRY_CAP_SECONDS", defaults.retry_cap_seconds)),
        help="the longest backoff",
    )
    parser.add_argument(
        "--retention-days",
        type=int,
        default=int(env.get("OUTBOX_RETENTION_DAYS", defaults.retention_days)),
        help="the daily purge deletes finished jobs older than this",
    )
    args = parser.parse_args(argv)
    if args.batch < 1 or args.poll <= 0 or args.lease <= 0 or args.retry_base < 0 or args.retention_days < 1:
        parser.error("--batch, --poll, --lease and --retention-days must be positive")
    return WorkerOptions(
        batch=args.batch,
        poll_seconds=args.poll,
        lease_seconds=args.lease,
        retry_base_seconds=args.retry_base,
        retry_cap_seconds=args.retry_cap,
        retention_days=args.retention_days,
        once=args.once,
    )


async def run(settings: Settings, options: WorkerOptions) -> None:
    """Open the database, run until stopped (or drained with --once), close everything."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    sender = make_email_sender(settings)
    clock = SystemClock()
    push_sender = make_push_sender(settings)
    context = JobContext(settings=settings, email_sender=sender, clock=clock, options=options, push_sender=push_sender)
    worker = Worker(worker_id(), context, job_handlers(), batch_job_handlers())
    try:
        modules = [module.__name__ for module in JOB_MODULES]
        await outbox.schedule_purge(clock.now())
        await schedule_reminders(clock.now())
        logger.info(
            "worker started",
            extra={"fields": {"worker": worker.worker_id, "mail_backend": settings.mail_backend, "modules": modules}},
        )
        if options.once:
            claimed = await worker.drain(stop)
            logger.info("worker drained", extra={"fields": {"worker": worker.worker_id, "jobs": claimed}})
        else:
            await worker.run_forever(stop)
    finally:
        await sender.close()
        if push_sender is not None:
            await push_sender.close()
        await close_engine(engine)
        logger.info("worker stopped", extra={"fields": {"worker": worker.worker_id}})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    options = parse_options(argv)
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    asyncio.run(run(settings, options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
