"""Demo Listening Exchanges: the topics the council faces (English, Polish, Urdu), sessions and a leader. Idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.core.clock import Clock
from backend.exchanges.setup import LeaderInput, SetupService, SlotInput, TopicInput
from backend.exchanges.tables import ExchangeTopic
from backend.settings import Settings

TOPICS: tuple[tuple[str, dict[str, dict[str, object]]], ...] = (
    (
        "low-traffic-neighbourhoods",
        {
            "en": {
                "title": "Low-traffic neighbourhoods",
                "summary": (
                    "Some streets have been closed to through traffic with planters and cameras, to make walking and "
                    "cycling safer and the air cleaner. Some residents welcome the quieter streets; others say "
                    "journeys "
                    "are longer and traffic is pushed onto main roads."
                ),
                "statements": [
                    "Low-traffic neighbourhoods make my area a better place to live.",
                    "The longer journeys for drivers are a price worth paying.",
                    "The council listened to residents before bringing them in.",
                ],
            },
            "pl": {
                "title": "Dzielnice o ograniczonym ruchu",
                "summary": (
                    "Niektóre ulice zamknięto dla ruchu tranzytowego za pomocą donic i kamer, aby spacery i jazda "
                    "rowerem były bezpieczniejsze, a powietrze czystsze. Część mieszkańców cieszy się z "
                    "cichszych ulic; "
                    "inni mówią, że przejazdy trwają dłużej, a ruch przenosi się na główne drogi."
                ),
                "statements": [
                    "Dzielnice o ograniczonym ruchu sprawiają, że w mojej okolicy żyje się lepiej.",
                    "Dłuższe przejazdy dla kierowców to cena warta zapłacenia.",
                    "Rada wysłuchała mieszkańców, zanim je wprowadziła.",
                ],
            },
            "ur": {
                "title": "کم ٹریفک والے محلے",
                "summary": (
                    "کچھ گلیوں کو گملوں اور کیمروں کے ذریعے گزرنے والی ٹریفک کے لیے بند کر دیا گیا ہے، تاکہ پیدل چلنا "
                    "اور سائیکل چلانا زیادہ محفوظ ہو اور ہوا صاف ہو۔ کچھ رہائشی پُرسکون گلیوں کا خیرمقدم کرتے ہیں؛ "
                    "دوسرے کہتے ہیں کہ سفر لمبے ہو گئے ہیں اور ٹریفک بڑی سڑکوں پر دھکیل دی گئی ہے۔"
                ),
                "statements": [
                    "کم ٹریفک والے محلے میرے علاقے کو رہنے کے لیے بہتر جگہ بناتے ہیں۔",
                    "گاڑی چلانے والوں کے لیے لمبے سفر ایک ایسی قیمت ہے جو ادا کرنے کے قابل ہے۔",
                    "کونسل نے انہیں نافذ کرنے سے پہلے رہائشیوں کی بات سنی۔",
                ],
            },
        },
    ),
    (
        "temporary-congestion-charge",
        {
            "en": {
                "title": "The temporary congestion charge",
                "summary": (
                    "A temporary charge for driving a private car through the city centre at busy times, to cut "
                    "congestion and pay for buses. Supporters say buses run faster; critics say it hits people "
                    "who have "
                    "to drive, and local businesses."
                ),
                "statements": [
                    "The charge is fair to people who have to drive.",
                    "Faster buses are worth the charge.",
                    "The charge should become permanent.",
                ],
            },
            "pl": {
                "title": "Tymczasowa opłata za wjazd do centrum",
                "summary": (
                    "Tymczasowa opłata za przejazd prywatnym samochodem przez centrum miasta w godzinach szczytu, aby "
                    "zmniejszyć korki i sfinansować autobusy. Zwolennicy mówią, że autobusy jeżdżą szybciej; krytycy, "
                    "że uderza ona w osoby, które muszą jeździć samochodem, i w lokalne firmy."
                ),
                "statements": [
                    "Opłata jest sprawiedliwa wobec osób, które muszą jeździć samochodem.",
                    "Szybsze autobusy są warte tej opłaty.",
                    "Opłata powinna stać się stała.",
                ],
            },
            "ur": {
                "title": "شہر کے مرکز میں گاڑی چلانے کا عارضی چارج",
                "summary": (
                    "مصروف اوقات میں شہر کے مرکز سے نجی گاڑی گزارنے پر ایک عارضی چارج، تاکہ ٹریفک کا ہجوم کم ہو اور "
                    "بسوں کے لیے رقم ملے۔ حامی کہتے ہیں کہ بسیں تیز چلتی ہیں؛ ناقدین کہتے ہیں کہ اس کا بوجھ ان لوگوں "
                    "پر پڑتا ہے جنہیں گاڑی چلانی ہی پڑتی ہے، اور مقامی کاروباروں پر۔"
                ),
                "statements": [
                    "یہ چارج ان لوگوں کے ساتھ منصفانہ ہے جنہیں گاڑی چلانی پڑتی ہے۔",
                    "تیز بسیں اس چارج کے قابل ہیں۔",
                    "یہ چارج مستقل ہو جانا چاہیے۔",
                ],
            },
        },
    ),
    (
        "flags-and-symbols",
        {
            "en": {
                "title": "Flags and symbols in public places",
                "summary": (
                    "Flags on lampposts and symbols painted in public places. For some they show pride and belonging; "
                    "for others they feel like a claim on shared space, or a sign that some people are not welcome."
                ),
                "statements": [
                    "Flags on lampposts make my area feel welcoming.",
                    "The council should remove flags put up without permission.",
                    "People should be free to show the symbols they are proud of in public places.",
                ],
            },
            "pl": {
                "title": "Flagi i symbole w przestrzeni publicznej",
                "summary": (
                    "Flagi na latarniach i symbole malowane w miejscach publicznych. Dla jednych wyrażają dumę "
                    "i przynależność; dla innych są zawłaszczaniem wspólnej przestrzeni albo sygnałem, że niektórzy "
                    "nie są tu mile widziani."
                ),
                "statements": [
                    "Flagi na latarniach sprawiają, że moja okolica jest przyjazna.",
                    "Rada powinna usuwać flagi wywieszone bez zgody.",
                    "Ludzie powinni móc swobodnie pokazywać w miejscach publicznych symbole, z których są dumni.",
                ],
            },
            "ur": {
                "title": "عوامی جگہوں پر جھنڈے اور علامات",
                "summary": (
                    "کھمبوں پر لگے جھنڈے اور عوامی جگہوں پر بنائی گئی علامات۔ کچھ لوگوں کے لیے یہ فخر اور اپنائیت کا "
                    "اظہار ہیں؛ دوسروں کو یہ مشترکہ جگہ پر قبضہ، یا اس بات کا اشارہ لگتی ہیں کہ کچھ لوگ یہاں خوش "
                    "آمدید نہیں۔"
                ),
                "statements": [
                    "کھمبوں پر لگے جھنڈے میرے علاقے کو خوش آمدید کہنے والا بناتے ہیں۔",
                    "کونسل کو اجازت کے بغیر لگائے گئے جھنڈے ہٹا دینے چاہییں۔",
                    "لوگوں کو آزادی ہونی چاہیے کہ جن علامات پر انہیں فخر ہے وہ انہیں عوامی جگہوں پر دکھائیں۔",
                ],
            },
        },
    ),
    (
        "migration-and-asylum",
        {
            "en": {
                "title": "Migration and asylum locally",
                "summary": (
                    "People seeking asylum are housed in hotels and homes in the county while their claims are "
                    "decided. "
                    "Some residents want to welcome them; others worry about pressure on housing, services and "
                    "community safety."
                ),
                "statements": [
                    "Our area should welcome people seeking asylum.",
                    "Local services cannot cope with more new arrivals.",
                    "People seeking asylum should be allowed to work while they wait.",
                ],
            },
            "pl": {
                "title": "Migracja i azyl w naszej okolicy",
                "summary": (
                    "Osoby ubiegające się o azyl mieszkają w hotelach i domach w hrabstwie, czekając na "
                    "decyzję w swojej "
                    "sprawie. Część mieszkańców chce je życzliwie przyjąć; inni martwią się obciążeniem mieszkalnictwa "
                    "i usług oraz bezpieczeństwem społeczności."
                ),
                "statements": [
                    "Nasza okolica powinna przyjmować osoby ubiegające się o azyl.",
                    "Lokalne usługi nie poradzą sobie z kolejnymi przybyszami.",
                    "Osoby ubiegające się o azyl powinny móc pracować w oczekiwaniu na decyzję.",
                ],
            },
            "ur": {
                "title": "ہمارے علاقے میں ہجرت اور پناہ",
                "summary": (
                    "پناہ کے متلاشی افراد کو، جب تک ان کے دعووں کا فیصلہ نہ ہو، کاؤنٹی کے ہوٹلوں اور گھروں میں رکھا "
                    "جاتا ہے۔ کچھ رہائشی ان کا خیرمقدم کرنا چاہتے ہیں؛ دوسرے رہائش، خدمات اور کمیونٹی کی حفاظت پر "
                    "دباؤ کے بارے میں فکرمند ہیں۔"
                ),
                "statements": [
                    "ہمارے علاقے کو پناہ کے متلاشی افراد کا خیرمقدم کرنا چاہیے۔",
                    "مقامی خدمات مزید نئے آنے والوں کا بوجھ نہیں اٹھا سکتیں۔",
                    "پناہ کے متلاشی افراد کو انتظار کے دوران کام کرنے کی اجازت ہونی چاہیے۔",
                ],
            },
        },
    ),
    (
        "cost-of-living-and-fairness",
        {
            "en": {
                "title": "Cost of living and fairness",
                "summary": (
                    "Food, energy and rent have risen faster than many incomes. People disagree about who should get "
                    "help, who should pay for it, and what the council can do."
                ),
                "statements": [
                    "Help with the cost of living should go first to people who have lived here longest.",
                    "People on higher incomes should pay more towards local services.",
                    "The council is doing enough to help people with the cost of living.",
                ],
            },
            "pl": {
                "title": "Koszty życia i sprawiedliwość",
                "summary": (
                    "Ceny żywności, energii i czynszów rosną szybciej niż wiele dochodów. Ludzie nie zgadzają "
                    "się co do "
                    "tego, kto powinien dostać pomoc, kto powinien za nią zapłacić i co może zrobić rada."
                ),
                "statements": [
                    "Pomoc w kosztach życia powinna trafiać najpierw do osób, które mieszkają tu najdłużej.",
                    "Osoby o wyższych dochodach powinny więcej płacić na lokalne usługi.",
                    "Rada robi wystarczająco dużo, aby pomóc ludziom z kosztami życia.",
                ],
            },
            "ur": {
                "title": "مہنگائی اور انصاف",
                "summary": (
                    "کھانے، توانائی اور کرائے کی قیمتیں بہت سی آمدنیوں سے زیادہ تیزی سے بڑھی ہیں۔ لوگ اس پر متفق نہیں "
                    "کہ مدد کسے ملنی چاہیے، اس کی قیمت کون ادا کرے، اور کونسل کیا کر سکتی ہے۔"
                ),
                "statements": [
                    "مہنگائی میں مدد پہلے ان لوگوں کو ملنی چاہیے جو یہاں سب سے زیادہ عرصے سے رہ رہے ہیں۔",
                    "زیادہ آمدنی والے لوگوں کو مقامی خدمات کے لیے زیادہ ادا کرنا چاہیے۔",
                    "کونسل لوگوں کی مہنگائی میں مدد کے لیے کافی کچھ کر رہی ہے۔",
                ],
            },
        },
    ),
)
VENUES = (
    ("Oxford Town Hall, Long Room", "OX1 1BX", "Oxford", ["step_free", "hearing_loop", "accessible_toilet"]),
    ("Banbury Library, meeting room", "OX16 5DB", "Banbury", ["step_free", "accessible_toilet", "quiet_room"]),
)


async def load_demo(settings: Settings, clock: Clock) -> None:
    """Five topics, two sessions each (one in person, one online) and a community leader's session."""
    setup = SetupService(settings, clock, ExchangeTopic._meta.db)
    facilitators = await setup.facilitators()
    facilitator_id, facilitator_name = facilitators[0] if facilitators else (None, "")
    zone = ZoneInfo(settings.time_zone)
    today = clock.now().astimezone(zone).date()
    for index, (slug, content) in enumerate(TOPICS):
        if await ExchangeTopic.exists().where(ExchangeTopic.slug == slug):
            continue
        topic_id = await setup.create_topic(TopicInput(content=content, min_disagreement=4, slug=slug), None)
        for number, online in enumerate((False, True)):
            venue, postcode, area, features = VENUES[(index + number) % len(VENUES)]
            starts = datetime.combine(today + timedelta(days=10 + 3 * index + number), time(18, 30), zone)
            await setup.create_slot(
                SlotInput(
                    topic_id=topic_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    cut_off_at=starts - timedelta(hours=48),
                    online=online,
                    venue="" if online else venue,
                    postcode="" if online else postcode,
                    area="" if online else area,
                    features=[] if online else features,
                    online_link="https://meet.example.org/hearby-exchange" if online else "",
                    facilitator_id=facilitator_id,
                    facilitator_name=facilitator_name.split(" ")[0],
                    pairs_capacity=4,
                    languages=["en", "pl", "ur"] if online else ["en"],
                    interpreter=online,
                ),
                None,
            )
        if slug == "flags-and-symbols":
            leader_id = await setup.create_leader(
                LeaderInput(
                    topic_id=topic_id,
                    name="Rev. Sam Okafor",
                    role_title="Chair, Banbury Faith Forum",
                    stances=[4, 2, 5],
                    statement="Flags can bring people together, if everyone feels they belong under them.",
                ),
                None,
            )
            starts = datetime.combine(today + timedelta(days=20), time(12, 0), zone)
            await setup.create_slot(
                SlotInput(
                    topic_id=topic_id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    cut_off_at=starts - timedelta(hours=24),
                    online=False,
                    venue=VENUES[1][0],
                    postcode=VENUES[1][1],
                    area=VENUES[1][2],
                    features=VENUES[1][3],
                    online_link="",
                    facilitator_id=facilitator_id,
                    facilitator_name=facilitator_name.split(" ")[0],
                    pairs_capacity=1,
                    languages=["en"],
                    interpreter=False,
                    leader_id=leader_id,
                ),
                None,
            )
