"""Throughput of the pages residents, partners and officers really ask for, when the cache misses.

Figures, not a test. On a fresh PostgreSQL database (migrated and seeded by the CLI) it loads N upcoming events
(see `events_bench.load_events`), a resident with bookings, a partner and an officer (signed in by writing
their sessions into the server's session store), then starts:

- a bare Litestar "hello" app (`bench/hello_app.py`) on uvicorn: the framework's floor on this machine;
- the app exactly as the Procfile's `web` process does (uvicorn, the factory, one worker);

each pinned to CPU 0 with taskset, and drives each target with wrk at 50 connections from CPU 1. Targets with
many URLs use a Lua script. The search rows (`/events` and the JSON search) walk tens of thousands of distinct
filter combinations in order, from where the row's last run stopped, so that no URL is asked twice in a row's
warm-up and run together: every request misses the anonymous page cache (60 s), as a resident's new search
does. (Picking at random from 5,000 URLs, as this script did before, asked most of them again within the
minute: about 60% of requests were answered by the cache.) Event pages and booking forms are not cached
and are picked at random. The fixed `/events` URL is kept, labelled as the cached figure.

    .venv/bin/python bench/pages_bench.py [--events 10000] [--duration 10] [--warmup 3] [--connections 50]
    .venv/bin/python bench/pages_bench.py --only events_varied,event_page   # some targets only

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES_URL / TEST_POSTGRES_URL to change) and Debian's wrk
(`apt-get install wrk`; the script says so when it is missing). Prints a Markdown table: req/s, p50, p99,
non-2xx and the ratio to ping.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import msgspec

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.events_bench import DISTRICTS, WORDS, load_events  # noqa: E402 - after the path is set
from bench.http_bench import _admin, _database_url, _parse, _pin  # noqa: E402

WRK = shutil.which("wrk")
PAGE_FIXED = "/events?postcode=OX4&radius_miles=5&accessibility=step_free&free=true"
OUTWARD = ("OX1", "OX2", "OX3", "OX4", "OX5", "OX10", "OX11", "OX12", "OX14", "OX16", "OX18", "OX20", "OX26", "OX28")
RADII = ("1", "3", "5", "10")
WHEN = ("", "today", "weekend", "week")
ACCESS = ("step_free", "accessible_toilet", "hearing_loop", "quiet_space")
# Distinct searches per row: more than a row's warm-up and run ask for together at a few thousand req/s.
SEARCHES = 60_000
LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
math.randomseed(%(seed)d)
local headers = {["Accept"] = "text/html", ["Accept-Encoding"] = "gzip", ["Accept-Language"] = "en-GB"%(cookie)s}
local in_order, next_path = %(in_order)s, %(start)d
request = function()
  if in_order then
    next_path = next_path %% #paths + 1
    return wrk.format("GET", paths[next_path], headers)
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


@dataclass
class Target:
    """One row of the table: a label, the paths it picks from, and a session cookie when signed in."""

    name: str
    label: str
    paths: list[str]
    cookie: str = ""
    server: str = "app"
    results: list[object] = field(default_factory=list)
    in_order: bool = False  # walk the paths in order (never the same URL twice) rather than pick at random
    next_path: int = 0  # where the next in-order run starts


def filter_paths(rng: random.Random, count: int, prefix: str) -> list[str]:
    """`count` distinct filter combinations (postcode and radius, words, days, access, price, pages), shuffled."""
    seen: set[str] = set()
    while len(seen) < count:
        parts = []
        if rng.random() < 0.6:
            parts += [f"postcode={rng.choice(OUTWARD)}", f"radius_miles={rng.choice(RADII)}"]
        elif rng.random() < 0.3:
            parts.append(f"district={rng.choice(DISTRICTS)}")
        if rng.random() < 0.4:
            parts.append(f"q={rng.choice(WORDS)}")
        when = rng.choice(WHEN)
        if when:
            parts.append(f"when={when}")
        for code in ACCESS:
            if rng.random() < 0.15:
                parts.append(f"accessibility={code}")
        if rng.random() < 0.3:
            parts.append("free=true")
        if rng.random() < 0.2:
            parts.append(f"page={rng.randint(2, 4)}")
        seen.add(f"{prefix}?{'&'.join(parts)}" if parts else prefix)
    ordered = sorted(seen)  # sets have no stable order; the shuffle below does, from the seed
    rng.shuffle(ordered)
    return ordered


async def prepare_people(database_url: str, data_dir: Path, seed: int) -> dict[str, str]:
    """A resident with bookings, a partner of a busy organisation and an officer, each with a live session.

    Returns the session id of each. Sessions are written into the server's own file store (the one it uses
    without REDIS_URL), the way a sign-in leaves them."""
    from litestar.stores.file import FileStore  # noqa: PLC0415 - needs the repo root on sys.path first

    rng = random.Random(seed)
    connection = await asyncpg.connect(database_url)
    try:
        ids: dict[str, int] = {}
        for role in ("resident", "partner", "officer"):
            ids[role] = await connection.fetchval(
                "INSERT INTO app_user (email, display_name, locale, is_active, auth_version, totp_last_step, "
                "created_at) VALUES ($1, $2, 'en', true, 1, 0, now()) RETURNING id",
                f"bench-{role}@example.org",
                f"Bench {role}",
            )
            await connection.execute(
                'INSERT INTO role_grant ("user", role, grant_key, granted_at) VALUES ($1, $2, $3, now())',
                ids[role],
                role,
                f"{ids[role]}:{role}",
            )
        # The partner's organisation runs forty of the events (a busy group; the bench's others share thousands).
        organisation = await connection.fetchval(
            "INSERT INTO organisation (name, kind, status, trusted) "
            "VALUES ('Bench partner group', 'charity', 'verified', true) RETURNING id"
        )
        await connection.execute(
            "UPDATE event SET organisation_id = $1 WHERE id IN (SELECT id FROM event ORDER BY id LIMIT 40)",
            organisation,
        )
        await connection.execute(
            'INSERT INTO membership ("user", organisation, is_owner, membership_key, created_at) '
            "VALUES ($1, $2, true, $3, now())",
            ids["partner"],
            organisation,
            f"{ids['partner']}:{organisation}",
        )
        # Twenty events wait for a decision in the officer's queue.
        await connection.execute(
            "UPDATE event SET status = 'pending' WHERE id IN (SELECT id FROM event ORDER BY id DESC LIMIT 20)"
        )
        occurrences = await connection.fetch(
            "SELECT o.id, o.event FROM event_occurrence o JOIN event e ON e.id = o.event "
            "WHERE e.status = 'published' ORDER BY o.id LIMIT 2000"
        )
        for index, row in enumerate(rng.sample(list(occurrences), 12)):
            await connection.execute(
                "INSERT INTO booking (occurrence_id, event_id, name, email, places, access_needs, status, "
                "token_hash, user_id, active_key, locale, created_at) "
                "VALUES ($1, $2, 'Bench resident', 'bench-resident@example.org', 1, '', 'confirmed', $3, $4, $5, "
                "'en', now())",
                row["id"],
                row["event"],
                secrets.token_hex(32),
                ids["resident"],
                f"{row['id']}:bench-resident@example.org:{index}",
            )
    finally:
        await connection.close()
    store = FileStore(path=data_dir / "sessions", create_directories=True)
    sessions: dict[str, str] = {}
    now = time.time()
    for role, user_id in ids.items():
        session_id = secrets.token_hex(16)
        data = {"user_id": user_id, "auth_version": 1, "started_at": now, "seen_at": now}
        await store.set(session_id, msgspec.json.encode(data), expires_in=3600 * 24)
        sessions[role] = session_id
    return sessions


async def page_paths(database_url: str, rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    """Event pages (an event, or one of its dates) and booking forms of published events."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT o.id, o.event FROM event_occurrence o JOIN event e ON e.id = o.event "
            "WHERE e.status = 'published' AND o.starts_at > now()"
        )
    finally:
        await connection.close()
    chosen = rng.sample(list(rows), min(count, len(rows)))
    events = [
        f"/events/{row['event']}" if index % 2 else f"/events/{row['event']}/{row['id']}"
        for index, row in enumerate(chosen)
    ]
    forms = [f"/events/{row['event']}/{row['id']}/book" for row in chosen]
    return events, forms


