"""The engagement API under /api/v1/: answering with an Idempotency-Key, translated errors, published answers
only, following, feedback, and the officers' moderation operations behind a session — on SQLite and PostgreSQL."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.core.clock import SettableClock
from backend.core.roles import Role
from backend.engagement.tables import Answer, Follower, SiteFeedback
from tests.support.engagement import make_question
from tests.support.outbox import emails_to
from tests.support.people import PeopleFactory, sign_in

Client = AsyncTestClient[Litestar]
SAME_ORIGIN = {"Origin": "http://127.0.0.1:8000"}


async def test_answering_with_a_key_stores_one_answer(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    body = {"text": "Street parties", "consent": "publish", "area_code": "E07000178"}
    headers = {"Idempotency-Key": "a-key-of-sixteen-or-more"}
    first = await client.post(f"/api/v1/questions/{question_id}/answers", json=body, headers=headers)
    second = await client.post(f"/api/v1/questions/{question_id}/answers", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == {"id": first.json()["id"], "status": "pending"}
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await Answer.count() == 1


async def test_bad_answers_get_translated_field_errors(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock)
    empty = await client.post(
        f"/api/v1/questions/{question_id}/answers", json={"text": "  "}, headers={"Accept-Language": "pl"}
    )
    assert empty.status_code == 409
    assert empty.json()["errors"] == [{"key": "text", "source": "body", "message": "Wpisz swoją odpowiedź"}]
    too_long = await client.post(f"/api/v1/questions/{question_id}/answers", json={"text": "a" * 2001})
    assert too_long.status_code == 400  # the schema says so: refused before the question is read
    ranking = await make_question(clock, "ranking")
    repeated = await client.post(f"/api/v1/questions/{ranking}/answers", json={"choices": [1, 1]})
    assert repeated.status_code == 409
    assert [error["key"] for error in repeated.json()["errors"]] == ["choices"]
    ranked = await client.post(f"/api/v1/questions/{ranking}/answers", json={"choices": [2, 0]})
    assert ranked.status_code == 201
    assert ranked.json()["status"] == "private"
    closed = await make_question(clock, closed=True)
    late = await client.post(f"/api/v1/questions/{closed}/answers", json={"text": "late", "consent": "publish"})
    assert late.status_code == 410
    assert late.json()["code"] == "closed"
    assert (await client.post("/api/v1/questions/999999/answers", json={"text": "x"})).status_code == 404


async def test_questions_come_in_the_requested_language(client: Client, clock: SettableClock) -> None:
    question_id = await make_question(clock, "single")
    listed = (await client.get("/api/v1/questions", headers={"Accept-Language": "pl"})).json()
    assert [(item["id"], item["text"], item["options"][0], item["language"]) for item in listed] == [
        (question_id, "Co pomogłoby Twojej ulicy?", "Zaufanie", "pl")
    ]
    english = (await client.get(f"/api/v1/questions/{question_id}", headers={"Accept-Language": "ur"})).json()
    assert (english["text"], english["language"]) == ("What would help your street?", "en")  # no Urdu yet


async def test_moderation_needs_an_officers_session(
    client: Client, people: PeopleFactory, clock: SettableClock
) -> None:
    question_id = await make_question(clock)
    created = await client.post(
        f"/api/v1/questions/{question_id}/answers", json={"text": "Benches by Jo Bloggs", "consent": "publish"}
    )
    answer_id = created.json()["id"]
    anonymous = await client.post(f"/api/v1/engagement/answers/{answer_id}/publish", json={}, headers=SAME_ORIGIN)
    assert anonymous.status_code == 401
    await sign_in(client, await people(Role.OFFICER), clock)
    cross_site = await client.post(
        f"/api/v1/engagement/answers/{answer_id}/publish", json={}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    queue = (await client.get("/api/v1/engagement/moderation", headers=SAME_ORIGIN)).json()
    assert [item["id"] for item in queue] == [answer_id]
    no_reason = await client.post(
        f"/api/v1/engagement/answers/{answer_id}/publish", json={"text": "Benches by [redacted]"}, headers=SAME_ORIGIN
    )
    assert no_reason.status_code == 400
    assert [error["key"] for error in no_reason.json()["errors"]] == ["reason"]
    published = await client.post(
        f"/api/v1/engagement/answers/{answer_id}/publish",
        json={"text": "Benches by [redacted]", "reason": "A name"},
        headers=SAME_ORIGIN,
    )
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["redacted"]) == ("published", True)
    tagged = await client.put(
        f"/api/v1/engagement/answers/{answer_id}/themes",
        json={"themes": ["trust", "social_mixing"]},
        headers=SAME_ORIGIN,
    )
    assert tagged.json()["themes"] == ["trust", "social_mixing"]
    public = (await client.get(f"/api/v1/questions/{question_id}/answers")).json()
    assert [item["text"] for item in public] == ["Benches by [redacted]"]
    hidden = await client.post(
        f"/api/v1/engagement/answers/{answer_id}/hide", json={"reason": "Changed my mind"}, headers=SAME_ORIGIN
    )
    assert hidden.status_code == 200
    assert (await client.get(f"/api/v1/questions/{question_id}/answers")).json() == []


async def test_following_and_feedback(client: Client) -> None:
    follow = await client.post("/api/v1/you-said-we-did/followers", json={"email": "Ola@Example.org"})
    assert follow.status_code == 202
    assert await Follower.select(Follower.email, Follower.confirmed_at) == [
        {"email": "ola@example.org", "confirmed_at": None}
    ]
    assert len(await emails_to("ola@example.org")) == 1
    feedback = await client.post(
        "/api/v1/feedback",
        json={"kind": "problem", "page": "/events", "text": "Slow"},
        headers={"Accept-Language": "pl"},
    )
    assert feedback.status_code == 202
    assert await SiteFeedback.select(SiteFeedback.kind, SiteFeedback.locale, SiteFeedback.page) == [
        {"kind": "problem", "locale": "pl", "page": "/events"}
    ]
    empty = await client.post("/api/v1/feedback", json={"kind": "translation"})
    assert empty.status_code == 409
    entries = (await client.get("/api/v1/you-said-we-did")).json()
    assert entries == []
