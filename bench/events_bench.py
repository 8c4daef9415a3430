"""Finding events: throughput of the anonymous filtered /events page, and search latency as events grow.

Figures, not a test. On a fresh PostgreSQL database (migrated and seeded by the CLI) it loads N upcoming
events spread over Oxfordshire (random points, districts, categories, accessibility, languages; a tenth are
weekly series of four dates), starts the app exactly as the Procfile's `web` process does (uvicorn, one
worker), then:

1. drives a filtered anonymous `/events?…` page (postcode and radius, step-free access, free only) and
   `/api/v1/ping` with wrk at 50 connections: req/s, p50, p99 and the ratio of the two;
2. measures search latency (the uncached `GET /api/v1/events` with the same and other filters, one request
   at a time) on two databases side by side, one with 1,000 events and one with 100,000, alternating
   requests between their servers.

    .venv/bin/python bench/events_bench.py [--events 10000] [--small 1000] [--large 100000] [--duration 10]
    .venv/bin/python bench/events_bench.py --latency-only   # step 2 only (no wrk needed)

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES_URL / TEST_POSTGRES_URL to change) and wrk. On a 2-core
machine the server is pinned to CPU 0 and wrk to CPU 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.http_bench import _admin, _database_url, _parse, _pin, _wrk  # noqa: E402 - after the path is set

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
PAGE = "/events?postcode=OX4&radius_miles=5&accessibility=step_free&free=true"
SEARCHES = (
    "/api/v1/events?postcode=OX4&radius_miles=5&accessibility=step_free&free=true",
    "/api/v1/events?district=E07000177&when=week",
    "/api/v1/events?q=coffee&language=pl",
    "/api/v1/events",
)
DISTRICTS = ("E07000177", "E07000178", "E07000179", "E07000180", "E07000181")
WORDS = ("coffee", "lunch", "walk", "choir", "repair", "garden", "english", "football", "craft", "advice")
SOUTH, NORTH, WEST, EAST = 51.46, 52.17, -1.72, -0.87


async def load_events(database_url: str, count: int, first_id: int, seed: int) -> None:
    """Insert `count` published events (ids from `first_id`) of verified organisations, with their dates."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(database_url)
    try:
        organisations = [row["id"] for row in await connection.fetch("SELECT id FROM organisation")]
        if not organisations:
            await connection.execute(
                "INSERT INTO organisation (name, kind, status, trusted) "
                "SELECT 'Bench group ' || n, 'charity', 'verified', true FROM generate_series(1, 200) n"
            )
            organisations = [row["id"] for row in await connection.fetch("SELECT id FROM organisation")]
        categories = [row["id"] for row in await connection.fetch("SELECT id FROM category")]
        now = datetime.now(UTC)
        events, occurrences = [], []
        for event_id in range(first_id, first_id + count):
            word, other = rng.sample(WORDS, 2)
            title = f"{word.title()} {other} meet-up {event_id}"
            description = f"A friendly {word} session with {other}. Everyone welcome."
            online = rng.random() < 0.05
            lat, lon = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
            start = now + timedelta(minutes=rng.randint(60, 60 * 24 * 90))
            events.append(
                (
                    event_id,
                    rng.choice(organisations),
                    "published",
                    title,
                    description,
                    rng.choice(categories),
                    online,
                    "" if online else f"Venue {event_id}",
                    "" if online else rng.choice(DISTRICTS),
                    None if online else lat,
                    None if online else lon,
                    0 if rng.random() < 0.7 else rng.choice((200, 350, 500)),
                    rng.getrandbits(3) | 1,  # languages: English and maybe Polish, Urdu
                    rng.getrandbits(3),
                    rng.getrandbits(10),
                    f"{title} {description}".lower(),
                    now,
                )
            )
            dates = 4 if rng.random() < 0.1 else 1
            for week in range(dates):
                begins = start + timedelta(weeks=week)
                capacity = rng.choice((None, 20, 40))
                occurrences.append((event_id, begins, begins + timedelta(hours=2), "scheduled", capacity, capacity))
        await connection.copy_records_to_table(
            "event",
            records=events,
            columns=[
                "id",
                "organisation_id",
                "status",
                "title",
                "description",
                "category",
                "is_online",
                "venue_name",
                "district_code",
                "latitude",
                "longitude",
                "cost_pence",
                "languages",
                "suits",
                "accessibility",
                "search_text",
                "published_at",
            ],
        )
        await connection.copy_records_to_table(
            "event_occurrence",
            records=occurrences,
            columns=["event", "starts_at", "ends_at", "status", "capacity", "places_left"],
        )
        await connection.execute("SELECT setval(pg_get_serial_sequence('event', 'id'), (SELECT max(id) FROM event))")
    finally:
        await connection.close()
    await rebuild_listing(database_url)


async def rebuild_listing(database_url: str) -> None:
    """The rows were copied around the service: write the search's listing from them, then VACUUM ANALYZE (what
    autovacuum does soon after a bulk load; until then index-only scans still visit the table)."""
    from backend.core.db import bind_tables, make_engine  # noqa: PLC0415 - needs the repo root on sys.path first
    from backend.events import listing  # noqa: PLC0415

    engine = make_engine(database_url)
    bind_tables(engine)
    await listing.rebuild()
    await engine.run_ddl("VACUUM ANALYZE")