def start_uvicorn(factory: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn with the Procfile's flags on a free port, every thread pinned to CPU 0."""
    from tests.support.live_server import UVICORN, free_port  # noqa: PLC0415

    port = free_port()
    command = [str(UVICORN), "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-server-header", "--no-access-log"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{factory} exited:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/ping", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    if _pin(0):
        subprocess.run([_pin(0)[0], "-a", "-cp", "0", str(process.pid)], check=True, capture_output=True)
    return process, base_url


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests_done(output: str) -> int:
    """How many requests wrk completed."""
    match = re.search(r"(\d+) requests in", output)
    return int(match.group(1)) if match else 0


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def run_wrk(base_url: str, target: Target, work: Path, connections: int, seconds: int) -> str:
    """wrk on CPU 1 with a Lua script picking one of the target's paths per request."""
    assert WRK is not None
    paths = work / f"{target.name}.paths"
    paths.write_text("\n".join(target.paths) + "\n")
    cookie = f', ["Cookie"] = "hearby_session={target.cookie}"' if target.cookie else ""
    script = work / f"{target.name}.lua"
    settings = {"paths": paths, "seed": random.randrange(1, 1 << 30), "cookie": cookie}
    script.write_text(LUA % {**settings, "in_order": str(target.in_order).lower(), "start": target.next_path})
    command = [*_pin(1), WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(script), base_url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    if target.in_order:
        # Requests still in flight when wrk stopped were sent but not counted: skip past them too.
        target.next_path += requests_done(output) + connections
        if target.next_path > len(target.paths):
            print(f"{target.name}: its {len(target.paths):,} URLs ran out; some were asked twice", file=sys.stderr)
    return output


def print_cpu_only(
    args: argparse.Namespace,
    targets: list[Target],
    *,
    app: subprocess.Popen[bytes],
    processes: list[subprocess.Popen[bytes]],
    app_url: str,
    bare_url: str,
) -> None:
    """Each row's server CPU time per request, requests sent one at a time (so none is left in flight)."""
    print(f"\n{args.events:,} upcoming events, PostgreSQL; {args.cpu_only} requests per row, one at a time\n")
    print("| request | URLs | CPU ms/req | × ping (CPU) |")
    print("|---|---:|---:|---:|")
    ping_cpu = 0.0
    for target in targets:
        server, base = (processes[1], bare_url) if target.server == "bare" else (app, app_url)
        rng = random.Random(11)
        picks = args.cpu_only + 5
        paths = rng.sample(target.paths, picks) if len(target.paths) >= picks else rng.choices(target.paths, k=picks)
        headers = {"Accept": "text/html", "Accept-Encoding": "gzip", "Accept-Language": "en-GB"}
        if target.cookie:
            headers["Cookie"] = f"hearby_session={target.cookie}"
        started = 0.0
        for index, path in enumerate(paths):
            if index == 5:  # after five warm-up requests
                started = cpu_seconds(server.pid)
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=60) as answer:
                answer.read()
        cpu = (cpu_seconds(server.pid) - started) / args.cpu_only
        ping_cpu = ping_cpu or cpu
        print(f"| {target.label} | {len(target.paths):,} | {cpu * 1000:.2f} | {ping_cpu / cpu:.3f} |", flush=True)


def main() -> int:  # noqa: PLR0915 - a script: set up, measure, print
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--ping-duration", type=int, default=5, help="seconds of the ping run before each row")
    parser.add_argument("--only", default="", help="comma-separated target names (ping is always run)")
    parser.add_argument(
        "--cpu-only",
        type=int,
        default=0,
        metavar="N",
        help="no wrk: N requests per row one at a time, and the server's CPU time per request (steadiest figure)",
    )
    parser.add_argument("--keep", action="store_true", help="leave the server running for profiling (Ctrl-C ends)")
    args = parser.parse_args()
    if WRK is None:
        print("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), then run this again.", file=sys.stderr)
        return 2

    # Ctrl-C or a TERM from outside still stops the servers and drops the database (the `finally` below).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    rng = random.Random(7)
    name = f"hearby_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = _database_url(name)
    data_dir = Path(tempfile.mkdtemp(prefix="hearby-pages-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HEARBY_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "HEARBY_ENV": "development",
        "WEB_CONCURRENCY": "1",
        "REDIS_URL": "",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([sys.executable, "-m", "backend.cli", "setup"], cwd=REPO_ROOT, env=env, check=True)
        asyncio.run(load_events(url, args.events, 100_000, seed=1))
        sessions = asyncio.run(prepare_people(url, data_dir, seed=3))
        events, forms = asyncio.run(page_paths(url, rng, 3000))
        targets = [
            Target("ping", "`/api/v1/ping`", ["/api/v1/ping"]),
            Target("bare", "bare Litestar hello app", ["/api/v1/ping"], server="bare"),
            Target("events_cached", "`/events` one fixed URL (cached)", [PAGE_FIXED]),
            Target("events_varied", "`/events` varied filters", filter_paths(rng, SEARCHES, "/events"), in_order=True),
            Target(
                "api_varied",
                "`GET /api/v1/events` varied filters",
                filter_paths(rng, SEARCHES, "/api/v1/events"),
                in_order=True,
            ),
            Target("event_page", "an event's page, varied events", events),
            Target("booking_form", "the booking form, varied dates", forms),
            Target("resident_bookings", "a resident's bookings (`/account`)", ["/account"], sessions["resident"]),
            Target("partner_dashboard", "partner dashboard", ["/partner/events"], sessions["partner"]),
            Target("officer_queue", "officer's queue", ["/officer/events/queue"], sessions["officer"]),
            Target(
                "officer_organisations",
                "officer's list of organisations (201)",
                ["/officer/organisations"],
                sessions["officer"],
            ),
        ]
        if args.only:
            wanted = {"ping", *args.only.split(",")}
            targets = [target for target in targets if target.name in wanted]
        app, app_url = start_uvicorn("backend.app:app_from_environment", env, data_dir / "app.log")
        processes.append(app)
        bare_url = ""
        if any(target.server == "bare" for target in targets):
            bare, bare_url = start_uvicorn("bench.hello_app:make_app", env, data_dir / "bare.log")
            processes.append(bare)
        if args.keep:
            print(f"app at {app_url} (pid {app.pid}); paths in {data_dir}; sessions {json.dumps(sessions)}")
            for target in targets:
                (data_dir / f"{target.name}.paths").write_text("\n".join(target.paths) + "\n")
            with contextlib.suppress(KeyboardInterrupt):
                app.wait()
            return 0
        if args.cpu_only:
            print_cpu_only(args, targets, app=app, processes=processes, app_url=app_url, bare_url=bare_url)
            return 0
        results = []
        ping_cpus: list[float] = []
        ping_target = targets[0]
        for target in targets:
            base = bare_url if target.server == "bare" else app_url
            # This machine is shared: ping is measured again just before each target, and the ratio is to
            # that ping, so a change in the machine's load between targets weighs on both sides alike.
            run_wrk(app_url, ping_target, data_dir, args.connections, 1)
            cpu_before = cpu_seconds(app.pid)
            ping_output = run_wrk(app_url, ping_target, data_dir, args.connections, args.ping_duration)
            ping_cpu = (cpu_seconds(app.pid) - cpu_before) / max(1, requests_done(ping_output))
            ping = _parse("ping", ping_output)
            ping_cpus.append(ping_cpu)
            run_wrk(base, target, data_dir, args.connections, args.warmup)
            server = processes[1] if target.server == "bare" else app
            cpu_before = cpu_seconds(server.pid)
            output = run_wrk(base, target, data_dir, args.connections, args.duration)
            cpu = (cpu_seconds(server.pid) - cpu_before) / max(1, requests_done(output))
            results.append((target, _parse(target.name, output), ping, cpu))
            print(f"{target.name}: {results[-1][1]} (ping {ping.requests_per_second:.0f})", file=sys.stderr)
    finally:
        for process in processes:
            stop(process)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)

    ping_cpu = statistics.median(ping_cpus)
    print(
        f"\n{args.events:,} upcoming events, PostgreSQL; uvicorn, 1 worker, pinned to CPU 0; "
        f"wrk -t1 -c{args.connections} -d{args.duration}s on CPU 1 (after {args.warmup} s warm-up). "
        f"× ping: req/s over those of `/api/v1/ping` measured for {args.ping_duration} s just before the row. "
        f"CPU: the server process's CPU time per request (median ping: {ping_cpu * 1000:.2f} ms), and "
        "ping's CPU per request over the row's, the ratio a quiet machine's req/s would show\n"
    )
    print("| request | URLs | req/s | p50 (ms) | p99 (ms) | non-2xx | × ping | CPU ms/req | × ping (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target, result, ping, cpu in results:
        print(
            f"| {target.label} | {len(target.paths):,} | {result.requests_per_second:,.0f} | {result.p50_ms:.0f} "
            f"| {result.p99_ms:.0f} | {result.non_2xx} | {result.requests_per_second / ping.requests_per_second:.3f} "
            f"| {cpu * 1000:.2f} | {ping_cpu / cpu:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
