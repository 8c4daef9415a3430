"""A real SMTP server in the test process (aiosmtpd on 127.0.0.1) that keeps every message it accepts.

It runs in its own thread, so sync tests, async tests and worker subprocesses can all talk to it. Tests can
make it refuse a recipient (a permanent 5xx), answer the next few messages with a transient 4xx, stop it, or
hold the DATA step of a message (the sender has sent the whole message and waits for the answer: provably
mid-send) until the test releases it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"])

    def part(self, content_type: str) -> str:
        """The decoded body of the text/plain or text/html alternative."""
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None, f"no {content_type} part"
        assert body.get_content_type() == content_type
        return str(body.get_content())


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: list[str]
    ) -> str:
        reply = self.server.reply_for(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        if self.server.take_hold(envelope.rcpt_tos):
            # A threading.Event: the test runs on another thread. If the sender goes away meanwhile, aiosmtpd
            # cancels this session and the message is not kept.
            await asyncio.to_thread(self.server.released.wait)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.accept(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """An in-process SMTP server collecting messages (thread-safe)."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._refused: dict[str, str] = {}
        self._failures: list[str] = []
        self._controller: Controller | None = None
        self._hold_for: str | None = None
        self.holding = threading.Event()  # set while a held message waits for `release()`
        self.released = threading.Event()

    def start(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        """Stop listening: clients get "connection refused" until `start()`."""
        self.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def env(self) -> dict[str, str]:
        """Environment for a worker process that should deliver here."""
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": self.host, "SMTP_PORT": str(self.port)}

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        """Answer RCPT TO for this address with `reply` every time."""
        with self._lock:
            self._refused[address.lower()] = reply

    def fail_next(self, count: int, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        """Answer the next `count` recipients with `reply`."""
        with self._lock:
            self._failures.extend([reply] * count)

    def hold(self, address: str) -> None:
        """Hold the DATA step of the next message to this address: the server has the whole message and does
        not answer (so its sender is stuck mid-send) until `release()`."""
        with self._lock:
            self._hold_for = address.lower()
        self.holding.clear()
        self.released.clear()

    async def wait_until_holding(self, within: float = 30.0) -> None:
        """Wait until a message is held, without blocking the event loop."""
        deadline = time.monotonic() + within
        while not self.holding.is_set():
            if time.monotonic() > deadline:
                raise AssertionError(f"no message to {self._hold_for} reached the DATA step within {within}s")
            await asyncio.sleep(0.02)

    def release(self) -> None:
        """Let the held message go on: accepted, if its sender is still there to hear so."""
        self.released.set()

    def take_hold(self, rcpt_tos: list[str]) -> bool:
        """True (once) for the message to hold (called by the server thread)."""
        with self._lock:
            if self._hold_for is None or self._hold_for not in {address.lower() for address in rcpt_tos}:
                return False
            self._hold_for = None
        self.holding.set()
        return True

    def reply_for(self, address: str) -> str | None:
        """The failure to answer for this recipient, if any (called by the server thread)."""
        with self._lock:
            if address.lower() in self._refused:
                return self._refused[address.lower()]
            if self._failures:
                return self._failures.pop(0)
        return None

    def accept(self, mail: ReceivedMail) -> None:
        """Keep a received message (called by the server thread)."""
        with self._lock:
            self._received.append(mail)

    @property
    def received(self) -> list[ReceivedMail]:
        """Every message accepted so far, in order."""
        with self._lock:
            return list(self._received)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(mail.message_id for mail in self.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` messages have arrived (sync tests)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(self.received)} within {timeout}s")
            time.sleep(0.02)
        return self.received

    async def wait_for_async(self, count: int, within: float = 10.0) -> list[ReceivedMail]:
        """Wait until at least `count` messages have arrived, without blocking the event loop."""
        deadline = time.monotonic() + within
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(self.received)} within {within}s")
            await asyncio.sleep(0.02)
        return self.received


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on a free local port, stopped after the test."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
