"""Have your say: answering (no JavaScript, anonymous or signed in), bad input kept and explained in the
resident's language, a retried submission stored once, closed questions — on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.i18n import LANGUAGE_COOKIE
from backend.engagement.tables import Answer
from tests.support.engagement import make_question
from tests.support.html_checks import check_page
from tests.support.people import csrf_token, sign_in_resident

Client = AsyncTestClient[Litestar]
OXFORD = "E07000178"
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


async def answer(client: Client, question_id: int, **fields: str) -> tuple[int, str]:
    """Post the answer form the way a browser does (CSRF token and nonce from the form); status and location."""
    path = f"/have-your-say/{question_id}"
    page = await client.get(path)
    token = await csrf_token(client, path)
    nonce = NONCE.search(page.text)
    assert nonce, "the form has no nonce"
    data = {"_csrf_token": token, "nonce": nonce.group(1), **fields}
    response = await client.post(path, data=data, follow_redirects=False)
    return response.status_code, response.headers.get("location", response.text)


async def test_a_resident_answers_in_polish_and_chooses_to_publish(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    client.cookies.set(LANGUAGE_COOKIE, "pl")
    page = await client.get(f"/have-your-say/{question_id}")
    soup = check_page(page.text, "pl")
    assert soup.h1 is not None
    assert soup.h1.get_text(strip=True) == "Co pomogłoby Twojej ulicy?"
    status, location = await answer(client, question_id, text="Więcej ławek w parku", area=OXFORD, consent="publish")
    assert (status, location) == (303, f"/have-your-say/{question_id}/thanks?status=pending")
    rows = await Answer.select(
        Answer.text, Answer.area_code, Answer.consent, Answer.status, Answer.locale, Answer.user_id
    )
    assert rows == [
        {
            "text": "Więcej ławek w parku",
            "area_code": OXFORD,
            "consent": "publish",
            "status": "pending",
            "locale": "pl",
            "user_id": None,
        }
    ]
    thanks = await client.get(location)
    check_page(thanks.text, "pl")


async def test_choosing_not_to_publish_keeps_the_answer_out_of_moderation(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    status, location = await answer(client, question_id, text="My neighbour is rude", consent="private")
    assert (status, location) == (303, f"/have-your-say/{question_id}/thanks?status=private")
    assert await Answer.select(Answer.status, Answer.consent) == [{"status": "private", "consent": "private"}]


async def test_a_signed_in_resident_answer_carries_their_account(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    await sign_in_resident(client, "amina@example.org")
    status, _ = await answer(client, question_id, text="Street parties", consent="publish_no_area")
    assert status == 303
    row = await Answer.select(Answer.user_id, Answer.consent).first()
    assert row is not None
    assert row["user_id"] is not None
    assert row["consent"] == "publish_no_area"


async def test_a_retried_submission_is_stored_once(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    path = f"/have-your-say/{question_id}"
    page = await client.get(path)
    nonce = NONCE.search(page.text)
    assert nonce
    token = await csrf_token(client, path)
    data = {"_csrf_token": token, "nonce": nonce.group(1), "text": "A community garden", "consent": "publish"}
    first = await client.post(path, data=data, follow_redirects=False)
    second = await client.post(path, data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Answer.count() == 1


async def test_an_empty_answer_is_refused_in_polish_keeping_what_was_chosen(
    client: Client, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    client.cookies.set(LANGUAGE_COOKIE, "pl")
    status, body = await answer(client, question_id, text="", area=OXFORD, consent="publish")
    assert status == 400
    soup = check_page(body, "pl")
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None
    assert "Wpisz swoją odpowiedź" in summary.get_text()
    error = soup.select_one("#text-error")
    assert error is not None
    assert "Wpisz swoją odpowiedź" in error.get_text()
    selected = soup.select_one("#area option[selected]")
    assert selected is not None
    assert selected["value"] == OXFORD
    consent = soup.select_one("input[name=consent][checked]")
    assert consent is not None
    assert consent["value"] == "publish"
    assert await Answer.count() == 0


async def test_over_long_text_and_markup_are_refused_as_text_keeping_what_was_typed(
    client: Client, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    typed = "<script>alert('x')</script>" + "a" * 2000
    status, body = await answer(client, question_id, text=typed, consent="publish")
    assert status == 400
    soup = check_page(body, "en")
    error = soup.select_one("#text-error")
    assert error is not None
    assert "2000 characters or fewer" in error.get_text()
    textarea = soup.select_one("textarea#text")
    assert textarea is not None
    assert textarea.get_text() == typed
    assert "<script>alert" not in body  # escaped, never markup
    assert await Answer.count() == 0


async def test_a_consent_is_required_for_free_text(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    status, body = await answer(client, question_id, text="Benches")
    assert status == 400
    soup = check_page(body, "en")
    error = soup.select_one("#consent-error")
    assert error is not None
    assert "Select what we may do with your answer" in error.get_text()


async def test_choice_questions_check_their_choices(client: Client, clock: SettableClock) -> None:
    single = await make_question(clock, "single")
    status, body = await answer(client, single)
    assert status == 400
    assert "Select one option" in body
    status, _ = await answer(client, single, choice="1")
    assert status == 303

    multiple = await make_question(clock, "multiple")
    page = await client.get(f"/have-your-say/{multiple}")
    nonce = NONCE.search(page.text)
    assert nonce
    token = await csrf_token(client, f"/have-your-say/{multiple}")
    response = await client.post(
        f"/have-your-say/{multiple}",
        content=f"_csrf_token={token}&nonce={nonce.group(1)}&choices=0&choices=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303

    ranking = await make_question(clock, "ranking")
    status, body = await answer(client, ranking, **{"rank-0": "1", "rank-1": "1"})
    assert status == 400
    assert "Give each priority a different number" in body
    soup = check_page(body, "en")
    kept = soup.select_one("#rank-1 option[selected]")
    assert kept is not None
    assert kept["value"] == "1"
    status, _ = await answer(client, ranking, **{"rank-0": "2", "rank-2": "1"})
    assert status == 303
    stored = await Answer.select(Answer.question_id, Answer.choices).order_by(Answer.id)
    choices = {row["question_id"]: row["choices"] for row in stored}
    assert [_decoded(choices[single]), _decoded(choices[multiple]), _decoded(choices[ranking])] == [[1], [0, 2], [2, 0]]


def _decoded(value: object) -> object:
    import json

    return json.loads(value) if isinstance(value, str) else value


async def test_a_closed_question_takes_no_answers(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock, closed=True)
    page = await client.get(f"/have-your-say/{question_id}")
    assert page.status_code == 200
    assert "This question is closed" in page.text
    assert "<textarea" not in page.text
    token = await csrf_token(client)  # the token is the same on every form
    response = await client.post(
        f"/have-your-say/{question_id}", data={"_csrf_token": token, "text": "late", "consent": "publish"}
    )
    assert response.status_code == 410
    assert await Answer.count() == 0


async def test_the_list_shows_open_questions_and_links_from_the_home_page(client: Client, clock: SettableClock) -> None:
    open_id = await make_question(clock, text="Open one")
    closed_id = await make_question(clock, text="Closed one", closed=True)
    page = await client.get("/have-your-say")
    soup = check_page(page.text, "en")
    assert soup.select_one(f"a[href='/have-your-say/{open_id}']") is not None
    assert soup.select_one(f"a[href='/have-your-say/{closed_id}']") is None  # closed: only its answers
    assert soup.select_one(f"a[href='/have-your-say/{closed_id}/answers']") is not None
    home = check_page((await client.get("/")).text, "en")
    assert home.select_one("a[href='/you-said-we-did']") is not None
    assert home.select_one("a[href='/have-your-say']") is not None
