"""Demo content for Have your say and "You said, we did" (idempotent; never loaded in production)."""

from __future__ import annotations

from datetime import timedelta

from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.engagement.schemas import Consent, Status
from backend.engagement.tables import Answer, Question, SiteFeedback, Update
from backend.settings import Settings

DRIVERS = {
    "en": [
        "Shared identity and belonging",
        "Trust",
        "A strong community sector",
        "Social mixing",
        "Inclusive engagement",
        "Reducing tension",
    ],
    "pl": [
        "Wspólna tożsamość i poczucie przynależności",
        "Zaufanie",
        "Silny sektor społeczny",
        "Kontakty między różnymi grupami",
        "Włączanie wszystkich w podejmowanie decyzji",
        "Zmniejszanie napięć",
    ],
    "ur": [
        "مشترکہ شناخت اور اپنائیت",
        "اعتماد",
        "مضبوط کمیونٹی شعبہ",
        "مختلف لوگوں کا میل جول",
        "سب کی شمولیت",
        "کشیدگی میں کمی",
    ],
}
OPEN_QUESTION = {
    "en": {"text": "What would help people in your neighbourhood get on well together?", "hint": "", "options": []},
    "pl": {"text": "Co pomogłoby ludziom w Twojej okolicy lepiej się dogadywać?", "hint": "", "options": []},
    "ur": {"text": "آپ کے محلے میں لوگوں کے آپس میں اچھے تعلقات کے لیے کیا مددگار ہو گا؟", "hint": "", "options": []},
}
RANKING_QUESTION = {
    "en": {"text": "Which of these matter most for your community?", "hint": "", "options": DRIVERS["en"]},
    "pl": {"text": "Co jest najważniejsze dla Twojej społeczności?", "hint": "", "options": DRIVERS["pl"]},
    "ur": {"text": "آپ کی کمیونٹی کے لیے ان میں سے کیا سب سے اہم ہے؟", "hint": "", "options": DRIVERS["ur"]},
}
UPDATE = {
    "heard": {
        "en": "Residents in Banbury told us there was nowhere free to meet in the evenings.",
        "pl": "Mieszkańcy Banbury powiedzieli nam, że wieczorami nie ma gdzie się bezpłatnie spotkać.",
        "ur": "بینبری کے رہائشیوں نے ہمیں بتایا کہ شام کے وقت ملنے کے لیے کوئی مفت جگہ نہیں تھی۔",
    },
    "did": {
        "en": "The council and Banbury Polish Saturday School opened the school hall for a weekly community evening.",
        "pl": "Rada i Polska Szkoła Sobotnia w Banbury otworzyły salę szkolną na cotygodniowy wieczór dla wszystkich.",
        "ur": "کونسل اور بینبری پولش سنیچر اسکول نے ہفتہ وار کمیونٹی شام کے لیے اسکول ہال کھول دیا۔",
    },
}


async def load_demo(settings: Settings, clock: Clock) -> None:
    """Two open questions, one "You said, we did" entry and some feedback on Hearby for the officers' feedback
    view, unless there are questions already."""
    del settings  # the demo content is the same for every council
    if await Question.exists():
        return
    now = clock.now()
    async with write_transaction(Question._meta.db):
        question_ids = []
        for kind, content in (("open", OPEN_QUESTION), ("ranking", RANKING_QUESTION)):
            inserted = await Question.insert(
                Question(
                    kind=kind,
                    content=content,
                    option_count=len(content["en"]["options"]),
                    opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=90),
                )
            ).returning(Question.id)
            question_ids.append(inserted[0]["id"])
        # One answer waiting in the officers' moderation queue, so a newcomer sees the queue at work.
        await Answer.insert(
            Answer(
                question_id=question_ids[0],
                text="More benches along Cowley Road, so older people can stop and talk on the way to the shops.",
                consent=Consent.PUBLISH.value,
                status=Status.PENDING.value,
                locale="en",
            )
        )
        await Update.insert(
            Update(
                heard=UPDATE["heard"],
                did=UPDATE["did"],
                links=[{"url": "/events", "label": "Events"}],
                happened_on=(now - timedelta(days=7)).date(),
            )
        )
        # Feedback on Hearby from the footer, in the officers' feedback view.
        await SiteFeedback.insert(
            SiteFeedback(
                kind="problem",
                page="/events",
                locale="en",
                text="The map did not load on my phone.",
                created_at=now - timedelta(days=3),
            ),
            SiteFeedback(
                kind="translation",
                page="/have-your-say",
                locale="pl",
                text="Wypowiedz się",
                quoted="Zabierz głos",
                created_at=now - timedelta(days=2),
            ),
            SiteFeedback(
                kind="translation",
                page="/events",
                locale="ur",
                text="تقریبات",
                quoted="واقعات",
                created_at=now - timedelta(days=1),
            ),
        )
