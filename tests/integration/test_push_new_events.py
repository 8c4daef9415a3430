"""New events pushed to the devices that follow their area and kind: once per event and device, in the device's
language, with the event's page, never for an event hidden before it went out; the settings form that chooses the
areas and kinds; and a device that keeps its settings when the browser replaces its subscription
(`pushsubscriptionchange`). Read back, decrypted, at the local push service. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.notifications import new_events, triggers
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.notifications.subscriptions import Preferences, SubscriptionService
from backend.notifications.tables import PushSubscription, ReportDevice
from backend.settings import Settings
from backend.wiring import batch_job_handlers, job_handlers
from tests.integration.test_events_partner import event_form, make_organisation, only_event, post_event
from tests.support.events import ensure_categories
from tests.support.html_checks import check_page
from tests.support.people import CSRF_FIELD, PeopleFactory, partner_of, post_form, sign_in
from tests.support.push_service import Device, RunningPushService
from tests.support.reports import send_report

Client = AsyncTestClient[Litestar]
SUBSCRIBE = "/api/v1/push/subscriptions"
SETTINGS_URL = "/notifications/settings"
# Where the event form's postcode, OX4 1AA, is (backend/areas/data/oxford-city-postcode-to-division.csv).
OXFORD = "E07000178"  # the district
PARKS = "E58002094"  # the county division
CHERWELL = "E07000177"  # another district
VENUE = "St Mary's Hall"
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


class Mailbox:
    async def send(self, message: EmailMessage) -> None:
        return None

    async def close(self) -> None:
        return None


async def drain(settings: Settings, clock: SettableClock, *, minutes: float = 1) -> None:
    clock.advance(minutes=minutes)
    context = JobContext(settings, Mailbox(), clock, WorkerOptions(batch=50))
    await Worker("new-events-test", context, handlers=job_handlers(), batch_handlers=batch_job_handlers()).drain()


def subscriptions(client: Client) -> SubscriptionService:
    state = client.app.state
    return SubscriptionService(state["engine"], state["clock"], state["settings"])


async def follower(  # noqa: PLR0917 - a device's whole set of choices
    client: Client,
    service: RunningPushService,
    number: int,
    topics: list[str],
    areas: list[str],
    categories: list[str],
    locale: str,
) -> str:
    info = service.service.device(number).subscription(service.base_url)
    token = await subscriptions(client).subscribe(
        info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], topics, locale, None
    )
    saved = await subscriptions(client).save_preferences(token, Preferences(topics, areas, categories), locale, None)
    assert saved.saved, saved
    return token


async def switch(client: Client) -> None:
    await post_form(client, "/sign-out", {}, token_from="/account")
    client.cookies.clear()


async def posted_by_untrusted_partner(client: Client, people: PeopleFactory, clock: SettableClock) -> int:
    organisation = await make_organisation("Banbury School", trusted=False)
    await sign_in(client, await partner_of(people, organisation), clock)
    form = event_form(
        clock, organisation, title_pl="Robótki i pogawędki", description_pl="Przynieś druty albo pożycz nasze."
    )
    assert (await post_event(client, form)).status_code == 302
    event = await only_event()
    assert event["status"] == "pending"
    await switch(client)
    return int(event["id"])


async def approve(client: Client, event_id: int) -> int:
    review = f"/officer/events/{event_id}"
    return (await post_form(client, f"{review}/approve", {"note": ""}, token_from=review)).status_code


async def test_a_new_event_reaches_the_devices_that_follow_its_area_and_kind_once_in_their_language(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    kinds = await ensure_categories()
    coffee, music = str(kinds["coffee-morning"]), str(kinds["music"])  # the event is a coffee morning
    await follower(client, push_service, 1, ["new_events"], [PARKS], [], "pl")  # its division, every kind
    await follower(client, push_service, 2, ["new_events"], [OXFORD], [coffee], "ur")  # its district and kind
    await follower(client, push_service, 3, ["new_events"], [CHERWELL], [], "en")  # another district
    await follower(client, push_service, 4, ["new_events"], [OXFORD], [music], "en")  # another kind
    await follower(client, push_service, 5, ["reminders"], [OXFORD], [], "en")  # new events not chosen
    await follower(client, push_service, 6, ["new_events"], ["online"], [], "en")  # online events only
    event_id = await posted_by_untrusted_partner(client, people, clock)
    await drain(settings, clock, minutes=30)
    assert push_service.service.received == []  # waiting for an officer: not published, nothing sent

    await sign_in(client, await people(Role.OFFICER), clock)
    assert await approve(client, event_id) == 302
    assert await approve(client, event_id) == 409  # approved again: nothing more to approve
    await drain(settings, clock, minutes=5)
    assert push_service.service.received == []  # held for ten minutes after publication
    await drain(settings, clock, minutes=6)
    assert not await new_events.event_published(event_id, clock.now())  # published "again": once per event
    await drain(settings, clock, minutes=11)

    polish = push_service.service.delivered(1)
    assert len(polish) == 1
    assert polish[0].notification["title"] == "Nowe wydarzenie: Robótki i pogawędki"
    assert polish[0].notification["body"].endswith(f", {VENUE}")
    assert "10:00" in polish[0].notification["body"]  # the event form's start, 10:00 local time
    assert polish[0].notification["url"] == f"/events/{event_id}"
    assert polish[0].notification["lang"] == "pl"
    assert polish[0].notification["settings_url"] == SETTINGS_URL
    assert polish[0].notification["settings_label"] == "Ustawienia powiadomień"
    assert (polish[0].ttl, polish[0].urgency) == (7 * 86400, "low")
    urdu = push_service.service.delivered(2)
    assert len(urdu) == 1
    assert urdu[0].notification["title"] == f"نیا ایونٹ: {FSI}Knit and natter{PDI}"  # no Urdu title: isolated
    assert urdu[0].notification["body"].endswith(f"، {LRI}{VENUE}{PDI}")
    assert urdu[0].notification["dir"] == "rtl"
    assert urdu[0].notification["url"] == f"/events/{event_id}"
    for number in (3, 4, 5, 6):
        assert push_service.service.delivered(number) == [], number
    assert len(push_service.service.received) == 2


async def test_a_trusted_partners_event_is_announced_and_one_hidden_within_the_hold_is_not(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    await ensure_categories()
    await follower(client, push_service, 1, ["new_events"], [OXFORD], [], "en")
    await follower(client, push_service, 2, ["new_events"], ["online"], [], "en")
    organisation = await make_organisation("Cowley Larder", trusted=True)
    await sign_in(client, await partner_of(people, organisation), clock)
    in_person = event_form(clock, organisation, title="Soup and a story")
    online = event_form(
        clock,
        organisation,
        title="Online English conversation",
        attendance="online",
        online_url="https://meet.example.org/english",
        venue_name="",
        address="",
        postcode="",
    )
    hidden = event_form(clock, organisation, title="Posted by mistake")
    for form in (in_person, online, hidden):
        assert (await post_event(client, form)).status_code == 302
    rows = await only_event()
    hidden_id = int(rows["id"])
    assert rows["status"] == "published"  # a trusted partner publishes at once
    await switch(client)
    await sign_in(client, await people(Role.OFFICER), clock)
    review = f"/officer/events/{hidden_id}"
    response = await post_form(client, f"{review}/hide", {"hide_reason": "Posted twice"}, token_from=review)
    assert response.status_code == 302, response.text
    await drain(settings, clock, minutes=11)

    assert [p.notification["title"] for p in push_service.service.delivered(1)] == ["New event: Soup and a story"]
    online_pushes = push_service.service.delivered(2)
    assert [p.notification["title"] for p in online_pushes] == ["New event: Online English conversation"]
    assert online_pushes[0].notification["body"].endswith(", Online")
    assert len(push_service.service.received) == 2  # the hidden event: nothing


def ticked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" type="checkbox" value="([A-Za-z0-9_]+)"[^>]*checked', html))


async def test_the_settings_page_chooses_areas_and_kinds_without_javascript_and_keeps_them_on_an_error(
    client: Client,
) -> None:
    kinds = await ensure_categories()
    coffee = str(kinds["coffee-morning"])
    device = Device.derive("new-events", 1)
    client.cookies.set("hearby_lang", "pl")
    answer = await client.post(SUBSCRIBE, json={"subscription": device.subscription("http://127.0.0.1:9")})
    assert answer.status_code == 201, answer.text
    page = await client.get(SETTINGS_URL)
    assert page.status_code == 200
    check_page(page.text, "pl")
    assert 'value="E58002094"' in page.text  # Parks, a division of Oxford
    assert 'value="online"' in page.text
    assert f'value="{coffee}"' in page.text
    assert "Poranna kawa" in page.text  # the category's Polish name
    csrf = CSRF_FIELD.search(page.text)
    assert csrf

    # New events without an area: refused, what was ticked kept, the message translated beside the field.
    refused = await client.post(
        SETTINGS_URL,
        data={"_csrf_token": csrf.group(1), "topics": ["new_events", "reminders"], "categories": [coffee]},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert ticked(refused.text, "topics") == {"new_events", "reminders"}
    assert ticked(refused.text, "categories") == {coffee}
    assert 'id="areas-error"' in refused.text
    result = check_page(refused.text, "pl")
    assert result.select_one("#areas") is not None  # the summary's link lands on the first area
    assert 'href="#areas"' in refused.text
    assert "Wybierz co najmniej jeden obszar" in refused.text
    assert [row["topics"] for row in await PushSubscription.select(PushSubscription.topics)] == [","]

    saved = await client.post(
        SETTINGS_URL,
        data={
            "_csrf_token": csrf.group(1),
            "topics": ["new_events"],
            "areas": [CHERWELL, PARKS, "online", "E99999999"],  # an unknown code is dropped
            "categories": [coffee, "999999"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    rows = await PushSubscription.select(PushSubscription.areas, PushSubscription.categories)
    assert rows == [{"areas": f",{CHERWELL},{PARKS},online,", "categories": f",{coffee},"}]
    again = await client.get(f"{SETTINGS_URL}?saved=true")
    assert ticked(again.text, "areas") == {CHERWELL, PARKS, "online"}
    assert ticked(again.text, "categories") == {coffee}


async def test_a_replaced_subscription_keeps_the_device_and_its_settings_only_for_its_holder(
    client: Client, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    base = push_service.base_url
    old, new, newer = (push_service.service.device(n).subscription(base) for n in (1, 2, 3))
    token = await follower(client, push_service, 1, ["new_events", "report_updates"], [OXFORD], [], "ur")
    client.cookies.set("hearby_device", token)
    await send_report(client)  # made from this device: its updates are linked to it
    client.cookies.delete("hearby_device")
    before = await PushSubscription.select().first()
    assert before is not None

    def renewal(subscription: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        return {"subscription": subscription, "previous": previous}

    # Someone who knows the old endpoint but not its secret (a push service, say) moves nothing.
    stranger = Device.derive("stranger", 1).subscription(base)["keys"]["auth"]
    forged = {"endpoint": old["endpoint"], "keys": {**old["keys"], "auth": stranger}}
    refused = await client.post(SUBSCRIBE, json=renewal(new, forged))
    assert refused.status_code == 403
    assert (await client.post(SUBSCRIBE, json={"subscription": new, "renew": True})).status_code == 403  # no cookie
    assert await PushSubscription.select(PushSubscription.endpoint) == [{"endpoint": old["endpoint"]}]

    # The holder (the old endpoint with its auth secret, as the service worker has it): moved, settings kept.
    moved = await client.post(SUBSCRIBE, json=renewal(new, old))
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"settings_url": SETTINGS_URL, "topics": ["new_events", "report_updates"]}
    assert "hearby_device" not in moved.cookies  # the device's cookie still opens its settings
    after = await PushSubscription.select().first()
    assert after is not None
    assert after["endpoint"] == new["endpoint"]
    assert (after["p256dh"], after["auth"]) == (new["keys"]["p256dh"], new["keys"]["auth"])
    for column in ("id", "token_hash", "locale", "topics", "areas", "categories", "user_id"):
        assert after[column] == before[column], column
    again = await client.post(SUBSCRIBE, json=renewal(new, old))  # the service worker retried: nothing changes
    assert again.status_code == 200
    assert await PushSubscription.count() == 1

    # Replaced once more, proved by the device's cookie (a browser that does not give the old subscription).
    client.cookies.set("hearby_device", token)
    by_cookie = await client.post(SUBSCRIBE, json={"subscription": newer, "renew": True})
    assert by_cookie.status_code == 200, by_cookie.text
    assert await PushSubscription.select(PushSubscription.endpoint, PushSubscription.areas) == [
        {"endpoint": newer["endpoint"], "areas": f",{OXFORD},"}
    ]
    assert await ReportDevice.select(ReportDevice.subscription_id) == [{"subscription_id": before["id"]}]
    page = await client.get(SETTINGS_URL)
    assert ticked(page.text, "areas") == {OXFORD}

    # The device's pushes (an update on the report made from it) now reach the newest subscription only.
    report = await ReportDevice.select(ReportDevice.report_id).first()
    assert report is not None
    assert await triggers.report_changed(report["report_id"], "triaged", "renewal-test")
    await drain(settings, clock)
    assert push_service.service.delivered(1) == []
    assert push_service.service.delivered(2) == []
    assert [p.notification["lang"] for p in push_service.service.delivered(3)] == ["ur"]
