"""The real app, started the way the Procfile's `web` process starts it, on a fresh migrated and seeded SQLite
file. For browser journeys and benchmarks: `live_server` yields its base URL."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.settings import REPO_ROOT
from tests.support.databases import new_sqlite_database, run_cli

UVICORN = REPO_ROOT / ".venv" / "bin" / "uvicorn"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """A running uvicorn process."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Terminate the server (and wait for it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    database_url: str,
    data_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    port: int | None = None,
) -> LiveServer:
    """Start `uvicorn --factory backend.app:app_from_environment` and wait until /health answers 200."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HEARBY_DATA_DIR": str(data_dir),
        "BASE_URL": base_url,
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    log = data_dir / f"server-{port}.log"
    command = [
        str(UVICORN),
        "--factory",
        "backend.app:app_from_environment",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-server-header",
        "--no-access-log",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = LiveServer(base_url=base_url, process=process, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the server did not answer /health within {timeout} s:\n{log.read_text()[-4000:]}")


def prepared_sqlite(data_dir: Path) -> str:
    """A fresh SQLite file, migrated and seeded by `python -m backend.cli setup`."""
    url = new_sqlite_database(data_dir)
    try:
        run_cli(url, "setup", data_dir=data_dir)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"`python -m backend.cli setup` failed:\n{exc.stderr[-4000:]}") from exc
    return url


@pytest.fixture(scope="session")
def live_server_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The database URL and data directory the live server runs on."""
    data_dir = tmp_path_factory.mktemp("live-server")
    return prepared_sqlite(data_dir), data_dir


@pytest.fixture(scope="session")
def live_server(live_server_data: tuple[str, Path]) -> Iterator[str]:
    """The base URL of the real app, served by uvicorn for the whole session."""
    database_url, data_dir = live_server_data
    server = start_server(database_url, data_dir)
    try:
        yield server.base_url
    finally:
        server.stop()
