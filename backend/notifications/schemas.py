"""Input and output of the push subscription API."""

from __future__ import annotations

from typing import Annotated

import msgspec

MAX_SUBSCRIBE_BYTES = 4096  # a real subscription is about 500 bytes


class PushKeys(msgspec.Struct):
    """The browser's keys: its P-256 public key and its auth secret, base64url."""

    p256dh: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern="^[A-Za-z0-9_=-]+$")]
    auth: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern="^[A-Za-z0-9_=-]+$")]


class BrowserSubscription(msgspec.Struct):
    """`PushSubscription.toJSON()` as the browser gives it."""

    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2048, pattern="^https?://")]
    keys: PushKeys
    expiration_time: int | None = msgspec.field(default=None, name="expirationTime")


class SubscribeIn(msgspec.Struct):
    """A device's subscription and the topics it chose (see backend.notifications.topics).

    When the browser replaced the device's subscription (the service worker's `pushsubscriptionchange`),
    `previous` is the old one as the browser gives it (its endpoint and auth secret prove the device holds it), or
    `renew` is true and the device's settings cookie names it; the device keeps its settings and `topics` is
    ignored."""

    subscription: BrowserSubscription
    topics: Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=20)] = []
    previous: BrowserSubscription | None = None
    renew: bool = False


class SubscribeOut(msgspec.Struct):
    """The device's settings page and the topics it has (those it chose that it may have)."""

    settings_url: str
    topics: list[str]


class PushKeyOut(msgspec.Struct):
    """The VAPID public key (base64url) devices subscribe with; empty when web push is off."""

    public_key: str
