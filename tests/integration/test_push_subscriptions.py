"""Subscribing a device to web push, its settings page, and malformed subscriptions refused and stored nowhere."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.notifications.tables import PushSubscription
from tests.support.html_checks import check_page
from tests.support.people import CSRF_FIELD, PeopleFactory, sign_in
from tests.support.push_service import Device

Client = AsyncTestClient[Litestar]
SUBSCRIBE = "/api/v1/push/subscriptions"
ENDPOINT_BASE = "http://127.0.0.1:9"  # never contacted here


def body(device: Device, topics: list[str], base: str = ENDPOINT_BASE) -> dict[str, Any]:
    return {"subscription": {**device.subscription(base), "expirationTime": None}, "topics": topics}


async def stored() -> list[dict[str, Any]]:
    return await PushSubscription.select(
        PushSubscription.endpoint, PushSubscription.locale, PushSubscription.topics, PushSubscription.user_id
    )


def checked(html: str) -> set[str]:
    return set(re.findall(r'name="topics" type="checkbox" value="([a-z_0-9]+)"[^>]*checked', html))


async def test_a_device_subscribes_without_an_account_in_its_language_and_gets_its_settings(client: Client) -> None:
    device = Device.derive("subscriptions", 1)
    client.cookies.set("hearby_lang", "pl")
    answer = await client.post(
        SUBSCRIBE, json=body(device, ["reminders", "new_events", "partner_bookings", "nonsense"])
    )
    assert answer.status_code == 201, answer.text
    # Staff topics need the role, unknown ones are dropped.
    assert answer.json() == {"settings_url": "/notifications/settings", "topics": ["new_events", "reminders"]}
    assert "hearby_device" in answer.cookies
    rows = await stored()
    assert rows == [
        {
            "endpoint": f"{ENDPOINT_BASE}/push/1",
            "locale": "pl",
            "topics": ",new_events,reminders,",
            "user_id": None,
        }
    ]
    page = await client.get("/notifications/settings")
    assert page.status_code == 200
    check_page(page.text, "pl")
    assert checked(page.text) == {"reminders", "new_events"}


async def test_subscribing_again_from_the_same_endpoint_renews_it_instead_of_adding_one(client: Client) -> None:
    device = Device.derive("subscriptions", 2)
    assert (await client.post(SUBSCRIBE, json=body(device, ["reminders"]))).status_code == 201
    assert (await client.post(SUBSCRIBE, json=body(device, ["you_said_we_did"]))).status_code == 201
    assert [row["topics"] for row in await stored()] == [",you_said_we_did,"]


async def test_settings_change_and_stop_from_the_settings_page(client: Client) -> None:
    device = Device.derive("subscriptions", 3)
    assert (await client.post(SUBSCRIBE, json=body(device, ["reminders"]))).status_code == 201
    page = await client.get("/notifications/settings")
    match = CSRF_FIELD.search(page.text)
    assert match
    saved = await client.post(
        "/notifications/settings",
        data={"_csrf_token": match.group(1), "topics": ["report_updates", "you_said_we_did"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/notifications/settings?saved=true"
    assert [row["topics"] for row in await stored()] == [",report_updates,you_said_we_did,"]
    again = await client.get("/notifications/settings?saved=true")
    assert "Your choices are saved." in again.text
    assert checked(again.text) == {"report_updates", "you_said_we_did"}
    stopped = await client.post(
        "/notifications/settings/stop", data={"_csrf_token": match.group(1)}, follow_redirects=False
    )
    assert stopped.status_code == 303
    assert await stored() == []
    after = await client.get("/notifications/settings")
    assert "Notifications are not turned on for this device." in after.text


async def test_staff_topics_are_offered_and_kept_only_for_the_role_signed_in(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    partner = await people(Role.PARTNER)
    await sign_in(client, partner, clock)
    page = await client.get("/notifications")
    assert 'value="partner_bookings"' in page.text
    assert 'value="officer_urgent_reports"' not in page.text
    device = Device.derive("subscriptions", 4)
    answer = await client.post(SUBSCRIBE, json=body(device, ["partner_bookings", "officer_urgent_reports"]))
    assert answer.json()["topics"] == ["partner_bookings"]
    rows = await stored()
    assert rows[0]["user_id"] == partner.id


async def test_the_opt_in_page_explains_first_and_asks_nothing_until_the_button(client: Client) -> None:
    for language in ("en", "ur"):
        client.cookies.set("hearby_lang", language)
        page = await client.get("/notifications")
        assert page.status_code == 200
        check_page(page.text, language)
        assert "data-push-enable hidden" in page.text  # shown by the script, which asks only on submit
        assert "data-public-key=" in page.text
    client.cookies.set("hearby_lang", "en")
    page = await client.get("/notifications")
    assert "Add to Home Screen" in page.text


def _bad_bodies() -> dict[str, tuple[dict[str, Any], int]]:
    device = Device.derive("subscriptions", 9)
    good = body(device, ["reminders"])
    sub = good["subscription"]

    def with_sub(**changes: Any) -> dict[str, Any]:
        return {**good, "subscription": {**sub, **changes}}

    not_on_curve = "BA" + "A" * 85  # 65 bytes starting 0x04, but (0, 0) is no point of P-256
    return {
        "http endpoint elsewhere": (with_sub(endpoint="http://push.example.org/push/9"), 400),
        "not a URL": (with_sub(endpoint="push-me"), 400),
        "ftp endpoint": (with_sub(endpoint="ftp://push.example.org/9"), 400),
        "key not on the curve": (with_sub(keys={**sub["keys"], "p256dh": not_on_curve}), 400),
        "key not base64url": (with_sub(keys={**sub["keys"], "p256dh": "!!!"}), 400),
        "short key": (with_sub(keys={**sub["keys"], "p256dh": sub["keys"]["p256dh"][:40]}), 400),
        "auth not 16 bytes": (with_sub(keys={**sub["keys"], "auth": "AAAA"}), 400),
        "keys missing": (with_sub(keys=None), 400),
        "endpoint too long": (with_sub(endpoint="https://push.example.org/" + "a" * 1100), 400),
        "oversized body": ({**good, "padding": "x" * 5000}, 413),
    }


async def test_malformed_subscriptions_are_refused_with_a_clear_4xx_and_stored_nowhere(client: Client) -> None:
    for name, (payload, status) in _bad_bodies().items():
        answer = await client.post(SUBSCRIBE, json=payload)
        assert answer.status_code == status, (name, answer.status_code, answer.text)
        if status == 400:
            assert answer.json()["errors"], name
        assert "hearby_device" not in answer.cookies, name
    assert await stored() == []


async def test_a_cross_site_subscription_is_refused(client: Client) -> None:
    device = Device.derive("subscriptions", 10)
    answer = await client.post(SUBSCRIBE, json=body(device, []), headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403
    assert await stored() == []
