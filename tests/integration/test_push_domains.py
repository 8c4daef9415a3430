"""Web push wired to what the newer domains create: officers hear of level 4/5 reports and of overdue triage
(once per report), and devices that chose "You said, we did" hear of a new entry — each read back, decrypted, at
the local push service, in the device's language, with the link to its settings page. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.auth import CurrentUser
from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.exchanges.tables import ExchangePair, ExchangeSlot
from backend.notifications import triggers
from backend.notifications.delivery import JobContext, Worker, WorkerOptions
from backend.notifications.subscriptions import SubscriptionService
from backend.notifications.tables import ReportDevice
from backend.reports.tables import Report
from backend.settings import Settings
from backend.wiring import batch_job_handlers, job_handlers
from tests.support.exchanges import answers, make_slot, make_topic, request_token
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, post_form, sign_in
from tests.support.push_service import RunningPushService
from tests.support.reports import COWLEY, send_report, token_of

Client = AsyncTestClient[Litestar]
SETTINGS_URL = "/notifications/settings"
SUBSCRIBE = "/api/v1/push/subscriptions"
REPORT_TEXT = "community centre will close"  # from the report form: never in a push
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        return None


async def drain(settings: Settings, clock: SettableClock) -> None:
    clock.advance(minutes=1)  # queued "now" by the database's clock, a moment after the test's
    context = JobContext(settings, Mailbox(), clock, WorkerOptions(batch=50))
    await Worker("push-domains-test", context, handlers=job_handlers(), batch_handlers=batch_job_handlers()).drain()


async def device(
    client: Client,
    service: RunningPushService,
    number: int,
    chosen: list[str],
    *,
    locale: str = "en",
    user_id: int | None = None,
    roles: frozenset[Role] = frozenset(),
) -> None:
    state = client.app.state
    user = None
    if user_id is not None:
        user = CurrentUser(id=user_id, email="", display_name="", roles=roles, organisation_ids=frozenset())
    info = service.service.device(number).subscription(service.base_url)
    await SubscriptionService(state["engine"], state["clock"], state["settings"]).subscribe(
        info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"], chosen, locale, user
    )


async def triage(client: Client, report_id: int, level: int) -> None:
    here = f"/desk/reports/{report_id}"
    form = {
        "category": "rumour",
        "area": f"division:{COWLEY}",
        "tension_level": str(level),
        "grading": "",
        "assign": "",
    }
    response = await post_form(client, f"{here}/triage", form, token_from=here)
    assert response.status_code == 303, response.text


async def test_officers_hear_of_level_4_and_5_reports_in_their_language_without_the_text(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    officer = await people(Role.OFFICER)
    urdu_officer = await people(Role.OFFICER)
    resident = await people(Role.RESIDENT)
    officers = frozenset({Role.OFFICER})
    await device(client, push_service, 1, ["officer_urgent_reports"], locale="en", user_id=officer.id, roles=officers)
    await device(
        client, push_service, 2, ["officer_urgent_reports"], locale="ur", user_id=urdu_officer.id, roles=officers
    )
    await device(
        client, push_service, 3, ["officer_overdue_triage"], locale="en", user_id=officer.id, roles=officers
    )  # not this topic
    await device(
        client, push_service, 4, ["officer_urgent_reports"], locale="en", user_id=resident.id, roles=frozenset()
    )  # no role
    token_of(await send_report(client))
    token_of(await send_report(client))
    first, second = [row["id"] for row in await Report.select(Report.id).order_by(Report.id)]
    await sign_in(client, officer, clock)
    await triage(client, first, 2)  # not urgent
    await triage(client, second, 5)
    await triage(client, second, 5)  # triaged again at the same level: once
    await drain(settings, clock)

    received = push_service.service.delivered(1)
    assert [(p.notification["title"], p.notification["body"]) for p in received] == [
        ("New level 5 report", f"A report needs triage: {COWLEY}.")
    ]
    assert received[0].notification["url"] == f"/desk/reports/{second}"
    assert received[0].notification["settings_url"] == SETTINGS_URL
    assert received[0].notification["settings_label"] == "Notification settings"
    assert received[0].urgency == "high"
    urdu = push_service.service.delivered(2)
    assert [(p.notification["title"], p.notification["body"]) for p in urdu] == [
        ("سطح 5 کی نئی رپورٹ", f"ایک رپورٹ جانچ کی منتظر ہے: {LRI}{COWLEY}{PDI}۔")
    ]
    assert urdu[0].notification["dir"] == "rtl"
    assert urdu[0].notification["settings_label"] == "اطلاعات کی ترتیبات"
    assert push_service.service.delivered(3) == []
    assert push_service.service.delivered(4) == []
    for pushed in received + urdu:
        assert REPORT_TEXT not in str(pushed.notification)


async def test_overdue_triage_is_pushed_once_per_report(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    officer = await people(Role.OFFICER)
    await device(
        client,
        push_service,
        1,
        ["officer_overdue_triage"],
        locale="pl",
        user_id=officer.id,
        roles=frozenset({Role.OFFICER}),
    )
    token_of(await send_report(client))
    token_of(await send_report(client))
    first, second = [row["id"] for row in await Report.select(Report.id).order_by(Report.id)]
    await sign_in(client, officer, clock)
    await triage(client, first, 4)  # due in two days
    await triage(client, second, 1)  # due in 28 days
    await drain(settings, clock)
    assert await triggers.sweep_overdue_triage(clock.now()) == 0
    clock.current = clock.now() + timedelta(days=2, hours=1)
    assert await triggers.sweep_overdue_triage(clock.now()) == 1
    assert await triggers.sweep_overdue_triage(clock.now()) == 0  # once per report
    await drain(settings, clock)
    received = push_service.service.delivered(1)
    assert [(p.notification["title"], p.notification["body"]) for p in received] == [
        ("Ocena zgłoszeń zaległa", "Zgłoszenia czekające dłużej, niż powinny: 1.")
    ]
    assert received[0].notification["url"] == f"/desk/reports/{first}"
    assert received[0].notification["settings_url"] == SETTINGS_URL
    assert received[0].notification["settings_label"] == "Ustawienia powiadomień"


async def test_a_new_you_said_we_did_entry_reaches_devices_that_chose_it_in_their_language(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    await device(client, push_service, 1, ["you_said_we_did"], locale="pl")
    await device(client, push_service, 2, ["you_said_we_did"], locale="ur")
    await device(client, push_service, 3, ["reminders"], locale="en")
    entry = {
        "happened_on": "2026-11-20",
        "heard_en": "There is nowhere to meet in the evenings.",
        "did_en": "The school hall opens on Thursdays.",
        "heard_pl": "Wieczorami nie ma gdzie się spotkać.",
        "did_pl": "Sala szkolna jest otwarta w czwartki.",
        "link_url_1": "/events/1",
        "link_label_1": "Thursday evenings",
    }
    await sign_in(client, await people(Role.OFFICER), clock)
    response = await post_form(
        client, "/officer/engagement/updates", entry, token_from="/officer/engagement/updates/new"
    )
    assert response.status_code == 303, response.text
    await drain(settings, clock)

    polish = push_service.service.delivered(1)
    assert [(p.notification["title"], p.notification["body"]) for p in polish] == [
        ("Wy powiedzieliście, my zrobiliśmy", "Wieczorami nie ma gdzie się spotkać.")
    ]
    assert polish[0].notification["url"] == "/you-said-we-did"
    assert polish[0].notification["settings_url"] == SETTINGS_URL
    assert polish[0].notification["settings_label"] == "Ustawienia powiadomień"
    urdu = push_service.service.delivered(2)  # no Urdu text given: the English, isolated, under an Urdu title
    assert [(p.notification["title"], p.notification["body"]) for p in urdu] == [
        ("آپ نے کہا، ہم نے کیا", f"{FSI}There is nowhere to meet in the evenings.{PDI}")
    ]
    assert push_service.service.delivered(3) == []


async def test_the_device_a_report_was_made_from_hears_of_its_updates_in_its_language_and_no_other_does(
    client: Client, settings: Settings, clock: SettableClock, people: PeopleFactory, push_service: RunningPushService
) -> None:
    token_of(await send_report(client))  # made before the device subscribed: nobody to tell
    client.cookies.set("hearby_lang", "ur")
    phone = push_service.service.device(1).subscription(push_service.base_url)
    answer = await client.post(SUBSCRIBE, json={"subscription": phone, "topics": ["report_updates"]})
    assert answer.status_code == 201, answer.text
    token_of(await send_report(client))
    earlier, mine = [row["id"] for row in await Report.select(Report.id).order_by(Report.id)]
    assert await ReportDevice.count() == 1  # the subscription's id only

    await sign_in(client, await people(Role.OFFICER), clock)
    for report_id in (earlier, mine):
        await triage(client, report_id, 2)
        here = f"/desk/reports/{report_id}"
        moved = await post_form(client, f"{here}/status", {"status": "in_progress"}, token_from=here)
        assert moved.status_code == 303
        replied = await post_form(client, f"{here}/reply", {"template": "received"}, token_from=here)
        assert replied.status_code == 303
    await triage(client, mine, 3)  # a new level only: its state does not change, nothing to say
    await drain(settings, clock)

    received = push_service.service.delivered(1)
    assert sorted(p.notification["body"] for p in received) == sorted(
        [
            "ایک افسر نے آپ کی رپورٹ دیکھ لی ہے۔",
            "آپ کی رپورٹ پر کام ہو رہا ہے۔",
            "ایک افسر نے آپ کی رپورٹ کا جواب دیا ہے۔ اسے پڑھنے کے لیے اپنا نجی لنک کھولیں۔",
        ]
    )
    for pushed in received:
        assert pushed.notification["title"] == "آپ کی رپورٹ پر تازہ معلومات"
        assert pushed.notification["settings_url"] == SETTINGS_URL
        assert pushed.notification["settings_label"] == "اطلاعات کی ترتیبات"
        assert pushed.notification["url"] == "/reports"
        assert REPORT_TEXT not in str(pushed.notification)


async def test_exchange_reminders_go_by_push_to_the_requesting_device_once_each_and_by_email_otherwise(
    client: Client, app: Litestar, settings: Settings, clock: SettableClock, push_service: RunningPushService
) -> None:
    topic = await make_topic(app, clock, threshold=4)
    slot = await make_slot(app, clock, topic, pairs=2, languages=("en", "pl", "ur"), interpreter=True)
    client.cookies.set("hearby_lang", "pl")
    phone = push_service.service.device(1).subscription(push_service.base_url)
    answer = await client.post(SUBSCRIBE, json={"subscription": phone, "topics": ["reminders"]})
    assert answer.status_code == 201, answer.text
    ola = answers((1, 1, 1), [slot], email="ola@example.org", first_name="Ola", languages=("pl",))
    await request_token(client, ola, "pl")  # from the phone that asked for reminders
    client.cookies.delete("hearby_device")  # another device, without push
    ayesha = answers((5, 5, 5), [slot], email="ayesha@example.org", first_name="Ayesha", languages=("ur",))
    await request_token(client, ayesha, "ur")
    clock.advance(days=5, seconds=1)  # the cut-off: they are matched
    await drain(settings, clock)
    assert await ExchangePair.count() == 1
    row = await ExchangeSlot.select(ExchangeSlot.starts_at).where(ExchangeSlot.id == slot).first()
    assert row is not None
    starts = row["starts_at"]
    ola_before = len(await emails_to("ola@example.org"))
    ayesha_before = len(await emails_to("ayesha@example.org"))

    clock.current = starts - timedelta(hours=24) + timedelta(minutes=1)
    await drain(settings, clock)
    assert len(push_service.service.delivered(1)) == 1
    clock.current = starts - timedelta(hours=2) + timedelta(minutes=1)
    await drain(settings, clock)
    await drain(settings, clock)  # nothing more: once each

    received = push_service.service.delivered(1)
    assert [p.notification["title"] for p in received] == ["Wkrótce Wymiana Słuchania"] * 2
    for pushed in received:
        assert pushed.notification["body"].startswith("Twoja Wymiana Słuchania zaczyna się: ")
        assert pushed.notification["settings_url"] == SETTINGS_URL
        assert pushed.notification["settings_label"] == "Ustawienia powiadomień"
        assert pushed.notification["url"] == "/exchanges"
    assert len(await emails_to("ola@example.org")) == ola_before  # by push instead
    assert len(await emails_to("ayesha@example.org")) == ayesha_before + 2  # no device: by email
