"""Routes of the engagement domain. This module gathers them; residents' "Have your say" pages live here,
officers' pages in `officer_controllers`, "You said, we did" and feedback on Hearby in `public_controllers`,
the JSON API in `api`."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_410_GONE

from backend.bookings.services import BookingsService
from backend.core.auth import current_user
from backend.core.forms import Form, read_form
from backend.core.guards import PUBLIC, QUEUEABLE_FORM, resident_form_from_this_site
from backend.core.i18n import N_, request_locale
from backend.engagement.api import ROUTE_HANDLERS as API
from backend.engagement.feedback_pages import ROUTE_HANDLERS as FEEDBACK_PAGES
from backend.engagement.moderation import ModerationService
from backend.engagement.officer_controllers import ROUTE_HANDLERS as OFFICER_PAGES
from backend.engagement.pages import add_errors, nonce, page, see_other
from backend.engagement.public_controllers import ROUTE_HANDLERS as PUBLIC_PAGES
from backend.engagement.schemas import CONSENT_LABELS, AnswerOutcome, AnswerRequest, Consent, Kind, QuestionView
from backend.engagement.services import QuestionsService, check_answer
from backend.engagement.site_feedback import SiteFeedbackService
from backend.engagement.updates import UpdatesService
from backend.exchanges.comments import CouncilComments

QuestionId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
StatusFlag = Annotated[str | None, QueryParameter(max_length=12, pattern=r"^(pending|private)$")]


class HaveYourSayPages(Controller):
    """Questions residents can answer, the answers published, and the answer form (no JavaScript needed)."""

    path = "/have-your-say"
    include_in_schema = False

    async def _question(
        self, request: Request[Any, Any, Any], questions: QuestionsService, question_id: int
    ) -> QuestionView:
        question = await questions.question(question_id, request_locale(request))
        if question is None:
            raise NotFoundException()
        return question

    @get("/", name="have_your_say", opt=PUBLIC)
    async def index(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService]
    ) -> Template:
        """Open questions first, then closed ones (whose published answers can still be read)."""
        questions = await questions_service.questions(request_locale(request))
        return page(
            "questions",
            open_questions=[question for question in questions if question.is_open],
            closed_questions=[question for question in questions if not question.is_open],
        )

    async def _render(
        self,
        request: Request[Any, Any, Any],
        questions: QuestionsService,
        question: QuestionView,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        form.values["nonce"] = nonce(form)
        areas = await questions.areas()
        return page(
            "answer",
            status_code,
            form=form,
            question=question,
            areas=list(areas.items()),
            consents=[(consent.value, CONSENT_LABELS[consent]) for consent in Consent],
            ranks=list(range(1, len(question.options) + 1)),
        )

    @get("/{question_id:int}", name="answer_question", opt=PUBLIC)
    async def form(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        question_id: QuestionId,
    ) -> Template:
        """The question and its answer form (or that it is closed)."""
        question = await self._question(request, questions_service, question_id)
        return await self._render(request, questions_service, question, Form())

    @post("/{question_id:int}", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM})
    async def answer(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        question_id: QuestionId,
    ) -> Response[Any]:
        """Store the answer (committed before the answer page), or show the form again with what was typed."""
        question = await self._question(request, questions_service, question_id)
        count = len(question.options)
        form = await read_form(
            request,
            "text",
            "area",
            "consent",
            "choice",
            "nonce",
            *[f"rank-{index}" for index in range(count)],
            list_names=("choices",),
        )
        if not question.is_open:
            form.add_error(request, "text", N_("This question is closed"))
            return await self._render(request, questions_service, question, form, HTTP_410_GONE)
        picked = form.lists.get("choices", []) if question.kind == Kind.MULTIPLE else [form.values["choice"]]
        chosen, errors = check_answer(
            question,
            choices=[value for value in picked if value],
            ranks={index: form.values.get(f"rank-{index}", "") for index in range(count)},
            text=form.values["text"],
            area_code=form.values["area"],
            consent=form.values["consent"],
            known_areas=set(await questions_service.areas()),
        )
        add_errors(request, form, errors)
        if not form.ok:
            return await self._render(request, questions_service, question, form, HTTP_400_BAD_REQUEST)
        user = current_user(request)
        result = await questions_service.answer(
            AnswerRequest(
                question_id=question_id,
                choices=chosen,
                text=form.values["text"],
                area_code=form.values["area"],
                consent=form.values["consent"] or Consent.PRIVATE.value,
                locale=request_locale(request),
                user_id=user.id if user else None,
                request_key=nonce(form),
            )
        )
        if result.outcome is AnswerOutcome.NOT_FOUND:
            raise NotFoundException()
        if result.outcome is AnswerOutcome.CLOSED:
            form.add_error(request, "text", N_("This question is closed"))
            return await self._render(request, questions_service, question, form, HTTP_410_GONE)
        return see_other(f"/have-your-say/{question_id}/thanks?status={result.status}")

    @get("/{question_id:int}/thanks", name="answer_thanks", opt=PUBLIC)
    async def thanks(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        question_id: QuestionId,
        status: StatusFlag = None,
    ) -> Template:
        """Thank you, and what happens next to the answer."""
        question = await self._question(request, questions_service, question_id)
        return page("answer_thanks", question=question, status=status or "private")

    @get("/{question_id:int}/answers", name="published_answers", opt=PUBLIC)
    async def published(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        question_id: QuestionId,
    ) -> Template:
        """The answers published for a question (moderated; never one whose author chose not to publish)."""
        question = await self._question(request, questions_service, question_id)
        answers = await questions_service.published_answers(question_id)
        return page("published_answers", question=question, answers=answers)


def provide_questions_service(state: State) -> QuestionsService:
    """Questions and answers, bound to the app's settings, clock and engine."""
    return QuestionsService(state["settings"], state["clock"], state["engine"])


def provide_moderation_service(state: State) -> ModerationService:
    """Moderation and themes."""
    return ModerationService(state["clock"], state["engine"])


def provide_updates_service(state: State) -> UpdatesService:
    """ "You said, we did" and its followers."""
    return UpdatesService(state["settings"], state["clock"], state["engine"], state["email_renderer"])


def provide_site_feedback_service(state: State) -> SiteFeedbackService:
    """Feedback on Hearby, and the officers' feedback view (with event feedback read through bookings, and the
    comments people shared with council officers after a Listening Exchange read through exchanges)."""
    bookings = BookingsService(state["settings"], state["clock"], state["engine"], state["email_renderer"])
    comments = CouncilComments(state["settings"], state["clock"], state["engine"])
    return SiteFeedbackService(state["clock"], state["engine"], bookings, comments)


ROUTE_HANDLERS: list[Any] = [HaveYourSayPages, *PUBLIC_PAGES, *OFFICER_PAGES, *FEEDBACK_PAGES, *API]
DEPENDENCIES: dict[str, Provide] = {
    "questions_service": Provide(provide_questions_service, sync_to_thread=False),
    "moderation_service": Provide(provide_moderation_service, sync_to_thread=False),
    "updates_service": Provide(provide_updates_service, sync_to_thread=False),
    "site_feedback_service": Provide(provide_site_feedback_service, sync_to_thread=False),
}
