"""Moderation and themes: officers publish (perhaps redacting part), hide abuse, tag answers with themes, and
read counts by theme and area with small numbers suppressed.

Every officer action is audited in its own transaction. Publishing is one conditional UPDATE that only matches
an answer whose author chose to publish it: a private answer cannot be published, by mistake or by a crafted
request.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.clock import Clock
from backend.core.db import write_transaction
from backend.core.disclosure import protect_table
from backend.engagement.common import district_names, json_list
from backend.engagement.schemas import (
    SUPPRESS_BELOW,
    THEMES,
    Consent,
    CountCell,
    StaffAnswer,
    Status,
    ThemeCounts,
)
from backend.engagement.services import question_view
from backend.engagement.tables import Answer, AnswerTheme, Question

PUBLISHABLE = [Consent.PUBLISH.value, Consent.PUBLISH_NO_AREA.value]


def suppressed(count: int) -> CountCell:
    """A count as it may be shown: below five, only that it is fewer than five."""
    return CountCell(count if count >= SUPPRESS_BELOW else None)


class ModerationService:
    """The officers' side of Have your say."""

    def __init__(self, clock: Clock, engine: Engine[Any]) -> None:
        self.clock = clock
        self.engine = engine

    async def queue(self, locale: str) -> list[StaffAnswer]:
        """Answers waiting for moderation, oldest first."""
        rows = await Answer.select().where(Answer.status == Status.PENDING.value).order_by(Answer.id)
        return await self._views(rows, locale)

    async def answers_to(self, question_id: int, locale: str) -> list[StaffAnswer]:
        """Every answer to a question, newest first (officers read private answers too, to tag them)."""
        rows = await Answer.select().where(Answer.question_id == question_id).order_by(Answer.id, ascending=False)
        return await self._views(rows, locale)

    async def answer(self, answer_id: int, locale: str) -> StaffAnswer | None:
        """One answer, as officers see it."""
        rows = await Answer.select().where(Answer.id == answer_id)
        views = await self._views(rows, locale)
        return views[0] if views else None

    async def _views(self, rows: list[dict[str, Any]], locale: str) -> list[StaffAnswer]:
        if not rows:
            return []
        question_ids = list({row["question_id"] for row in rows})
        now = self.clock.now()
        questions = {
            row["id"]: question_view(row, locale, now)
            for row in await Question.select().where(Question.id.is_in(question_ids))
        }
        tags: dict[int, list[str]] = {}
        for tag in await AnswerTheme.select(AnswerTheme.answer_id, AnswerTheme.theme).where(
            AnswerTheme.answer_id.is_in([row["id"] for row in rows])
        ):
            tags.setdefault(tag["answer_id"], []).append(tag["theme"])
        names = await district_names(self.engine)
        views = []
        for row in rows:
            question = questions.get(row["question_id"])
            options = question.options if question else []
            choices = [
                options[index] for index in json_list(row["choices"]) if isinstance(index, int) and index < len(options)
            ]
            views.append(
                StaffAnswer(
                    id=row["id"],
                    question_id=row["question_id"],
                    question_text=question.text if question else "",
                    kind=question.kind if question else "",
                    choices=choices,
                    text=row["text"],
                    published_text=row["published_text"],
                    area_code=row["area_code"],
                    area_name=names.get(row["area_code"], ""),
                    consent=row["consent"],
                    status=row["status"],
                    redacted=bool(row["redacted"]),
                    locale=row["locale"],
                    themes=sorted(tags.get(row["id"], []), key=list(THEMES).index),
                    created_at=row["created_at"],
                )
            )
        return views

    async def publish(self, answer_id: int, officer: CurrentUser, text: str | None = None, reason: str = "") -> bool:
        """Publish an answer its author allowed to be published, as written or with part redacted (`text`, with
        a reason). False when there is no such answer or its author chose not to publish it."""
        async with write_transaction(self.engine):
            row = (
                await Answer.select(Answer.text)
                .where((Answer.id == answer_id) & Answer.consent.is_in(PUBLISHABLE))
                .first()
            )
            if row is None or not row["text"]:
                return False
            published = row["text"] if text is None else text
            redacted = published != row["text"]
            updated = (
                await Answer.update(
                    {
                        Answer.status: Status.PUBLISHED.value,
                        Answer.published_text: published,
                        Answer.redacted: redacted,
                        Answer.moderated_at: self.clock.now(),
                        Answer.moderated_by: officer.id,
                    }
                )
                .where(
                    (Answer.id == answer_id)
                    & Answer.consent.is_in(PUBLISHABLE)
                    & Answer.status.is_in([Status.PENDING.value, Status.PUBLISHED.value, Status.HIDDEN.value])
                )
                .returning(Answer.id)
            )
            if not updated:
                return False
            if redacted:
                await audit.record(
                    "engagement.answer.redacted",
                    actor=officer,
                    subject_type="answer",
                    subject_id=answer_id,
                    reason=reason,
                )
            await audit.record(
                "engagement.answer.published", actor=officer, subject_type="answer", subject_id=answer_id
            )
        return True

    async def hide(self, answer_id: int, officer: CurrentUser, reason: str) -> bool:
        """Hide an answer (abuse): it leaves the queue and the public page; the reason is audited."""
        async with write_transaction(self.engine):
            updated = (
                await Answer.update(
                    {
                        Answer.status: Status.HIDDEN.value,
                        Answer.published_text: "",
                        Answer.moderated_at: self.clock.now(),
                        Answer.moderated_by: officer.id,
                    }
                )
                .where((Answer.id == answer_id) & Answer.status.is_in([Status.PENDING.value, Status.PUBLISHED.value]))
                .returning(Answer.id)
            )
            if updated:
                await audit.record(
                    "engagement.answer.hidden",
                    actor=officer,
                    subject_type="answer",
                    subject_id=answer_id,
                    reason=reason,
                )
        return bool(updated)

    async def tag(self, answer_id: int, themes: list[str], officer: CurrentUser) -> bool:
        """Set an answer's themes (replacing its tags; audited). False when there is no such answer."""
        chosen = [theme for theme in THEMES if theme in set(themes)]
        async with write_transaction(self.engine):
            if not await Answer.exists().where(Answer.id == answer_id):
                return False
            await AnswerTheme.delete().where(AnswerTheme.answer_id == answer_id)
            for theme in chosen:
                await AnswerTheme.insert(AnswerTheme(answer_id=answer_id, theme=theme, tag_key=f"{answer_id}:{theme}"))
            await audit.record(
                "engagement.answer.tagged",
                actor=officer,
                subject_type="answer",
                subject_id=answer_id,
                details={"themes": chosen},
            )
        return True

    async def choice_counts(self, question_id: int, options: list[str]) -> list[tuple[str, CountCell]]:
        """For a choice question, how many chose each option; for a ranking, how many put it first. Hidden answers
        are left out; every count below five is suppressed."""
        counts: Counter[int] = Counter()
        rows = await Answer.select(Answer.choices).where(
            (Answer.question_id == question_id) & (Answer.status != Status.HIDDEN.value)
        )
        kind_rows = await Question.select(Question.kind).where(Question.id == question_id).first()
        ranking = kind_rows is not None and kind_rows["kind"] == "ranking"
        for row in rows:
            chosen = [index for index in json_list(row["choices"]) if isinstance(index, int)]
            counts.update(chosen[:1] if ranking else set(chosen))
        return [(option, suppressed(counts[index])) for index, option in enumerate(options)]

    async def theme_counts(self, question_id: int | None = None) -> ThemeCounts:
        """Tagged answers counted by theme and area (an answer counts once per theme), hidden answers left out, for
        one question or for all.

        Every count below five is suppressed, totals included, and so are as many others as it takes that no
        suppressed count can be worked out by subtraction, within this page or between it and the same theme's
        page for another question or for all (`backend.core.disclosure`): for each theme the suppression is
        worked out once on the whole table of questions by areas with its totals, and each page shows its row.
        Answers whose area is no longer a district are left out (the totals are the sums of the cells shown).
        """
        questions = [row["id"] for row in await Question.select(Question.id).order_by(Question.id)]
        answers = {
            row["id"]: (row["question_id"], row["area_code"])
            for row in await Answer.select(Answer.id, Answer.question_id, Answer.area_code).where(
                Answer.status != Status.HIDDEN.value
            )
        }
        counts: Counter[tuple[str, int, str]] = Counter()
        if answers:
            for tag in await AnswerTheme.select(AnswerTheme.answer_id, AnswerTheme.theme).where(
                AnswerTheme.answer_id.is_in(list(answers))
            ):
                question, area = answers[tag["answer_id"]]
                counts[tag["theme"], question, area] += 1
        names = await district_names(self.engine)
        areas = [*names.items(), ("", "")]
        rows = []
        for theme in THEMES:
            table = protect_table(
                [[counts[theme, question, code] for code, _name in areas] for question in questions],
                SUPPRESS_BELOW,
                columns=len(areas),
            )
            if question_id is None:
                cells, total = table.column_totals, table.total
            elif question_id in questions:
                index = questions.index(question_id)
                cells, total = table.cells[index], table.row_totals[index]
            else:
                cells, total = [None] * len(areas), None
            rows.append((theme, [CountCell(cell) for cell in cells], CountCell(total)))
        return ThemeCounts(areas=areas, rows=rows)
