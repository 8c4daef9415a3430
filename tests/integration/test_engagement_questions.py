"""Officers publish questions (kinds, dates, target areas, Polish and Urdu wording) and withdraw them; residents
see them in their language — on SQLite and PostgreSQL."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.i18n import LANGUAGE_COOKIE
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.engagement.tables import Question
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, post_form, sign_in

Client = AsyncTestClient[Litestar]
NEW = "/officer/engagement/questions/new"
RANKING = {
    "kind": "ranking",
    "text_en": "What matters most for your community?",
    "options_en": "Trust\nSocial mixing\nReducing tension",
    "text_pl": "Co jest najważniejsze dla Twojej społeczności?",
    "options_pl": "Zaufanie\nKontakty między grupami\nZmniejszanie napięć",
    "text_ur": "آپ کی کمیونٹی کے لیے کیا سب سے اہم ہے؟",
    "options_ur": "اعتماد\nمیل جول\nکشیدگی میں کمی",
}


async def test_an_officer_publishes_a_ranking_question_residents_read_in_polish(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)
    response = await post_form(
        client, "/officer/engagement/questions", {**RANKING, "areas": "E07000177"}, token_from=NEW
    )
    assert response.status_code == 303
    question_id = int(response.headers["location"].rsplit("/", 1)[1])
    row = await Question.select(Question.kind, Question.option_count, Question.area_codes).first()
    assert row is not None
    assert (row["kind"], row["option_count"]) == ("ranking", 3)
    assert await AuditEntry.exists().where(AuditEntry.action == "engagement.question.published")

    client.cookies.set(LANGUAGE_COOKIE, "pl")
    soup = check_page((await client.get(f"/have-your-say/{question_id}")).text, "pl")
    assert soup.h1 is not None
    assert soup.h1.get_text(strip=True) == RANKING["text_pl"]
    labels = [label.get_text(strip=True) for label in soup.select("label[for^=rank-]")]
    assert labels == ["Zaufanie", "Kontakty między grupami", "Zmniejszanie napięć"]
    client.cookies.set(LANGUAGE_COOKIE, "ur")
    urdu = check_page((await client.get(f"/have-your-say/{question_id}")).text, "ur")
    assert urdu.h1 is not None
    assert urdu.h1.get_text(strip=True) == RANKING["text_ur"]

    client.cookies.set(LANGUAGE_COOKIE, "en")
    path = f"/officer/engagement/questions/{question_id}"
    withdrawn = await post_form(client, f"{path}/withdraw", {}, token_from=path)
    assert withdrawn.status_code == 303
    assert (await client.get(f"/have-your-say/{question_id}")).status_code == 404


async def test_a_question_with_mismatched_translations_is_refused_keeping_what_was_typed(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)
    typed = {**RANKING, "options_pl": "Zaufanie\nKontakty", "closes": "2026-02-30"}
    response = await post_form(client, "/officer/engagement/questions", typed, token_from=NEW)
    assert response.status_code == 400
    soup = check_page(response.text, "en")
    assert "Give as many options as in English" in soup.select_one("#options_pl-error").get_text()
    assert "Enter a real date" in soup.select_one("#closes-error").get_text()
    assert soup.select_one("textarea#options_pl").get_text() == "Zaufanie\nKontakty"
    assert await Question.count() == 0


async def test_a_question_opening_later_is_not_shown_yet(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)
    later = (clock.now().date().replace(year=clock.now().year + 1)).isoformat()
    question = {"kind": "open", "text_en": "Later question", "opens": later}
    response = await post_form(client, "/officer/engagement/questions", question, token_from=NEW)
    assert response.status_code == 303
    question_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert (await client.get(f"/have-your-say/{question_id}")).status_code == 404
    assert "Later question" not in (await client.get("/have-your-say")).text
