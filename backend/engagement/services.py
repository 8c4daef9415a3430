"""Have your say: questions officers publish and the answers residents give (anonymously or signed in).

The rules that keep answers safe live here: a question takes answers only while open; the author's choice for
their free text decides where the answer starts (`pending` moderation, or `private` for good); a retried
submission (the form's nonce, or the API's Idempotency-Key) stores one answer.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import asyncpg
from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import json_object, write_transaction
from backend.core.i18n import N_
from backend.engagement.common import digest, district_names, in_language, json_list
from backend.engagement.schemas import (
    MAX_ANSWER,
    AnswerOutcome,
    AnswerRequest,
    AnswerResult,
    Consent,
    Kind,
    PublicAnswer,
    QuestionDraft,
    QuestionView,
    Status,
)
from backend.engagement.tables import Answer, Question
from backend.settings import Settings

_UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
FieldErrors = dict[str, tuple[str, dict[str, Any]]]


def question_view(row: dict[str, Any], locale: str, now: datetime) -> QuestionView:
    """A question row in one language (each text falls back to English on its own)."""
    content = json_object(row["content"])
    local: dict[str, Any] = content[locale] if isinstance(content.get(locale), dict) else {}
    english: dict[str, Any] = content["en"] if isinstance(content.get("en"), dict) else {}
    texts = {code: part.get("text") for code, part in content.items() if isinstance(part, dict)}
    text, text_locale = in_language(texts, locale)
    options_en = english.get("options") or []
    options_local = local.get("options") or []
    options = [
        options_local[index] if index < len(options_local) and options_local[index] else option
        for index, option in enumerate(options_en)
    ]
    hint = local.get("hint") or english.get("hint") or ""
    closes_at = row["closes_at"]
    is_open = not row["withdrawn"] and row["opens_at"] <= now and (closes_at is None or now < closes_at)
    return QuestionView(
        id=row["id"],
        kind=row["kind"],
        text=text,
        hint=hint,
        options=options,
        text_locale=text_locale,
        opens_at=row["opens_at"],
        closes_at=closes_at,
        area_codes=json_list(row["area_codes"]),
        is_open=is_open,
        withdrawn=bool(row["withdrawn"]),
    )


def check_answer(  # noqa: PLR0912 - one check per rule, in the order the form shows the fields
    question: QuestionView,
    *,
    choices: list[str],
    ranks: dict[int, str],
    text: str,
    area_code: str,
    consent: str,
    known_areas: set[str],
) -> tuple[list[int], FieldErrors]:
    """Check an answer's parts against its question: the chosen option indexes (ranked order for a ranking),
    and the field errors (message id and parameters, translated by the caller)."""
    errors: FieldErrors = {}
    count = len(question.options)
    chosen: list[int] = []
    if question.kind == Kind.OPEN:
        if not text:
            errors["text"] = (N_("Enter your answer"), {})
    elif question.kind == Kind.SINGLE:
        if len(choices) != 1 or not choices[0].isdigit() or int(choices[0]) >= count:
            errors["choice"] = (N_("Select one option"), {})
        else:
            chosen = [int(choices[0])]
    elif question.kind == Kind.MULTIPLE:
        picked = {int(value) for value in choices if value.isdigit() and int(value) < count}
        if not picked or len(picked) != len(set(choices)):
            errors["choice"] = (N_("Select at least one option"), {})
        chosen = sorted(picked)
    elif question.kind == Kind.RANKING:
        order: dict[int, int] = {}
        for index in range(count):
            raw = ranks.get(index, "")
            if not raw:
                continue
            if not raw.isdigit() or not 1 <= int(raw) <= count:
                errors["rank-0"] = (N_("Give each priority a number from 1 to %(count)s"), {"count": count})
                break
            order[index] = int(raw)
        else:
            if not order:
                errors["rank-0"] = (N_("Rank at least one priority"), {})
            elif len(set(order.values())) != len(order):
                errors["rank-0"] = (N_("Give each priority a different number"), {})
        chosen = [index for index, _rank in sorted(order.items(), key=lambda item: item[1])]
    if len(text) > MAX_ANSWER:
        errors["text"] = (N_("Must be %(count)s characters or fewer"), {"count": MAX_ANSWER})
    if area_code and area_code not in known_areas:
        errors["area"] = (N_("Select your area from the list"), {})
    if text and consent not in {value.value for value in Consent}:
        errors["consent"] = (N_("Select what we may do with your answer"), {})
    return chosen, errors


class QuestionsService:
    """Publishing questions and taking answers."""

    def __init__(self, settings: Settings, clock: Clock, engine: Engine[Any]) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine

    async def questions(self, locale: str, *, include_closed: bool = True) -> list[QuestionView]:
        """Questions residents can see (not withdrawn, already opened), open ones first, newest first."""
        now = self.clock.now()
        rows = (
            await Question.select()
            .where((Question.withdrawn == False) & (Question.opens_at <= now))  # noqa: E712 - SQL comparison
            .order_by(Question.opens_at, ascending=False)
        )
        views = [question_view(row, locale, now) for row in rows]
        if not include_closed:
            return [view for view in views if view.is_open]
        return sorted(views, key=lambda view: not view.is_open)

    async def all_questions(self, locale: str) -> list[QuestionView]:
        """Every question, newest first (for officers)."""
        now = self.clock.now()
        rows = await Question.select().order_by(Question.id, ascending=False)
        return [question_view(row, locale, now) for row in rows]

    async def question(self, question_id: int, locale: str, *, staff: bool = False) -> QuestionView | None:
        """One question residents can see (officers also see those not yet open or withdrawn)."""
        row = await Question.select().where(Question.id == question_id).first()
        if row is None:
            return None
        view = question_view(row, locale, self.clock.now())
        if not staff and (view.withdrawn or view.opens_at > self.clock.now()):
            return None
        return view

    async def areas(self) -> dict[str, str]:
        """The areas a resident may say they live in (district code → name)."""
        return await district_names(self.engine)

    async def create_question(self, draft: QuestionDraft, officer: CurrentUser) -> int:
        """Publish a question (audited)."""
        english = draft.content.get("en", {})
        async with write_transaction(self.engine):
            rows = await Question.insert(
                Question(
                    kind=draft.kind,
                    content=draft.content,
                    option_count=len(english.get("options", []) or []),  # type: ignore[arg-type]
                    opens_at=draft.opens_at or self.clock.now(),
                    closes_at=draft.closes_at,
                    area_codes=draft.area_codes,
                    created_by=officer.id,
                )
            ).returning(Question.id)
            question_id: int = rows[0]["id"]
            await audit.record(
                "engagement.question.published", actor=officer, subject_type="question", subject_id=question_id
            )
        return question_id

    async def withdraw_question(self, question_id: int, officer: CurrentUser) -> bool:
        """Close a question early and take it off the public list (its published answers stay reachable)."""
        async with write_transaction(self.engine):
            rows = (
                await Question.update({Question.withdrawn: True})
                .where(Question.id == question_id)
                .returning(Question.id)
            )
            if rows:
                await audit.record(
                    "engagement.question.withdrawn", actor=officer, subject_type="question", subject_id=question_id
                )
        return bool(rows)

    async def answer(self, request: AnswerRequest) -> AnswerResult:
        """Store an answer once (a retry with the same key answers the stored one); only while the question is open.

        Free text the author wants published waits for moderation (`pending`); everything else is `private` and
        never shown publicly.
        """
        key = digest(f"answer:{request.question_id}:{request.request_key}") if request.request_key else None
        if key is not None:
            replay = await self._replay(key)
            if replay is not None:
                return replay
        row = await Question.select().where(Question.id == request.question_id).first()
        if row is None:
            return AnswerResult(AnswerOutcome.NOT_FOUND)
        view = question_view(row, request.locale, self.clock.now())
        if view.opens_at > self.clock.now() and not view.withdrawn:
            return AnswerResult(AnswerOutcome.NOT_FOUND)
        if not view.is_open:
            return AnswerResult(AnswerOutcome.CLOSED)
        wants_published = bool(request.text) and request.consent in {Consent.PUBLISH, Consent.PUBLISH_NO_AREA}
        status = Status.PENDING if wants_published else Status.PRIVATE
        consent = request.consent if request.text else Consent.PRIVATE
        try:
            async with write_transaction(self.engine):
                rows = await Answer.insert(
                    Answer(
                        question_id=request.question_id,
                        choices=request.choices,
                        text=request.text,
                        area_code=request.area_code,
                        consent=consent,
                        status=status,
                        user_id=request.user_id,
                        locale=request.locale,
                        request_key=key,
                        created_at=self.clock.now(),
                    )
                ).returning(Answer.id)
        except _UNIQUE_VIOLATIONS:
            replay = await self._replay(key) if key else None
            if replay is None:
                raise
            return replay
        return AnswerResult(AnswerOutcome.SAVED, rows[0]["id"], status.value)

    async def _replay(self, key: str) -> AnswerResult | None:
        row = await Answer.select(Answer.id, Answer.status).where(Answer.request_key == key).first()
        return AnswerResult(AnswerOutcome.REPLAYED, row["id"], row["status"]) if row else None

    async def published_answers(self, question_id: int) -> list[PublicAnswer]:
        """The answers published for a question, newest first: moderated text only, the area only if allowed.

        Only `published` answers whose author chose to publish are read: an answer marked private can never
        appear here, whatever its status says.
        """
        rows = (
            await Answer.select(
                Answer.id,
                Answer.published_text,
                Answer.area_code,
                Answer.consent,
                Answer.locale,
                Answer.redacted,
                Answer.created_at,
            )
            .where(
                (Answer.question_id == question_id)
                & (Answer.status == Status.PUBLISHED.value)
                & Answer.consent.is_in([Consent.PUBLISH.value, Consent.PUBLISH_NO_AREA.value])
            )
            .order_by(Answer.id, ascending=False)
        )
        names = await district_names(self.engine) if rows else {}
        return [
            PublicAnswer(
                id=row["id"],
                text=row["published_text"],
                area_name=names.get(row["area_code"], "") if row["consent"] == Consent.PUBLISH else "",
                locale=row["locale"],
                redacted=bool(row["redacted"]),
                created_at=row["created_at"],
            )
            for row in rows
        ]
