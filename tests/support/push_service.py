"""A local push service that speaks the real protocols, for tests and the broadcast benchmark.

It accepts `POST /push/<device id>` the way a browser vendor's push service does, and for every message:

- verifies the VAPID authorisation (RFC 8292): `Authorization: vapid t=<JWT>, k=<public key>`, the key is the
  app's VAPID public key, the JWT is ES256-signed by it, `aud` is this service's origin, `exp` is in the future
  and at most 24 hours away, `sub` is a mailto: or https: contact;
- decrypts the aes128gcm body (RFC 8291) with the device's private key and auth secret, so a test reads the real
  notification the service worker would get;
- records it (with TTL, Urgency and Topic) and answers as scripted: 201 by default, or a list of statuses per
  device (500 then 201, 410, …).

Devices are derived from a seed and a number (`Device.derive(seed, n)`): the test (or the benchmark) and the
service, even in another process (`python -m tests.support.push_service --port P --seed S --record FILE`), know
the same keys without sharing them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Device:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    number: int
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def derive(cls, seed: str, number: int) -> Device:
        digest = hashlib.sha256(f"{seed}:{number}:key".encode()).digest()
        scalar = int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1
        auth = hashlib.sha256(f"{seed}:{number}:auth".encode()).digest()[:16]
        return cls(number, ec.derive_private_key(scalar, ec.SECP256R1()), auth)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self, base_url: str) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` would give for this device."""
        return {
            "endpoint": f"{base_url}/push/{self.number}",
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    """One message the service accepted (or was scripted to refuse after decrypting)."""

    device: int
    status: int
    notification: dict[str, Any]
    ttl: int
    urgency: str
    topic: str
    at: float


class VapidError(Exception):
    """The request's VAPID authorisation is not valid."""


def verify_vapid(header: str, expected_key: str, audience: str, now: float) -> dict[str, Any]:
    """Check `vapid t=…, k=…` and return the JWT's claims (raises VapidError)."""
    if not header.lower().startswith("vapid "):
        raise VapidError("not a vapid authorisation")
    params = dict(part.strip().split("=", 1) for part in header[6:].split(",") if "=" in part)
    token, key = params.get("t", ""), params.get("k", "")
    if key.rstrip("=") != expected_key.rstrip("="):
        raise VapidError("k is not the application server's key")
    try:
        head_b64, claims_b64, signature_b64 = token.split(".")
        head = json.loads(unb64url(head_b64))
        claims = json.loads(unb64url(claims_b64))
        signature = unb64url(signature_b64)
    except ValueError as exc:
        raise VapidError("malformed JWT") from exc
    if head.get("alg") != "ES256" or len(signature) != 64:
        raise VapidError("not ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise VapidError("bad signature") from exc
    if claims.get("aud") != audience:
        raise VapidError(f"aud {claims.get('aud')!r} is not {audience!r}")
    exp = int(claims.get("exp", 0))
    if exp <= now or exp > now + 86400:
        raise VapidError("exp is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise VapidError("sub is not a mailto: or https: contact")
    return dict(claims)


@dataclass
class PushService:
    """The service's state: who it knows, what it received, what it answers."""

    vapid_public_key: str
    seed: str = "hearby-tests"
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    script: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    record: Path | None = None
    base_url: str = ""
    decrypt: bool = True
    _devices: dict[int, Device] = field(default_factory=dict)

    def device(self, number: int) -> Device:
        if number not in self._devices:
            self._devices[number] = Device.derive(self.seed, number)
        return self._devices[number]

    def answer(self, number: int, *statuses: int) -> None:
        """Script the next answers for a device (then 201 again)."""
        self.script[number].extend(statuses)

    def delivered(self, number: int | None = None) -> list[Received]:
        """Messages accepted (2xx), for one device or all."""
        return [r for r in self.received if 200 <= r.status < 300 and (number is None or r.device == number)]

    async def handle(self, request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        body = await request.read()
        try:
            verify_vapid(request.headers.get("Authorization", ""), self.vapid_public_key, self.base_url, time.time())
        except (VapidError, ValueError) as exc:
            self.rejected.append(f"{number}: {exc}")
            return web.Response(status=401, text=str(exc))
        if request.headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in request.headers:
            self.rejected.append(f"{number}: missing Content-Encoding or TTL")
            return web.Response(status=400)
        notification: dict[str, Any] = {}
        if self.decrypt:
            device = self.device(number)
            try:
                plain = http_ece.decrypt(
                    body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
                )
                notification = json.loads(plain)
            except Exception as exc:  # noqa: BLE001 - any decryption failure is the sender's fault
                self.rejected.append(f"{number}: cannot decrypt: {type(exc).__name__}")
                return web.Response(status=400, text="cannot decrypt")
        status = self.script[number].pop(0) if self.script.get(number) else 201
        item = Received(
            device=number,
            status=status,
            notification=notification,
            ttl=int(request.headers.get("TTL", "0")),
            urgency=request.headers.get("Urgency", ""),
            topic=request.headers.get("Topic", ""),
            at=time.time(),
        )
        self.received.append(item)
        if self.record is not None and 200 <= status < 300:
            with self.record.open("a") as out:
                out.write(json.dumps(item.__dict__) + "\n")
        headers = {"Location": f"{self.base_url}/message/{len(self.received)}"} if status == 201 else {}
        return web.Response(status=status, headers=headers)

    def app(self) -> web.Application:
        application = web.Application(client_max_size=8192)
        application.router.add_post("/push/{number:\\d+}", self.handle)
        return application


class RunningPushService:
    """A push service on a port of 127.0.0.1, served from a thread with its own event loop."""

    def __init__(self, service: PushService, port: int = 0) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(service.app(), access_log=None)
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", port)
            self.loop.run_until_complete(site.start())
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            service.base_url = f"http://127.0.0.1:{self.port}"
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(10)

    @property
    def base_url(self) -> str:
        return self.service.base_url

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def main() -> None:
    """Run as its own process (the benchmark and the kill test): records accepted messages as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--vapid-public-key", required=True)
    parser.add_argument("--seed", default="hearby-tests")
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--no-decrypt", action="store_true", help="verify VAPID only (the benchmark's lighter mode)")
    args = parser.parse_args()
    service = PushService(args.vapid_public_key, seed=args.seed, record=args.record, decrypt=not args.no_decrypt)
    service.base_url = f"http://127.0.0.1:{args.port}"
    web.run_app(service.app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()


# --- pytest fixtures ------------------------------------------------------------------------------------

import pytest  # noqa: E402 - the fixtures below are the only pytest users of this module

from backend.notifications import vapid  # noqa: E402
from backend.settings import Settings  # noqa: E402


@pytest.fixture
def push_service(settings: Settings) -> Any:
    """A local push service that knows the app's VAPID public key, running for one test."""
    keys = vapid.resolve(settings)
    assert keys is not None
    running = RunningPushService(PushService(keys.public_key))
    try:
        yield running
    finally:
        running.stop()
