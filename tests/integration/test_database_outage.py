"""When the database blinks: with a real PostgreSQL stopped under the app, pages and the API answer 503
with Retry-After (never a 500 saying "not saved"), and the app recovers by itself when it is back.

The database is a scratch cluster of our own (initdb + pg_ctl on a free port), so stopping it disturbs no
other test."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings
from tests.support.databases import run_cli
from tests.support.live_server import free_port

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]


@dataclass
class ScratchPostgres:
    """A PostgreSQL cluster of this test's own."""

    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/hearby"

    def _as_postgres(self, *command: str) -> None:
        # initdb and the server refuse to run as root.
        prefix = ["runuser", "-u", "postgres", "--"] if _is_root() else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data.parent / "server.log")  # the server must not hold our output pipe open
        self._as_postgres(f"{PG_BIN[0]}/pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._as_postgres(f"{PG_BIN[0]}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _is_root() -> bool:
    return os.geteuid() == 0


@pytest.fixture
def scratch_postgres() -> Iterator[ScratchPostgres]:
    if not PG_BIN[0] or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL's server binaries are not installed")
    home = Path(tempfile.mkdtemp(prefix="hearby-pg-", dir="/tmp"))
    shutil.chown(home, user="postgres")
    cluster = ScratchPostgres(home / "data", free_port())
    cluster._as_postgres(f"{PG_BIN[0]}/initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    cluster.start()
    try:
        subprocess.run(
            [f"{PG_BIN[0]}/createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "hearby"],
            check=True,
            capture_output=True,
        )
        run_cli(cluster.url, "migrate", data_dir=home)
        yield cluster
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                f"{PG_BIN[0]}/pg_ctl",
                "-D",
                str(cluster.data),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)


async def test_a_stopped_database_answers_503_with_retry_after_and_the_app_recovers(
    scratch_postgres: ScratchPostgres, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": scratch_postgres.url,
            "HEARBY_DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "CRITICAL",
            "HEARBY_ENV": "test",
        }
    )
    app = create_app(settings)
    booking = {"name": "Ala", "email": "ala@example.org", "places": 1}
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        assert (await client.get("/events", params={"q": "before"})).status_code == 200

        scratch_postgres.stop()
        page = await client.get("/events", params={"q": "during"})
        assert page.status_code == 503
        assert page.headers["retry-after"] == "5"
        assert "not been saved" not in page.text
        api = await client.post("/api/v1/events/1/occurrences/1/bookings", json=booking)
        assert api.status_code == 503
        assert api.headers["retry-after"] == "5"
        assert api.json()["status_code"] == 503

        scratch_postgres.start()
        assert (await client.get("/events", params={"q": "after"})).status_code == 200