def latency(base_url: str, paths: tuple[str, ...], rounds: int) -> dict[str, float]:
    """Median and p95 milliseconds of each search, one request at a time (after one warm-up each)."""
    figures: dict[str, float] = {}
    for path in paths:
        timings = []
        for index in range(rounds + 1):
            started = time.perf_counter()
            with urllib.request.urlopen(base_url + path, timeout=30) as response:
                json.loads(response.read())
            if index:
                timings.append((time.perf_counter() - started) * 1000)
        figures[path] = statistics.median(timings)
    return figures


def latency_pair(
    small_url: str, large_url: str, paths: tuple[str, ...], rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median milliseconds of each search on both servers, one request at a time, alternating between them."""
    timings: dict[str, tuple[list[float], list[float]]] = {path: ([], []) for path in paths}
    for index in range(rounds + 1):
        for path in paths:
            for base_url, found in zip((small_url, large_url), timings[path], strict=True):
                started = time.perf_counter()
                with urllib.request.urlopen(base_url + path, timeout=30) as response:
                    json.loads(response.read())
                if index:  # the first round warms up
                    found.append((time.perf_counter() - started) * 1000)
    small = {path: statistics.median(pair[0]) for path, pair in timings.items()}
    large = {path: statistics.median(pair[1]) for path, pair in timings.items()}
    return small, large


def main() -> int:  # noqa: PLR0915 - a script: set up, measure, print
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000, help="events for the throughput run")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=100, help="requests per search for the latency figures")
    parser.add_argument("--latency-only", action="store_true", help="skip the wrk run: search latency only")
    args = parser.parse_args()
    if not args.latency_only and shutil.which("wrk") is None:
        print("wrk is not installed: `sudo apt-get install wrk`, then run this again.", file=sys.stderr)
        return 2
    from tests.support.live_server import start_server  # noqa: PLC0415 - needs the repo root on sys.path first

    names: list[str] = []
    data_dir = Path(tempfile.mkdtemp(prefix="hearby-events-bench-"))

    def fresh_database() -> str:
        name = f"hearby_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        names.append(name)
        url = _database_url(name)
        env = {**os.environ, "DATABASE_URL": url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "backend.cli", "migrate"], cwd=REPO_ROOT, env=env, check=True)
        return url

    def serve(url: str) -> object:
        server = start_server(url, data_dir, extra_env={"HEARBY_ENV": "development", "WEB_CONCURRENCY": "1"})
        if _pin(0):
            subprocess.run([_pin(0)[0], "-a", "-cp", "0", str(server.process.pid)], check=True, capture_output=True)
        return server

    results = []
    uncached: dict[str, float] = {}
    try:
        if not args.latency_only:
            url = fresh_database()
            asyncio.run(load_events(url, args.events, 1, seed=1))
            server = serve(url)
            try:
                for path in ("/api/v1/ping", PAGE):
                    _wrk(server.base_url, path, args.connections, args.warmup)  # type: ignore[attr-defined]
                    output = _wrk(server.base_url, path, args.connections, args.duration)  # type: ignore[attr-defined]
                    results.append(_parse(path, output))
                uncached = latency(server.base_url, (SEARCHES[0],), args.rounds)  # type: ignore[attr-defined]
            finally:
                server.stop()  # type: ignore[attr-defined]

        # Two databases, two servers, and the requests alternate between them: drift in the machine's speed
        # (a shared host) then weighs on both sides of the ratio alike.
        small_url, large_url = fresh_database(), fresh_database()
        asyncio.run(load_events(small_url, args.small, 1, seed=2))
        asyncio.run(load_events(large_url, args.small, 1, seed=2))
        asyncio.run(load_events(large_url, args.large - args.small, args.small + 1, seed=3))
        small_server, large_server = serve(small_url), serve(large_url)
        try:
            small, large = latency_pair(
                small_server.base_url,  # type: ignore[attr-defined]
                large_server.base_url,  # type: ignore[attr-defined]
                SEARCHES,
                args.rounds,
            )
        finally:
            small_server.stop()  # type: ignore[attr-defined]
            large_server.stop()  # type: ignore[attr-defined]
    finally:
        for name in names:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)

    if results:
        _print_throughput(args, results, uncached)
    print(f"\nSearch latency, median of {args.rounds} sequential uncached API requests\n")
    print(f"| search | {args.small:,} events (ms) | {args.large:,} events (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for path in SEARCHES:
        print(f"| `{path}` | {small[path]:.1f} | {large[path]:.1f} | {large[path] / small[path]:.2f} |")
    return 0


def _print_throughput(args: argparse.Namespace, results: list[Any], uncached: dict[str, float]) -> None:
    ping, page = results
    print(
        f"\n{args.events:,} upcoming events; uvicorn, 1 worker, PostgreSQL; wrk -t1 -c{args.connections} "
        f"-d{args.duration}s (after {args.warmup} s warm-up), {os.cpu_count()} CPUs\n"
    )
    print("| path | req/s | p50 (ms) | p99 (ms) | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for result in results:
        print(
            f"| `{result.path}` | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} "
            f"| {result.non_2xx} |"
        )
    print(f"\npage/hello ratio: {page.requests_per_second / ping.requests_per_second:.2f}")
    print(f"uncached search (API, one at a time) with {args.events:,} events: {uncached[SEARCHES[0]]:.1f} ms median")


if __name__ == "__main__":
    sys.exit(main())
