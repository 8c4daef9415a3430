"""Tension reports, measured on PostgreSQL: report submissions per second over HTTP, and the insight
dashboard's queries (officers' dashboard with early warnings, a member's view, the desk queue) with 100,000
reports in the database (p50/p99 of sequential runs).

    .venv/bin/python bench/reports_bench.py [--reports 100000] [--submissions 1000] [--concurrency 20]

Creates a fresh database (dropped afterwards), migrates it, loads the reports (two years, every division,
every category) straight into the table in random order (so a week's reports are spread over the whole table,
unlike a real table, which is written in order) and vacuums it, starts the Procfile's web command (one process,
pinned to one core when there are two), and posts reports from the other core. Figures only: nothing is
asserted. `--queries-only` skips the submissions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.http_bench import _admin, _database_url, _pin  # noqa: E402 - after the path is set

CATEGORIES = (
    "rumour",
    "online_hate",
    "hate_incident",
    "group_tension",
    "unsafe_space",
    "flags_symbols",
    "protest",
    "services_unfairness",
    "other",
)
BODY = {
    "category": "rumour",
    "description": "People are saying the community centre will close to make room for a hostel.",
    "postcode": "OX4 1AA",
    "source": "heard",
}


def divisions() -> list[tuple[str, str]]:
    """(division code, district code) for every division in the reference data."""
    import csv  # noqa: PLC0415 - only the script needs it

    path = REPO_ROOT / "backend" / "areas" / "data" / "oxfordshire-divisions.csv"
    with path.open(encoding="utf-8") as handle:
        return [(row["gss_code"], row["district_gss_code"]) for row in csv.DictReader(handle)]


async def load_reports(database_url: str, count: int, seed: int) -> None:
    """`count` reports spread over the last two years, written with COPY."""
    rng = random.Random(seed)
    areas = divisions()
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        division, district = rng.choice(areas)
        created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
        local = created.date()
        monday: date = local - timedelta(days=local.weekday())
        rows.append(
            (
                f"TB-{n:08d}",
                uuid.uuid4().hex + uuid.uuid4().hex,
                rng.choice(CATEGORIES),
                district,
                division,
                "Words a resident wrote about what happened, long enough to look like a real report.",
                rng.choice(("new", "triaged", "in_progress", "closed")),
                monday,
                created,
                created,
            )
        )
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "tension_report",
            records=rows,
            columns=[
                "reference",
                "token_hash",
                "category",
                "district_code",
                "division_code",
                "description",
                "status",
                "week_start",
                "created_at",
                "updated_at",
            ],
        )
        # As autovacuum keeps a table that has been written for two years: statistics, and the visibility map
        # that lets a count be answered from an index alone (a bulk load leaves it unset until the next vacuum).
        await connection.execute("VACUUM ANALYZE tension_report")
    finally:
        await connection.close()


async def submissions(base_url: str, total: int, concurrency: int) -> tuple[float, list[float], int]:
    """Post `total` reports from `concurrency` clients; reports/s, latencies (ms), non-201 answers."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(n)

    async def client() -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                response = await http.post(
                    "/api/v1/reports", json=BODY, headers={"Idempotency-Key": uuid.uuid4().hex + "-bench"}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 201:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), latencies, failures


async def insight_latency(database_url: str, rounds: int) -> dict[str, list[float]]:
    """Time the insight service's queries in-process, against the loaded database."""
    from backend.core.auth import CurrentUser  # noqa: PLC0415 - after sys.path is set
    from backend.core.clock import SystemClock  # noqa: PLC0415
    from backend.core.db import bind_tables, close_engine, make_engine, open_engine  # noqa: PLC0415
    from backend.core.roles import Role  # noqa: PLC0415
    from backend.reports.desk import DeskService  # noqa: PLC0415
    from backend.reports.insight import InsightService  # noqa: PLC0415
    from backend.reports.schemas import QueueFilters  # noqa: PLC0415
    from backend.settings import Settings  # noqa: PLC0415

    settings = Settings.from_env(
        {"DATABASE_URL": database_url, "HEARBY_ENV": "test", "HEARBY_DATA_DIR": tempfile.mkdtemp()}
    )
    engine = make_engine(database_url)
    bind_tables(engine)
    await open_engine(engine, 4)
    officer = CurrentUser(id=1, email="o@example.org", display_name="", roles=frozenset({Role.OFFICER}))
    insight = InsightService(settings, SystemClock(), engine)
    desk = DeskService(settings, SystemClock(), engine, None)  # type: ignore[arg-type]  # no email is sent here
    cases: dict[str, Any] = {
        "officers' dashboard (12 weeks, all areas, early warnings)": insight.dashboard,
        "member's view: county + own division": lambda: _member(insight),
        "desk queue: new, one category, first page with counts": lambda: desk.queue(
            QueueFilters(status="new", category="rumour"), officer
        ),
        "desk queue: no filter, first page with counts": lambda: desk.queue(QueueFilters(), officer),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for name, call in cases.items():
            await call()  # warm the pool and the plan cache
            for _ in range(rounds):
                started = time.perf_counter()
                await call()
                timings[name].append((time.perf_counter() - started) * 1000)
    finally:
        await close_engine(engine)
    return timings


async def _member(insight: Any) -> None:
    await insight.dashboard(with_warnings=False)
    await insight.dashboard("E58002068", with_warnings=False)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--submissions", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--queries-only", action="store_true", help="time the queries; post no submissions")
    args = parser.parse_args()
    from tests.support.live_server import start_server  # noqa: PLC0415 - needs the repo root on sys.path first

    data_dir = Path(tempfile.mkdtemp(prefix="hearby-reports-bench-"))
    name = f"hearby_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = _database_url(name)
    try:
        env = {**os.environ, "DATABASE_URL": url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "backend.cli", "migrate"], cwd=REPO_ROOT, env=env, check=True)
        started = time.perf_counter()
        asyncio.run(load_reports(url, args.reports, seed=1))
        print(f"loaded {args.reports:,} reports in {time.perf_counter() - started:.1f} s")
        timings = asyncio.run(insight_latency(url, args.rounds))
        if args.queries_only:
            _print_queries(args, timings)
            return 0
        server = start_server(
            url,
            data_dir,
            extra_env={"HEARBY_ENV": "development", "WEB_CONCURRENCY": "1", "ANONYMOUS_POSTS_PER_MINUTE": "1000000"},
        )
        if _pin(0):
            subprocess.run([_pin(0)[0], "-a", "-cp", "0", str(server.process.pid)], check=True, capture_output=True)
        try:
            rate, latencies, failures = asyncio.run(submissions(server.base_url, args.submissions, args.concurrency))
        finally:
            server.stop()
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"\nSubmissions: {args.submissions:,} reports over HTTP from {args.concurrency} clients\n")
    print("| reports/s | p50 (ms) | p99 (ms) | not 201 |")
    print("|---:|---:|---:|---:|")
    print(f"| {rate:,.0f} | {statistics.median(latencies):.1f} | {percentile(latencies, 0.99):.1f} | {failures} |")
    _print_queries(args, timings)
    return 0


def _print_queries(args: argparse.Namespace, timings: dict[str, list[float]]) -> None:
    print(f"\nInsight queries with {args.reports:,} reports, {args.rounds} sequential runs each\n")
    print("| query | p50 (ms) | p99 (ms) |")
    print("|---|---:|---:|")
    for label, values in timings.items():
        print(f"| {label} | {statistics.median(values):.1f} | {percentile(values, 0.99):.1f} |")


if __name__ == "__main__":
    raise SystemExit(main())
