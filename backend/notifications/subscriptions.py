"""Push subscriptions: one per device, no account needed, in the device's language, with its preferences.

A device subscribes with the browser's `PushSubscription` (endpoint and keys) and the topics it chose. It gets
a random token, kept in an HttpOnly cookie, which opens its settings page (also linked from every notification).
A device signed in when it subscribes or saves its settings is linked to that account, which is how staff topics
and reminders for a person's bookings reach it. Malformed subscriptions are refused and stored nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.i18n import N_
from backend.notifications import new_events, topics
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
    """A subscribed device as its settings page shows it: its topics, and the areas (district or division codes,
    or "online") and categories (ids) it follows for new events."""

    id: int
    locale: str
    topics: frozenset[str]
    user_id: int | None
    areas: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Preferences:
    """What the settings form sends: topics, and the areas and categories followed for new events."""

    topics: list[str]
    areas: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Saved:
    """The outcome of saving a device's preferences: saved (False: no such device), or problems by field."""

    saved: bool
    problems: dict[str, str] = field(default_factory=dict)


NO_AREA = N_("Choose at least one area to hear of new events, or untick new events")


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


def _same(stored: str, given: str) -> bool:
    """Two base64url secrets compared in constant time (padding aside)."""
    return hmac.compare_digest(stored.rstrip("=").encode(), given.rstrip("=").encode())


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

    async def renew(
        self, endpoint: str, p256dh: str, auth: str, *, previous: tuple[str, str] | None, token: str | None
    ) -> Device | None:
        """The browser replaced this device's subscription (`pushsubscriptionchange`): the device — its id, settings
        token, language, topics, areas, categories and links — moves to the new endpoint and keys.

        Only the holder of the old subscription may move it: the request names the old endpoint with its auth
        secret (`previous`; only the browser and this server know the secret, not the push service), or carries
        the device's settings cookie (`token`). None, and nothing changed, when neither proves a device. If the new
        endpoint already belongs to another device (subscribed again since), that one — the latest choice — is
        kept, takes over the old one's links (reports, exchange requests) and the old one is forgotten. Sending the
        same renewal again changes nothing. Raises InvalidSubscription when the new endpoint or keys are not valid."""
        endpoint = check_endpoint(endpoint.strip(), self.settings)
        p256dh, auth = check_keys(p256dh, auth)
        async with write_transaction(self.engine):
            old = await self._proved(previous, token)
            current = (
                await PushSubscription.select(PushSubscription.id, PushSubscription.p256dh, PushSubscription.auth)
                .where(PushSubscription.endpoint == endpoint)
                .first()
            )
            if old is None:
                if current is None or not (_same(current["auth"], auth) and _same(current["p256dh"], p256dh)):
                    return None
                keep = current["id"]  # already renewed (a repeat): nothing to move
            elif current is not None and current["id"] != old:
                keep = current["id"]
                await ReportDevice.update({ReportDevice.subscription_id: keep}).where(
                    ReportDevice.subscription_id == old
                )
                await ExchangeDevice.update({ExchangeDevice.subscription_id: keep}).where(
                    ExchangeDevice.subscription_id == old
                )
                await PushSubscription.delete().where(PushSubscription.id == old)
            else:
                keep = old
                await PushSubscription.update(
                    {
                        PushSubscription.endpoint: endpoint,
                        PushSubscription.p256dh: p256dh,
                        PushSubscription.auth: auth,
                        PushSubscription.updated_at: self.clock.now(),
                    }
                ).where(PushSubscription.id == old)
            row = await PushSubscription.select(PushSubscription.token_hash).where(PushSubscription.id == keep).first()
        return await self._device_by_hash(row["token_hash"]) if row else None

    async def _proved(self, previous: tuple[str, str] | None, token: str | None) -> int | None:
        """The device the request proves it holds: the old endpoint with its auth secret, or the settings token."""
        if previous is not None:
            row = (
                await PushSubscription.select(PushSubscription.id, PushSubscription.auth)
                .where(PushSubscription.endpoint == previous[0].strip())
                .first()
            )
            if row is not None and _same(row["auth"], previous[1].strip()):
                return int(row["id"])
        if token:
            return await device_id(token)
        return None

    async def device(self, token: str | None) -> Device | None:
        """The device this settings token belongs to, or None."""
        if not token:
            return None
        return await self._device_by_hash(token_hash(token))

    async def _device_by_hash(self, hashed: str) -> Device | None:
        row = (
            await PushSubscription.select(
                PushSubscription.id,
                PushSubscription.locale,
                PushSubscription.topics,
                PushSubscription.user_id,
                PushSubscription.areas,
                PushSubscription.categories,
            )
            .where(PushSubscription.token_hash == hashed)
            .first()
        )
        if row is None:
            return None
        return Device(
            row["id"],
            row["locale"],
            _unwrap(row["topics"]),
            row["user_id"],
            _unwrap(row["areas"]),
            _unwrap(row["categories"]),
        )

    async def follow_choices(self, locale: str) -> new_events.FollowChoices:
        """The areas and categories a device can follow for new events (category names in `locale`)."""
        return await new_events.follow_choices(self.engine, locale)

    async def save_preferences(
        self, token: str | None, chosen: Preferences, locale: str, user: CurrentUser | None
    ) -> Saved:
        """Replace a device's topics, the areas and categories it follows (unknown ones dropped) and its language,
        and link it to the person signed in. Refused (problems by field, nothing saved) when it chose new events
        but follows no area. `saved` False: no such device."""
        if not token:
            return Saved(saved=False)
        kept = allowed_topics(chosen.topics, user)
        choices = await self.follow_choices(locale)
        areas = set(chosen.areas) & choices.area_codes
        if topics.NEW_EVENTS in kept and not areas:
            return Saved(saved=False, problems={"areas": NO_AREA})
        values: dict[Any, Any] = {
            PushSubscription.topics: _wrap(kept),
            PushSubscription.areas: _wrap(areas),
            PushSubscription.categories: _wrap(set(chosen.categories) & choices.category_ids),
            PushSubscription.locale: locale if locale in SUPPORTED_LOCALES else self.settings.default_locale,
            PushSubscription.updated_at: self.clock.now(),
        }
        if user is not None:
            values[PushSubscription.user_id] = user.id
        async with write_transaction(self.engine):
            rows = (
                await PushSubscription.update(values)
                .where(PushSubscription.token_hash == token_hash(token))
                .returning(PushSubscription.id)
            )
        return Saved(saved=bool(rows))

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
