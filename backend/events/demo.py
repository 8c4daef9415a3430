"""Demo events across the county for the embedded default (never loaded in production). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.accounts.demo import DEMO_ORGANISATIONS, demo_service
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.roles import Role
from backend.core.templating import build_environment
from backend.events.ports import BookingsPort
from backend.events.reference import load_reference_data
from backend.events.schemas import EventIn, TranslationIn
from backend.events.services import EventsService
from backend.events.tables import Event
from backend.settings import Settings


@dataclass(frozen=True)
class DemoEvent:
    """One demo event: posted by organisation 0 (trusted) or 1 (waits for approval unless `approve`)."""

    organisation: int
    title: str
    description: str
    category: str
    postcode: str
    venue: str
    address: str
    days: int  # from today
    start: time
    hours: float
    recurrence: str = "none"
    weeks: int = 0  # how long a series runs
    capacity: int | None = None
    cost_pence: int = 0
    languages: tuple[str, ...] = ("en",)
    suits: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    approve: bool = True
    online_url: str = ""


LARDER, SCHOOL = 0, 1
EVENTS = (
    DemoEvent(
        LARDER,
        "Community lunch at the Larder",
        "A hot two-course lunch, cooked by volunteers from food that would otherwise go to waste. "
        "Everyone welcome; pay what you can.",
        "community-meal",
        "OX4 3AA",
        "Cowley Community Larder",
        "Temple Road, Cowley",
        2,
        time(12, 30),
        1.5,
        "weekly",
        12,
        40,
        0,
        ("en", "pl", "ur"),
        ("families", "older_people"),
        ("step_free", "accessible_toilet", "public_transport"),
        {
            "pl": (
                "Wspólny obiad w Spiżarni",
                "Ciepły obiad z dwóch dań, przygotowany przez wolontariuszy. "
                "Wszyscy mile widziani; płacisz, ile możesz.",
            ),
            "ur": (
                "لارڈر میں کمیونٹی لنچ",
                "رضاکاروں کا تیار کردہ گرم دو کورس کھانا۔ سب کو خوش آمدید؛ جتنا دے سکیں دیں۔",
            ),
        },
    ),
    DemoEvent(
        LARDER,
        "Coffee and chat for new neighbours",
        "Meet people who live nearby over coffee and cake. Volunteers who speak Polish and Urdu will be there.",
        "coffee-morning",
        "OX4 1AA",
        "St Clement's Church Hall",
        "St Clement's Street, Oxford",
        4,
        time(10, 0),
        2,
        "fortnightly",
        16,
        None,
        0,
        ("en", "pl", "ur"),
        ("older_people",),
        ("step_free", "hearing_loop", "quiet_space"),
        {
            "pl": (
                "Kawa i rozmowa dla nowych sąsiadów",
                "Poznaj ludzi z okolicy przy kawie i cieście. Będą wolontariusze mówiący po polsku i w urdu.",
            )
        },
    ),
    DemoEvent(
        LARDER,
        "Benefits and bills advice drop-in",
        "Free, confidential help with Universal Credit, council tax and energy bills from trained advisers.",
        "advice",
        "OX4 6AA",
        "Blackbird Leys Community Centre",
        "Blackbird Leys Road",
        3,
        time(14, 0),
        3,
        "weekly",
        10,
        None,
        0,
        ("en", "ur", "pa"),
        (),
        ("step_free", "accessible_toilet", "parking", "public_transport"),
    ),
    DemoEvent(
        LARDER,
        "Cooking on a budget",
        "Learn five cheap, healthy meals. All ingredients provided; take home what you cook.",
        "health",
        "OX4 4AA",
        "Cowley Road Methodist Church",
        "Cowley Road, Oxford",
        9,
        time(18, 0),
        2,
        capacity=12,
        cost_pence=200,
        suits=("young_people", "families"),
        accessibility=("step_free", "childcare"),
    ),
    DemoEvent(
        LARDER,
        "Repair café",
        "Bring something broken — a toaster, a jumper, a bike — and fix it with our volunteer menders.",
        "environment",
        "OX3 7AA",
        "Headington Baptist Church",
        "Old High Street, Headington",
        6,
        time(10, 0),
        3,
        "monthly",
        24,
        None,
        0,
        ("en",),
        ("families",),
        ("step_free", "parking"),
    ),
    DemoEvent(
        LARDER,
        "Family fun afternoon",
        "Games, face painting and crafts for children of all ages, with tea for the grown-ups.",
        "families",
        "OX4 2AA",
        "Donnington Doorstep",
        "Townsend Square, Oxford",
        12,
        time(13, 0),
        3,
        capacity=60,
        languages=("en", "so", "ar"),
        suits=("families",),
        accessibility=("step_free", "changing_places", "accessible_toilet", "childcare"),
    ),
    DemoEvent(
        LARDER,
        "Gentle exercise for older people",
        "Chair-based exercise to music. No experience needed.",
        "sport",
        "OX3 9AA",
        "Barton Neighbourhood Centre",
        "Underhill Circus, Barton",
        5,
        time(11, 0),
        1,
        "weekly",
        8,
        20,
        100,
        ("en",),
        ("older_people",),
        ("step_free", "hearing_loop", "accessible_toilet", "parking"),
    ),
    DemoEvent(
        LARDER,
        "Digital skills: using your phone",
        "One-to-one help with video calls, online forms and staying safe online.",
        "digital",
        "OX2 6AA",
        "Jericho Community Centre",
        "Canal Street, Jericho",
        8,
        time(10, 30),
        2,
        "weekly",
        6,
        8,
        0,
        ("en", "pl"),
        ("older_people",),
        ("step_free", "quiet_space"),
    ),
    DemoEvent(
        LARDER,
        "Listening to each other: cost of living",
        "A facilitated conversation about the cost of living in our neighbourhood. Every view welcome.",
        "meeting",
        "OX1 4AB",
        "Oxford Town Hall",
        "St Aldate's, Oxford",
        15,
        time(18, 30),
        2,
        capacity=50,
        languages=("en", "bsl"),
        accessibility=("step_free", "hearing_loop", "bsl", "accessible_toilet", "public_transport"),
    ),
    DemoEvent(
        LARDER,
        "Community garden volunteering",
        "Help grow vegetables for the Larder. Gloves and tools provided.",
        "volunteering",
        "OX4 3AA",
        "Cowley Community Garden",
        "Temple Road, Cowley",
        3,
        time(9, 30),
        3,
        "weekly",
        10,
        None,
        0,
        ("en",),
        ("young_people", "families"),
        ("parking",),
    ),
    DemoEvent(
        LARDER,
        "Online: know your rights as a tenant",
        "An online talk with a housing adviser, with time for questions.",
        "advice",
        "",
        "",
        "",
        10,
        time(19, 0),
        1.5,
        capacity=100,
        online_url="https://meet.example.org/tenant-rights",
        languages=("en", "ro"),
    ),
    DemoEvent(
        LARDER,
        "Wallingford warm space",
        "A warm, welcoming room with hot drinks, newspapers and games.",
        "coffee-morning",
        "OX10",
        "Wallingford Town Hall",
        "Market Place, Wallingford",
        2,
        time(10, 0),
        4,
        "weekly",
        12,
        None,
        0,
        ("en",),
        ("older_people",),
        ("step_free", "accessible_toilet", "public_transport"),
    ),
    DemoEvent(
        LARDER,
        "Abingdon men's shed open day",
        "Woodwork, tea and conversation. Come and see what we make.",
        "arts",
        "OX14",
        "Abingdon Men's Shed",
        "Audlett Drive, Abingdon",
        11,
        time(10, 0),
        4,
        languages=("en",),
        suits=("older_people",),
        accessibility=("step_free", "parking"),
    ),
    DemoEvent(
        LARDER,
        "Witney multicultural food festival",
        "Food stalls from a dozen communities, music and dance. Free entry.",
        "music",
        "OX28",
        "The Leys",
        "Witney",
        20,
        time(12, 0),
        5,
        languages=("en", "pl", "ur", "pt"),
        suits=("families", "young_people", "older_people"),
        accessibility=("step_free", "accessible_toilet", "parking", "prayer_space"),
    ),
    DemoEvent(
        LARDER,
        "Didcot youth football",
        "Informal five-a-side for 13 to 17 year olds. Boots not needed.",
        "sport",
        "OX11",
        "Didcot Leisure Centre",
        "Mereland Road, Didcot",
        4,
        time(17, 0),
        1.5,
        "weekly",
        8,
        20,
        0,
        ("en",),
        ("young_people",),
        ("step_free", "public_transport"),
    ),
    DemoEvent(
        SCHOOL,
        "Polish Saturday school open morning",
        "Meet the teachers, see the classrooms and sign your children up for the new term.",
        "families",
        "OX16",
        "Banbury Academy",
        "Ruskin Road, Banbury",
        6,
        time(9, 30),
        2.5,
        capacity=40,
        languages=("pl", "en"),
        suits=("families",),
        accessibility=("step_free", "parking"),
        translations={
            "pl": (
                "Dzień otwarty polskiej szkoły sobotniej",
                "Poznaj nauczycieli, zobacz sale i zapisz dzieci na nowy semestr.",
            )
        },
    ),
    DemoEvent(
        SCHOOL,
        "Polish conversation club",
        "Practise Polish or English over tea. All levels welcome.",
        "language",
        "OX16",
        "Banbury Library",
        "Marlborough Road, Banbury",
        5,
        time(18, 0),
        1.5,
        "weekly",
        10,
        None,
        0,
        ("pl", "en"),
        ("young_people", "older_people"),
        ("step_free", "hearing_loop", "public_transport"),
        {
            "pl": (
                "Klub konwersacji po polsku",
                "Ćwicz polski lub angielski przy herbacie. Wszystkie poziomy mile widziane.",
            )
        },
    ),
    DemoEvent(
        SCHOOL,
        "Andrzejki: St Andrew's Eve party",
        "Traditional Polish fortune-telling games, music and food for families.",
        "faith",
        "OX16",
        "St Mary's Centre",
        "Horse Fair, Banbury",
        25,
        time(17, 0),
        3,
        capacity=80,
        cost_pence=500,
        languages=("pl", "en"),
        suits=("families",),
        accessibility=("step_free", "accessible_toilet"),
        translations={"pl": ("Andrzejki", "Tradycyjne wróżby, muzyka i jedzenie dla całych rodzin.")},
    ),
    DemoEvent(
        SCHOOL,
        "Bicester parents' coffee morning",
        "For parents new to the area: coffee, toys for the little ones and a chat.",
        "coffee-morning",
        "OX26",
        "Bicester Community Hub",
        "Sheep Street, Bicester",
        7,
        time(10, 0),
        1.5,
        "fortnightly",
        12,
        None,
        0,
        ("pl", "en"),
        ("families",),
        ("step_free", "childcare"),
    ),
    DemoEvent(
        SCHOOL,
        "Polish film night",
        "A Polish comedy with English subtitles. Popcorn included.",
        "arts",
        "OX16",
        "The Mill Arts Centre",
        "Spiceball Park Road, Banbury",
        14,
        time(19, 0),
        2.5,
        capacity=60,
        cost_pence=300,
        languages=("pl", "en"),
        suits=("young_people",),
        accessibility=("step_free", "hearing_loop", "accessible_toilet"),
    ),
    DemoEvent(
        SCHOOL,
        "Thame multilingual storytime",
        "Stories and songs for under-fives in Polish, Urdu and English.",
        "families",
        "OX9",
        "Thame Library",
        "Southern Road, Thame",
        9,
        time(10, 30),
        1,
        "weekly",
        6,
        15,
        0,
        ("pl", "ur", "en"),
        ("families",),
        ("step_free", "childcare"),
        {
            "ur": (
                "تھیم کثیر لسانی کہانیوں کا وقت",
                "پانچ سال سے کم عمر بچوں کے لیے پولش، اردو اور انگریزی میں کہانیاں اور گیت۔",
            )
        },
    ),
    DemoEvent(
        SCHOOL,
        "Chipping Norton community supper",
        "A shared supper to welcome families who have recently arrived.",
        "community-meal",
        "OX7",
        "Chipping Norton Town Hall",
        "Market Place, Chipping Norton",
        18,
        time(18, 0),
        2,
        capacity=50,
        languages=("en", "pl", "uk"),
        suits=("families",),
        accessibility=("step_free", "parking"),
    ),
    DemoEvent(
        SCHOOL,
        "Kidlington running club for beginners",
        "A friendly 5k for beginners; walkers welcome.",
        "sport",
        "OX5",
        "Exeter Hall",
        "Oxford Road, Kidlington",
        3,
        time(9, 0),
        1,
        "weekly",
        10,
        None,
        0,
        ("en",),
        ("young_people",),
        ("parking",),
    ),
    DemoEvent(
        SCHOOL,
        "Polish-English homework club",
        "Volunteers help children with homework in both languages.",
        "language",
        "OX16",
        "Banbury Academy",
        "Ruskin Road, Banbury",
        8,
        time(16, 0),
        1.5,
        "weekly",
        8,
        16,
        0,
        ("pl", "en"),
        ("young_people", "families"),
        ("step_free",),
        approve=False,
    ),
    DemoEvent(
        SCHOOL,
        "Easter egg painting (pisanki)",
        "Decorate eggs the Polish way. Materials provided.",
        "arts",
        "OX16",
        "St Mary's Centre",
        "Horse Fair, Banbury",
        30,
        time(14, 0),
        2,
        capacity=30,
        cost_pence=150,
        languages=("pl", "en"),
        suits=("families",),
        accessibility=("step_free",),
        approve=False,
    ),
)


async def load_demo(settings: Settings, clock: Clock, *, bookings: BookingsPort) -> None:
    """Post the demo events (skipping any already there), approving those meant to be published."""
    await load_reference_data()
    accounts = demo_service(settings, clock)
    organisation_ids = [
        await accounts.organisations.ensure_organisation(
            name, kind=kind, trusted=trusted, contact_email=email, area=area
        )
        for name, kind, trusted, email, area in DEMO_ORGANISATIONS
    ]
    renderer = EmailRenderer(build_environment(settings), load_translations(), settings)
    events = EventsService(settings, clock, Event._meta.db, renderer, bookings=bookings)
    zone = ZoneInfo(settings.time_zone)
    officer = CurrentUser(id=0, email="", display_name="demo", roles=frozenset({Role.OFFICER}))
    today = clock.now().astimezone(zone).date()
    for demo in EVENTS:
        organisation_id = organisation_ids[demo.organisation]
        if await Event.exists().where((Event.title == demo.title) & (Event.organisation_id == organisation_id)):
            continue
        partner = CurrentUser(
            id=0,
            email="",
            display_name="demo",
            roles=frozenset({Role.PARTNER}),
            organisation_ids=frozenset({organisation_id}),
        )
        starts = datetime.combine(today + timedelta(days=demo.days), demo.start, tzinfo=zone)
        until = (
            datetime.combine(starts.date() + timedelta(weeks=demo.weeks), time(23, 59), tzinfo=zone)
            if demo.recurrence != "none"
            else None
        )
        data = EventIn(
            organisation_id=organisation_id,
            title=demo.title,
            description=demo.description,
            category=demo.category,
            starts_at=starts,
            ends_at=starts + timedelta(hours=demo.hours),
            is_online=bool(demo.online_url),
            online_url=demo.online_url,
            venue_name=demo.venue,
            address=demo.address,
            postcode=demo.postcode,
            recurrence=demo.recurrence,  # type: ignore[arg-type]
            recurrence_until=until,
            capacity=demo.capacity,
            per_booking_limit=4,
            cost_pence=demo.cost_pence,
            languages=list(demo.languages),
            suits=list(demo.suits),
            accessibility=list(demo.accessibility),
            translations=[
                TranslationIn(locale=locale, title=title, description=text)  # type: ignore[arg-type]
                for locale, (title, text) in demo.translations.items()
            ],
            original_locale="en",
        )
        result = await events.posting.create_event(partner, data)
        if not result.ok or result.event_id is None:
            raise RuntimeError(f"demo event {demo.title!r} refused: {result.problems}")
        if result.status == "pending" and demo.approve:
            await events.moderation.approve(officer, result.event_id, "demo")
