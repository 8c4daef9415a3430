"""Handing push jobs to push services: `webpush_async` (pywebpush) with bounded concurrency, a VAPID JWT signed
from a fresh claims dict per push service, TTL, urgency and topic per message, and an outcome per job.

Outcomes: 201/202 → delivered; 404/410 → the subscription is gone (deleted; the job is finished); 429, 5xx and
network errors → retried with backoff (the outbox's), dead after the kind's attempts; any other 4xx → dead (the
request itself is wrong; trying again cannot help). Every attempt writes a `push_delivery` row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPushException, webpush_async

from backend.core.db import insert_rows
from backend.core.outbox import ClaimedJob
from backend.notifications import vapid
from backend.notifications.delivery import JobOutcome
from backend.notifications.push import PushJob
from backend.notifications.tables import ExchangeDevice, PushDelivery, PushSubscription, ReportDevice
from backend.settings import Settings

logger = logging.getLogger("hearby.push")

DELIVERED, RETRY, GONE, FAILED = "delivered", "retry", "gone", "failed"
GONE_STATUSES = frozenset({404, 410})
RETRY_STATUSES = frozenset({429})
DEFAULT_CONCURRENCY = 100
JWT_LIFETIME = 12 * 3600
JWT_RENEW_BEFORE = 3600


@dataclass(frozen=True)
class SendResult:
    """What the push service said: its HTTP status (None: no answer) and any error text."""

    status: int | None
    error: str = ""


class PushSender(Protocol):
    """Something that hands one encrypted message to a device's push service."""

    async def send(
        self, subscription: dict[str, Any], data: bytes, *, ttl: int, urgency: str, topic: str
    ) -> SendResult:
        """Send one message; never raises for a push service's answer or a network error."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class WebPushSender:
    """pywebpush's `webpush_async` over one shared aiohttp session, at most `concurrency` sends at a time."""

    def __init__(self, keys: vapid.VapidKeys, concurrency: int = DEFAULT_CONCURRENCY, timeout: float = 10.0) -> None:
        self.keys = keys
        self.signer = keys.signer()  # parsed once; pywebpush signs a new JWT with it for every send
        self.timeout = timeout
        self.semaphore = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None
        self._authorisation: dict[str, tuple[float, dict[str, str]]] = {}  # push service origin -> (exp, headers)

    def vapid_headers(self, endpoint: str, now: float | None = None) -> dict[str, str]:
        """The VAPID `Authorization` header for a push service: a JWT with `aud` = the endpoint's origin, `sub`
        = VAPID_SUBJECT and `exp` 12 hours ahead, signed from a fresh claims dict for each push service (pywebpush
        would write `aud` and `exp` into a shared dict) and reused until an hour before it expires, instead of
        signing the same claims again for every message (ECDSA signing was a third of a send's time)."""
        now = time.time() if now is None else now
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        cached = self._authorisation.get(audience)
        if cached is not None and cached[0] - now > JWT_RENEW_BEFORE:
            return cached[1]
        claims: dict[str, str | int] = {"sub": self.keys.subject, "aud": audience, "exp": int(now) + JWT_LIFETIME}
        headers = {str(k): str(v) for k, v in self.signer.sign(claims).items()}
        self._authorisation[audience] = (float(claims["exp"]), headers)
        return headers

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=self.concurrency)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def send(
        self, subscription: dict[str, Any], data: bytes, *, ttl: int, urgency: str, topic: str
    ) -> SendResult:
        """Encrypt (aes128gcm), sign a VAPID JWT (aud from the endpoint, exp in 12 h) and POST."""
        async with self.semaphore:
            try:
                headers = {**self.vapid_headers(subscription["endpoint"]), "Urgency": urgency, "Topic": topic}
                response = await webpush_async(
                    subscription_info=subscription,
                    data=data,
                    ttl=ttl,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                    aiohttp_session=self._client(),
                )
            except WebPushException as exc:
                status = exc.response.status if exc.response is not None else None
                return SendResult(status, str(exc).splitlines()[0][:300])
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                return SendResult(None, f"{type(exc).__name__}: {exc}"[:300])
            return SendResult(int(getattr(response, "status", 201)))

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def make_push_sender(settings: Settings, concurrency: int = DEFAULT_CONCURRENCY) -> PushSender | None:
    """The sender for these settings, or None when web push is off (no VAPID keys in production)."""
    keys = vapid.resolve(settings)
    return WebPushSender(keys, concurrency) if keys else None


def classify(result: SendResult) -> tuple[str, bool]:
    """(outcome, permanent) for a push service's answer."""
    if result.status is not None and 200 <= result.status < 300:
        return DELIVERED, False
    if result.status in GONE_STATUSES:
        return GONE, False
    if result.status is None or result.status in RETRY_STATUSES or result.status >= 500:
        return RETRY, False
    return FAILED, True


async def deliver_batch(jobs: list[ClaimedJob], sender: PushSender, now: datetime) -> list[JobOutcome]:
    """Send a batch of push jobs concurrently (the sender bounds it); delete gone subscriptions; record each
    attempt. The worker then marks the jobs sent, retried or dead from the outcomes."""
    ids = {int(job.payload.get("subscription_id", 0)) for job in jobs}
    rows = await PushSubscription.select(
        PushSubscription.id, PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth
    ).where(PushSubscription.id.is_in(sorted(ids) or [0]))
    subscriptions = {row["id"]: row for row in rows}

    async def one(job: ClaimedJob) -> tuple[ClaimedJob, PushJob | None, SendResult | None]:
        try:
            message = PushJob(**job.payload)
        except TypeError:
            return job, None, None
        row = subscriptions.get(message.subscription_id)
        if row is None:  # unsubscribed (or gone) since the job was queued: nothing to send
            return job, message, SendResult(410, "the device unsubscribed")
        info = {"endpoint": row["endpoint"], "keys": {"p256dh": row["p256dh"], "auth": row["auth"]}}
        result = await sender.send(
            info, message.notification(), ttl=message.ttl, urgency=message.urgency, topic=message.tag
        )
        return job, message, result

    results = await asyncio.gather(*(one(job) for job in jobs))
    outcomes: list[JobOutcome] = []
    records: list[tuple[Any, ...]] = []
    gone: set[int] = set()
    for job, message, result in results:
        if message is None or result is None:
            outcomes.append(JobOutcome(job.id, "a push job without a valid payload", permanent=True))
            continue
        outcome, permanent = classify(result)
        if outcome == GONE:
            gone.add(message.subscription_id)
        error = "" if outcome in {DELIVERED, GONE} else f"push service answered {result.status}: {result.error}"
        outcomes.append(JobOutcome(job.id, error, permanent))
        key, error_text = message.message_key[:120], result.error[:500]
        records.append((job.id, message.subscription_id, key, job.attempt, result.status, outcome, error_text, now))
    if gone:
        await PushSubscription.delete().where(PushSubscription.id.is_in(sorted(gone)))
        await ReportDevice.delete().where(ReportDevice.subscription_id.is_in(sorted(gone)))
        await ExchangeDevice.delete().where(ExchangeDevice.subscription_id.is_in(sorted(gone)))
    await insert_rows(PushDelivery, _RECORD_COLUMNS, records)
    return outcomes


_RECORD_COLUMNS = (
    PushDelivery.job_id,
    PushDelivery.subscription_id,
    PushDelivery.message_key,
    PushDelivery.attempt,
    PushDelivery.status_code,
    PushDelivery.outcome,
    PushDelivery.error,
    PushDelivery.at,
)
