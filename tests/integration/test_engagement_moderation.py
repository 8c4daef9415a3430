"""Moderation and themes: an answer whose author chose not to publish never appears publicly (pages and API,
whatever an officer tries); redaction needs a reason and is audited; hiding; counts by theme and area with
every count below five suppressed — on SQLite and PostgreSQL."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.core.tables import AuditEntry
from backend.engagement.tables import Answer, AnswerTheme
from tests.support.engagement import make_question
from tests.support.html_checks import check_page
from tests.support.people import PeopleFactory, csrf_token, post_form, sign_in

Client = AsyncTestClient[Litestar]
OXFORD = "E07000178"
CHERWELL = "E07000177"
SECRET = "My neighbour at number 12 is a liar"
SHARED = "More benches near the shops, said Mrs Smith of 4 Elm Road"


async def add_answer(question_id: int, text: str, consent: str, area: str = "", status: str | None = None) -> int:
    """An answer as the answering service stores it (pending when its author wants it published)."""
    rows = await Answer.insert(
        Answer(
            question_id=question_id,
            text=text,
            consent=consent,
            area_code=area,
            status=status or ("private" if consent == "private" else "pending"),
        )
    ).returning(Answer.id)
    return int(rows[0]["id"])


async def officer(client: Client, people: PeopleFactory, clock: SettableClock) -> None:
    await sign_in(client, await people(Role.OFFICER), clock)


async def test_only_the_answer_chosen_for_publication_appears_once_redacted(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    shared = await add_answer(question_id, SHARED, "publish", OXFORD)
    private = await add_answer(question_id, SECRET, "private", OXFORD)
    await officer(client, people, clock)

    queue = check_page((await client.get("/officer/engagement/moderation")).text, "en")
    assert SHARED in queue.get_text()
    assert SECRET not in queue.get_text()

    redacted = "More benches near the shops, said [redacted]"
    path = f"/officer/engagement/answers/{shared}"
    refused = await post_form(client, f"{path}/publish", {"published_text": redacted}, token_from=path)
    assert refused.status_code == 400  # a redaction needs a reason
    soup = check_page(refused.text, "en")
    error = soup.select_one("#reason-error")
    assert error is not None
    assert "Enter why you are redacting part of this answer" in error.get_text()
    kept = soup.select_one("textarea#published_text")
    assert kept is not None
    assert kept.get_text() == redacted

    done = await post_form(
        client, f"{path}/publish", {"published_text": redacted, "reason": "Names a person"}, token_from=path
    )
    assert done.status_code == 303

    # The officer tries to publish the private answer too: refused, by the page and by the API.
    sneaky = await post_form(
        client, f"/officer/engagement/answers/{private}/publish", {"published_text": SECRET}, token_from=path
    )
    assert sneaky.status_code == 400
    api = await client.post(
        f"/api/v1/engagement/answers/{private}/publish", json={}, headers={"Origin": "http://127.0.0.1:8000"}
    )
    assert api.status_code == 409

    public = (await client.get(f"/have-your-say/{question_id}/answers")).text
    soup = check_page(public, "en")
    assert redacted in soup.get_text()
    assert "Oxford" in soup.get_text()
    assert SECRET not in public
    assert "Mrs Smith" not in public
    listed = (await client.get(f"/api/v1/questions/{question_id}/answers")).json()
    assert [(item["text"], item["redacted"], item["area_name"]) for item in listed] == [(redacted, True, "Oxford")]
    assert SECRET not in str(listed)

    audit = await AuditEntry.select(AuditEntry.action, AuditEntry.reason, AuditEntry.subject_id).order_by(AuditEntry.id)
    assert [
        (row["action"], row["reason"], row["subject_id"]) for row in audit if row["action"].startswith("engagement.")
    ] == [
        ("engagement.answer.redacted", "Names a person", str(shared)),
        ("engagement.answer.published", "", str(shared)),
    ]


async def test_a_private_answer_stays_private_even_if_its_status_is_wrong(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    await add_answer(question_id, SECRET, "private", status="published")  # a bug elsewhere must not leak it
    await Answer.update({Answer.published_text: SECRET}).where(Answer.text == SECRET)
    assert SECRET not in (await client.get(f"/have-your-say/{question_id}/answers")).text
    assert (await client.get(f"/api/v1/questions/{question_id}/answers")).json() == []


async def test_publish_without_area_hides_the_area(client: Client, people: PeopleFactory, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    answer_id = await add_answer(question_id, "Open the library later", "publish_no_area", CHERWELL)
    await officer(client, people, clock)
    path = f"/officer/engagement/answers/{answer_id}"
    response = await post_form(client, f"{path}/publish", {"published_text": "Open the library later"}, token_from=path)
    assert response.status_code == 303
    public = check_page((await client.get(f"/have-your-say/{question_id}/answers")).text, "en").get_text()
    assert "Open the library later" in public
    assert "Cherwell" not in public


async def test_hiding_needs_a_reason_and_takes_the_answer_off_the_public_page(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    answer_id = await add_answer(question_id, "Abusive words", "publish")
    await Answer.update({Answer.status: "published", Answer.published_text: "Abusive words"}).where(
        Answer.id == answer_id
    )
    await officer(client, people, clock)
    path = f"/officer/engagement/answers/{answer_id}"
    refused = await post_form(client, f"{path}/hide", {"hide_reason": ""}, token_from=path)
    assert refused.status_code == 400
    assert "Enter why you are hiding this answer" in refused.text
    hidden = await post_form(client, f"{path}/hide", {"hide_reason": "Abuse"}, token_from=path)
    assert hidden.status_code == 303
    assert "Abusive words" not in (await client.get(f"/have-your-say/{question_id}/answers")).text
    entry = await AuditEntry.select(AuditEntry.reason).where(AuditEntry.action == "engagement.answer.hidden").first()
    assert entry == {"reason": "Abuse"}


async def test_markup_in_a_published_answer_is_shown_as_text(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    answer_id = await add_answer(question_id, "<b>bold</b><script>alert(1)</script>", "publish")
    await officer(client, people, clock)
    path = f"/officer/engagement/answers/{answer_id}"
    await post_form(
        client, f"{path}/publish", {"published_text": "<b>bold</b><script>alert(1)</script>"}, token_from=path
    )
    public = (await client.get(f"/have-your-say/{question_id}/answers")).text
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;script&gt;" in public
    assert "<script>alert(1)" not in public


async def test_theme_counts_below_five_are_suppressed(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    in_oxford = [await add_answer(question_id, f"Oxford {n}", "private", OXFORD) for n in range(5)]
    in_cherwell = [await add_answer(question_id, f"Cherwell {n}", "private", CHERWELL) for n in range(4)]
    await officer(client, people, clock)
    token = await csrf_token(client, f"/officer/engagement/answers/{in_oxford[0]}")
    for answer_id in [*in_oxford, *in_cherwell]:
        response = await client.post(
            f"/officer/engagement/answers/{answer_id}/themes",
            data={"_csrf_token": token, "themes": "trust"},
            follow_redirects=False,
        )
        assert response.status_code == 303

    page = check_page((await client.get(f"/officer/engagement/themes?question={question_id}")).text, "en")
    card = next(card for card in page.select(".govuk-summary-card") if "Trust in each other" in card.get_text())
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in card.select(".govuk-summary-list__row")
    }
    assert rows["Oxford"] == "5"
    assert rows["Cherwell"] == "not shown"
    assert rows["South Oxfordshire"] == "not shown"  # none at all is below five too
    assert "9" in card.select_one("h2").get_text()

    counts = (
        await client.get(
            f"/api/v1/engagement/themes?question_id={question_id}", headers={"Origin": "http://127.0.0.1:8000"}
        )
    ).json()
    trust = {item["area_code"]: (item["count"], item["suppressed"]) for item in counts if item["theme"] == "trust"}
    assert trust[OXFORD] == (5, False)
    assert trust[CHERWELL] == (None, True)


async def test_members_read_the_counts_but_cannot_moderate(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await sign_in(client, await people(Role.MEMBER), clock)
    assert (await client.get("/officer/engagement/themes")).status_code == 200
    assert (await client.get("/officer/engagement/moderation", follow_redirects=False)).status_code == 403


async def test_choice_counts_below_five_are_suppressed(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock, "ranking")  # options: Trust, Social mixing, Reducing tension
    for choices in [[0, 1]] * 5 + [[1, 0]] * 2:
        await Answer.insert(Answer(question_id=question_id, choices=choices, status="private"))
    await officer(client, people, clock)
    page = check_page((await client.get(f"/officer/engagement/questions/{question_id}")).text, "en")
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in page.select(".hb-choice-counts .govuk-summary-list__row")
    }
    assert rows == {"Trust": "5", "Social mixing": "fewer than 5", "Reducing tension": "fewer than 5"}


async def tag_answers(question_id: int, area: str, count: int, theme: str = "trust") -> None:
    """`count` answers in `area`, each tagged with `theme` (as the tagging page stores them)."""
    for _ in range(count):
        answer_id = await add_answer(question_id, "", "private", area)
        await AnswerTheme.insert(AnswerTheme(answer_id=answer_id, theme=theme, tag_key=f"{answer_id}:{theme}"))


def trust_card(html: str) -> tuple[str, dict[str, str]]:
    """The "Trust in each other" card of the themes page: its heading and its figure per area."""
    page = check_page(html, "en")
    card = next(card for card in page.select(".govuk-summary-card") if "Trust in each other" in card.get_text())
    return card.select_one("h2").get_text(strip=True), {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in card.select(".govuk-summary-list__row")
    }


async def test_members_cannot_work_out_a_hidden_count_by_subtraction(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    # Trust, tagged:  Cherwell  Oxford  elsewhere | total
    #   question A        2        6        0     |   8
    #   question B        7        5        0     |  12
    #   all questions     9       11        0     |  20
    # Hiding only the small counts, A's Cherwell would be 8 - 6 (its page), or 9 - 7 (the pages for all and for
    # B). Worked by hand (the rectangles of backend.core.disclosure): A's 2 is hidden with all's Cherwell (9),
    # as it can then trade places with A's zeros; B's zeros are pinned by 12 - 7 - 5 until B's Cherwell (7) goes
    # too. Oxford and every total stay.
    first = await make_question(clock, text="Question A")
    second = await make_question(clock, text="Question B")
    await tag_answers(first, CHERWELL, 2)
    await tag_answers(first, OXFORD, 6)
    await tag_answers(second, CHERWELL, 7)
    await tag_answers(second, OXFORD, 5)
    await sign_in(client, await people(Role.MEMBER), clock)

    hidden = "not shown"
    elsewhere = ["South Oxfordshire", "Vale of White Horse", "West Oxfordshire", "No area given"]
    heading, rows = trust_card((await client.get(f"/officer/engagement/themes?question={first}")).text)
    assert heading.endswith("8")
    assert rows == {"Cherwell": hidden, "Oxford": "6", **dict.fromkeys(elsewhere, hidden)}
    heading, rows = trust_card((await client.get(f"/officer/engagement/themes?question={second}")).text)
    assert heading.endswith("12")
    assert rows == {"Cherwell": hidden, "Oxford": "5", **dict.fromkeys(elsewhere, hidden)}
    heading, rows = trust_card((await client.get("/officer/engagement/themes")).text)
    assert heading.endswith("20")
    assert rows == {"Cherwell": hidden, "Oxford": "11", **dict.fromkeys(elsewhere, hidden)}


async def test_with_no_questions_yet_every_count_is_hidden(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    await officer(client, people, clock)
    counts = (await client.get("/api/v1/engagement/themes", headers={"Origin": "http://127.0.0.1:8000"})).json()
    assert counts
    assert {(item["count"], item["suppressed"]) for item in counts} == {(None, True)}
    assert {item["area_code"] for item in counts} == {CHERWELL, OXFORD, "E07000179", "E07000180", "E07000181", ""}
