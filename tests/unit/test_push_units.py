"""Web push rules that need no database: endpoint and key checks, outcomes of push service answers, VAPID keys
and JWTs, messages in each language."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from backend.notifications import vapid
from backend.notifications.push import Audience, render
from backend.notifications.sender import SendResult, WebPushSender, classify
from backend.notifications.subscriptions import InvalidSubscription, check_endpoint, check_keys
from backend.settings import Settings, SettingsError
from tests.support.push_service import Device, VapidError, verify_vapid

DEVELOPMENT = Settings()
PRODUCTION = Settings(env="production")


@pytest.mark.parametrize(
    ("endpoint", "settings", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", PRODUCTION, True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", DEVELOPMENT, True),
        ("http://127.0.0.1:8123/push/1", DEVELOPMENT, True),  # the local push service, outside production
        ("http://localhost:8123/push/1", DEVELOPMENT, True),
        ("http://127.0.0.1:8123/push/1", PRODUCTION, False),  # production requires https
        ("https://127.0.0.1/push/1", PRODUCTION, False),  # and a push service's name, not this machine
        ("https://10.0.0.7/push/1", PRODUCTION, False),
        ("http://push.example.org/1", DEVELOPMENT, False),
        ("https://user:pw@push.example.org/1", DEVELOPMENT, False),
        ("javascript:alert(1)", DEVELOPMENT, False),
        ("https://push.example.org/" + "a" * 1100, DEVELOPMENT, False),
    ],
)
def test_endpoints(endpoint: str, settings: Settings, allowed: bool) -> None:
    if allowed:
        assert check_endpoint(endpoint, settings) == endpoint
    else:
        with pytest.raises(InvalidSubscription):
            check_endpoint(endpoint, settings)


def test_keys_must_be_a_point_on_p256_and_a_16_byte_secret() -> None:
    device = Device.derive("units", 1)
    info = device.subscription("https://push.example.org")
    assert check_keys(info["keys"]["p256dh"], info["keys"]["auth"]) == (info["keys"]["p256dh"], info["keys"]["auth"])
    for p256dh, auth in [
        ("BA" + "A" * 85, info["keys"]["auth"]),  # 65 bytes, but not on the curve
        (info["keys"]["p256dh"][:-4], info["keys"]["auth"]),
        (info["keys"]["p256dh"], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),  # 30 bytes
        ("not base64!", info["keys"]["auth"]),
    ]:
        with pytest.raises(InvalidSubscription):
            check_keys(p256dh, auth)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (201, ("delivered", False)),
        (202, ("delivered", False)),
        (404, ("gone", False)),
        (410, ("gone", False)),
        (429, ("retry", False)),
        (500, ("retry", False)),
        (503, ("retry", False)),
        (None, ("retry", False)),  # no answer: a network error
        (400, ("failed", True)),
        (413, ("failed", True)),
        (401, ("failed", True)),
    ],
)
def test_what_each_answer_means(status: int | None, expected: tuple[str, bool]) -> None:
    assert classify(SendResult(status)) == expected


def test_local_keys_are_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = vapid.resolve(settings)
    assert first is not None
    assert vapid.resolve(settings) == first
    assert (tmp_path / "vapid.json").stat().st_mode & 0o777 == 0o600
    assert vapid.derive_public(first.private_key) == first.public_key
    assert len(vapid.b64url_decode(first.public_key)) == 65


def test_production_uses_the_configured_keys_or_turns_push_off(tmp_path: Path) -> None:
    private, public = vapid.generate_keys()
    assert vapid.resolve(Settings(env="production", data_dir=tmp_path)) is None
    assert not (tmp_path / "vapid.json").exists()
    keys = vapid.resolve(Settings(env="production", vapid_private_key=private, data_dir=tmp_path))
    assert keys is not None
    assert keys.public_key == public
    _, other = vapid.generate_keys()
    with pytest.raises(SettingsError):
        vapid.resolve(Settings(vapid_private_key=private, vapid_public_key=other))
    with pytest.raises(SettingsError):
        vapid.resolve(Settings(vapid_private_key="short"))


def test_the_vapid_jwt_names_the_push_service_and_is_renewed_before_it_expires() -> None:
    private, public = vapid.generate_keys()
    sender = WebPushSender(vapid.VapidKeys(private, public, "mailto:push@example.org"))
    now = time.time()
    header = sender.vapid_headers("https://push.example.org/send/abc", now)["Authorization"]
    claims = verify_vapid(header, public, "https://push.example.org", now)
    assert claims["sub"] == "mailto:push@example.org"
    assert claims["exp"] == int(now) + 12 * 3600
    assert sender.vapid_headers("https://push.example.org/send/other", now + 60)["Authorization"] == header
    other = sender.vapid_headers("https://other.example.net/x", now)["Authorization"]
    assert verify_vapid(other, public, "https://other.example.net", now)
    with pytest.raises(VapidError):
        verify_vapid(other, public, "https://push.example.org", now)  # another service's token
    later = sender.vapid_headers("https://push.example.org/send/abc", now + 11.5 * 3600)["Authorization"]
    assert later != header
    with pytest.raises(VapidError):
        verify_vapid(header, public, "https://push.example.org", now + 13 * 3600)  # expired


def test_messages_are_rendered_in_the_language_with_times_isolated_in_urdu() -> None:
    params = {"title": {"en": "Coffee", "ur": "کافی"}, "when": {"when": "2026-12-24T10:30:00+00:00"}}
    title, body, label = render("booking_reminder", params, "en", DEVELOPMENT)
    assert title == "Tomorrow: Coffee"
    assert body == "Your booking starts at Thursday, 24 December 2026, 10:30."
    assert label == "Notification settings"
    title, body, _ = render("booking_reminder", params, "ur", DEVELOPMENT)
    assert title == "کل: کافی"
    assert "\u2066" in body
    assert body.endswith("\u2069 پر شروع ہوگی۔")


def test_an_audience_names_a_known_topic_and_plain_codes() -> None:
    with pytest.raises(ValueError, match="topic"):
        Audience(topic="everything")
    with pytest.raises(ValueError, match="codes"):
        Audience(topic="new_events", areas=("E05%",))
