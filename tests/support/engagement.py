"""Questions made for engagement tests (straight into the table, as an officer would have published them)."""

from __future__ import annotations

from datetime import timedelta

from backend.core.clock import SettableClock
from backend.engagement.tables import Question

OPTIONS = {
    "en": ["Trust", "Social mixing", "Reducing tension"],
    "pl": ["Zaufanie", "Kontakty między grupami", "Zmniejszanie napięć"],
}


async def make_question(
    clock: SettableClock, kind: str = "open", *, text: str = "What would help your street?", closed: bool = False
) -> int:
    """A question open now (or closed an hour ago), in English and Polish."""
    now = clock.now()
    options = OPTIONS if kind != "open" else {"en": [], "pl": []}
    rows = await Question.insert(
        Question(
            kind=kind,
            content={
                "en": {"text": text, "hint": "", "options": options["en"]},
                "pl": {"text": "Co pomogłoby Twojej ulicy?", "hint": "", "options": options["pl"]},
            },
            option_count=len(options["en"]),
            opens_at=now - timedelta(days=2),
            closes_at=now - timedelta(hours=1) if closed else now + timedelta(days=30),
        )
    ).returning(Question.id)
    return int(rows[0]["id"])
