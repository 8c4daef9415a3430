"""Push subscriptions: one per device, no account needed, in the device's language, with its preferences.

A device subscribes with the browser's `PushSubscription` (endpoint and keys) and the topics it chose. It gets
a random token, kept in an HttpOnly cookie, which opens its settings page (also linked from every notification).
A device signed in when it subscribes or saves its settings is linked to that account, which is how staff topics
and reminders for a person's bookings reach it. Malformed subscriptions are refused and stored nowhere.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.notifications import topics
from backend.notifications.tables import ExchangeDevice, PushSubscription, ReportDevice
from backend.notifications.vapid import b64url_decode
from backend.settings import SUPPORTED_LOCALES, Settings

MAX_ENDPOINT = 1024
P256DH_BYTES = 65
AUTH_BYTES = 16
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class InvalidSubscription(ValueError):  # noqa: N818 - reads as what it is
    """A subscription refused: which part, and a message (translatable) saying why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Device:
    """A subscribed device as its settings page shows it."""

    id: int
    locale: str
    topics: frozenset[str]
    user_id: int | None


def token_hash(token: str) -> str:
    """What is stored of a device's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _wrap(values: list[str] | set[str] | frozenset[str]) -> str:
    return "," + "".join(f"{value}," for value in sorted(values))


def _unwrap(value: str) -> frozenset[str]:
    return frozenset(part for part in value.split(",") if part)


def check_endpoint(endpoint: str, settings: Settings) -> str:
    """An https URL (outside production, http on this machine too, for the local push service)."""
    if len(endpoint) > MAX_ENDPOINT:
        raise InvalidSubscription("endpoint", N_("The push endpoint is too long."))
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise InvalidSubscription("endpoint", N_("The push endpoint is not a web address."))
    local_http = parts.scheme == "http" and host in LOOPBACK_HOSTS and not settings.production
    if parts.scheme != "https" and not local_http:
        raise InvalidSubscription("endpoint", N_("The push endpoint must be an https address."))
    if settings.production and (host in LOOPBACK_HOSTS or _is_ip(host)):
        raise InvalidSubscription("endpoint", N_("The push endpoint must be a push service's address."))
    return endpoint


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The device's P-256 public key (a point on the curve) and its 16-byte auth secret, base64url."""
    if not _is_point(p256dh):
        raise InvalidSubscription("keys.p256dh", N_("The subscription's public key is not valid."))
    if _decoded_length(auth) != AUTH_BYTES:
        raise InvalidSubscription("keys.auth", N_("The subscription's auth secret is not valid."))
    return p256dh.strip(), auth.strip()


def _decoded_length(text: str) -> int:
    try:
        return len(b64url_decode(text))
    except ValueError:
        return -1


def _is_point(text: str) -> bool:
    """A base64url uncompressed P-256 point that lies on the curve."""
    try:
        point = b64url_decode(text)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return len(point) == P256DH_BYTES


def allowed_topics(chosen: list[str], user: CurrentUser | None) -> set[str]:
    """The chosen topics this device may have (staff topics need the role, signed in); unknown ones dropped."""
    roles = set(user.roles) if user is not None else set()
    allowed = {topic.key for topic in topics.topics_for(roles)}
    return {topic for topic in chosen if topic in allowed}


class SubscriptionService:
    """Subscribe a device, read and change its preferences, stop it."""

    def __init__(self, engine: Engine[Any], clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    async def subscribe(  # noqa: PLR0917 - the subscription's three parts, then who and what
        self, endpoint: str, p256dh: str, auth: str, chosen: list[str], locale: str, user: CurrentUser | None
    ) -> str:
        """Store (or renew, for the same endpoint) a device's subscription; returns its new settings token.

        Raises InvalidSubscription (nothing stored) when the endpoint or keys are not valid."""
        endpoint = check_endpoint(endpoint.strip(), self.settings)
        p256dh, auth = check_keys(p256dh, auth)
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        values: dict[Any, Any] = {
            PushSubscription.p256dh: p256dh,
            PushSubscription.auth: auth,
            PushSubscription.token_hash: token_hash(token),
            PushSubscription.locale: locale if locale in SUPPORTED_LOCALES else self.settings.default_locale,
            PushSubscription.topics: _wrap(allowed_topics(chosen, user)),
            PushSubscription.user_id: user.id if user is not None else None,
            PushSubscription.updated_at: now,
        }
        async with write_transaction(self.engine):
            renewed = (
                await PushSubscription.update(values)
                .where(PushSubscription.endpoint == endpoint)
                .returning(PushSubscription.id)
            )
            if not renewed:
                await PushSubscription.insert(
                    PushSubscription(
                        _data={**values, PushSubscription.endpoint: endpoint, PushSubscription.created_at: now}
                    )
                )
        return token

    async def device(self, token: str | None) -> Device | None:
        """The device this settings token belongs to, or None."""
        if not token:
            return None
        row = (
            await PushSubscription.select(
                PushSubscription.id, PushSubscription.locale, PushSubscription.topics, PushSubscription.user_id
            )
            .where(PushSubscription.token_hash == token_hash(token))
            .first()
        )
        if row is None:
            return None
        return Device(row["id"], row["locale"], _unwrap(row["topics"]), row["user_id"])

    async def save_preferences(
        self, token: str | None, chosen: list[str], locale: str, user: CurrentUser | None
    ) -> bool:
        """Replace a device's topics (and language; and link it to the person signed in). False: no such device."""
        values: dict[Any, Any] = {
            PushSubscription.topics: _wrap(allowed_topics(chosen, user)),
            PushSubscription.locale: locale if locale in SUPPORTED_LOCALES else self.settings.default_locale,
            PushSubscription.updated_at: self.clock.now(),
        }
        if user is not None:
            values[PushSubscription.user_id] = user.id
        if not token:
            return False
        async with write_transaction(self.engine):
            rows = (
                await PushSubscription.update(values)
                .where(PushSubscription.token_hash == token_hash(token))
                .returning(PushSubscription.id)
            )
        return bool(rows)

    async def stop(self, token: str | None) -> bool:
        """Delete a device's subscription: nothing more is sent to it. False: no such device."""
        if not token:
            return False
        async with write_transaction(self.engine):
            rows = (
                await PushSubscription.delete()
                .where(PushSubscription.token_hash == token_hash(token))
                .returning(PushSubscription.id)
            )
            if rows:  # the reports made from it are no longer linked to it
                await ReportDevice.delete().where(ReportDevice.subscription_id == rows[0]["id"])
                await ExchangeDevice.delete().where(ExchangeDevice.subscription_id == rows[0]["id"])
        return bool(rows)


async def device_id(token: str | None) -> int | None:
    """For other domains: the subscription id of the device holding this token (its cookie), to address it later
    with `Audience(device_ids=(id,))` — e.g. updates on a report made from this device."""
    if not token:
        return None
    row = (
        await PushSubscription.select(PushSubscription.id)
        .where(PushSubscription.token_hash == token_hash(token))
        .first()
    )
    return int(row["id"]) if row else None


async def forget_user(user_id: int, _email: str) -> None:
    """An account was deleted: its devices stay subscribed to resident topics but are no longer linked to it."""
    staff = [topic.key for topic in topics.TOPICS.values() if topic.roles is not None]
    rows = await PushSubscription.select(PushSubscription.id, PushSubscription.topics).where(
        PushSubscription.user_id == user_id
    )
    for row in rows:
        kept = _unwrap(row["topics"]) - set(staff)
        await PushSubscription.update({PushSubscription.user_id: None, PushSubscription.topics: _wrap(kept)}).where(
            PushSubscription.id == row["id"]
        )
