"""HTTP throughput and latency of the web process (figures, not a test).

Starts the app exactly as the Procfile's `web` process does (uvicorn, the factory, one worker) on a fresh
PostgreSQL database migrated and seeded by the CLI, then drives `/api/v1/ping` (no database, no template) and
the home page `/` (locale negotiation, Jinja, GOV.UK macros, gzip) with wrk at 50 connections.

    .venv/bin/python bench/http_bench.py [--duration 10] [--connections 50] [--warmup 3]

Needs PostgreSQL on 127.0.0.1:5432 (TEST_POSTGRES_URL / BENCH_POSTGRES_URL to change) and wrk
(`sudo apt-get install wrk` on Debian/Ubuntu). On a 2-core machine the server is pinned to CPU 0 and wrk
(one thread) to CPU 1, so they do not fight over a core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
WRK = shutil.which("wrk")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Result:
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _database_url(name: str) -> str:
    return f"{POSTGRES_URL.rpartition('/')[0]}/{name}"


def _parse(path: str, output: str) -> Result:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no {percent}% latency in wrk's output:\n{output}")
        return float(match.group(1)) * UNITS[match.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(path, float(rate.group(1)), latency("50"), latency("99"), int(errors.group(1)) if errors else 0)


def _pin(cpu: int) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu)] if taskset and (os.cpu_count() or 1) >= 2 else []


def _wrk(base_url: str, path: str, connections: int, seconds: int) -> str:
    assert WRK is not None
    # Browsers send these; without Accept-Encoding the page would be measured uncompressed.
    headers = ["-H", "Accept: text/html", "-H", "Accept-Encoding: gzip", "-H", "Accept-Language: en-GB"]
    command = [*_pin(1), WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, base_url + path]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per path")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if WRK is None:
        print("wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then run this again.", file=sys.stderr)
        return 2

    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.live_server import start_server  # noqa: PLC0415 - needs the repo root on sys.path first

    name = f"hearby_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    database_url = _database_url(name)
    data_dir = Path(tempfile.mkdtemp(prefix="hearby-bench-"))
    server = None
    try:
        env = {**os.environ, "DATABASE_URL": database_url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
        subprocess.run(
            [sys.executable, "-m", "backend.cli", "setup"], cwd=REPO_ROOT, env=env, check=True, capture_output=True
        )
        server = start_server(database_url, data_dir, extra_env={"HEARBY_ENV": "development", "WEB_CONCURRENCY": "1"})
        if _pin(0):  # every thread of the server on CPU 0; wrk runs on CPU 1
            subprocess.run([_pin(0)[0], "-a", "-cp", "0", str(server.process.pid)], check=True, capture_output=True)
        results = []
        for path in ("/api/v1/ping", "/"):
            _wrk(server.base_url, path, args.connections, args.warmup)
            results.append(_parse(path, _wrk(server.base_url, path, args.connections, args.duration)))
    finally:
        if server is not None:
            server.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)

    ping, home = results
    print(
        f"\nuvicorn, 1 worker, PostgreSQL; wrk -t1 -c{args.connections} -d{args.duration}s "
        f"(after {args.warmup} s warm-up), {os.cpu_count()} CPUs\n"
    )
    print("| path | req/s | p50 (ms) | p99 (ms) | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for result in results:
        print(
            f"| `{result.path}` | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} "
            f"| {result.non_2xx} |"
        )
    ratio = home.requests_per_second / ping.requests_per_second
    print(f"\npage/hello ratio (req/s of `/` ÷ req/s of `/api/v1/ping`): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
