"""The engagement JSON API under /api/v1/: questions and answering (public), published answers, "You said, we
did" and following it, feedback on Hearby; and, for officers (session), moderation, themes and their counts.

Each operation calls the service method its page calls; errors have the shape of `ApiError`.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
)

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import EMAIL_PATTERN
from backend.core.guards import PUBLIC, requires_roles, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.idempotency import KEY_RULE, idempotency_key_header
from backend.core.roles import Role
from backend.engagement.common import safe_page
from backend.engagement.moderation import ModerationService
from backend.engagement.schemas import (
    MAX_ANSWER,
    AnswerCreatedOut,
    AnswerIn,
    AnswerOutcome,
    AnswerRequest,
    ApiError,
    Consent,
    FeedbackIn,
    FieldError,
    FollowIn,
    HideIn,
    PublicAnswerOut,
    PublishIn,
    QuestionOut,
    QuestionView,
    SiteFeedbackRequest,
    StaffAnswer,
    StaffAnswerOut,
    ThemeCountOut,
    ThemesIn,
    UpdateOut,
)
from backend.engagement.services import QuestionsService, check_answer
from backend.engagement.site_feedback import SiteFeedbackService
from backend.engagement.updates import UpdatesService

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
IdempotencyKey = Annotated[
    str | None,
    idempotency_key_header(
        "Send the same key when retrying: the answer is stored once and the retry returns it. Use a new random "
        f"value ({KEY_RULE}) for each answer."
    ),
]
JSON_WRITES = "Writes need `Content-Type: application/json` and must not come from another site."


def _error(request: Request[Any, Any, Any], status: int, code: str, message: str, **errors: str) -> Response[Any]:
    fields = [FieldError(key=key, source="body", message=text) for key, text in errors.items()]
    body = ApiError(status_code=status, detail=translate(request, message), code=code, errors=fields)
    return Response(body, status_code=status)


def _question_out(question: QuestionView) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        kind=question.kind,
        text=question.text,
        hint=question.hint,
        options=question.options,
        language=question.text_locale,
        opens_at=question.opens_at,
        closes_at=question.closes_at,
        area_codes=question.area_codes,
        is_open=question.is_open,
    )


def _staff_out(answer: StaffAnswer) -> StaffAnswerOut:
    return StaffAnswerOut(
        id=answer.id,
        question_id=answer.question_id,
        text=answer.text,
        published_text=answer.published_text,
        area_code=answer.area_code,
        consent=answer.consent,
        status=answer.status,
        redacted=answer.redacted,
        language=answer.locale,
        themes=answer.themes,
        created_at=answer.created_at,
    )


def _officer(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guards let only signed-in officers through
    return user


class EngagementApi(Controller):
    """Have your say, "You said, we did" and feedback on Hearby, for anyone (answers may be anonymous)."""

    path = "/api/v1"
    tags = ["engagement"]
    security = [{}]

    @get(
        "/questions",
        name="api_questions",
        opt=PUBLIC,
        summary="Questions residents can answer (open first) or read the answers of",
        description="In the language of `Accept-Language` (or the language cookie); `language` says which "
        "language the text is in (English when there is no translation).",
    )
    async def questions(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService]
    ) -> list[QuestionOut]:
        """Open and closed questions."""
        return [_question_out(question) for question in await questions_service.questions(request_locale(request))]

    @get(
        "/questions/{question_id:int}",
        name="api_question",
        opt=PUBLIC,
        summary="One question",
        responses={HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such question")},
    )
    async def question(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService], question_id: Id
    ) -> Response[QuestionOut | ApiError]:
        """The question in the request's language."""
        question = await questions_service.question(question_id, request_locale(request))
        if question is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such question"))
        return Response(_question_out(question))

    @post(
        "/questions/{question_id:int}/answers",
        name="api_answer",
        opt=PUBLIC,
        summary="Answer a question (anonymously, or signed in)",
        description=(
            "`choices` are option indexes (from 0): one for `single`, any for `multiple`, in order of priority for "
            "`ranking`; `text` is required for `open` questions. `consent` says what may be done with the text: "
            "`publish` (with the area), `publish_no_area`, or `private` (never shown publicly). Text to be "
            "published waits for moderation (`status` = `pending`). An answer that does not fit its question "
            "answers 409 with a translated message per field. Send an `Idempotency-Key` to retry safely."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=AnswerCreatedOut, description="Stored"),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiError, description="The body is not valid"),
            HTTP_409_CONFLICT: ResponseSpec(
                data_container=ApiError,
                description="The answer does not fit the question (choices for its kind, text it needs, an unknown "
                "area); `errors` says which field, translated",
            ),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such question"),
            HTTP_410_GONE: ResponseSpec(data_container=ApiError, description="The question is closed"),
        },
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        question_id: Id,
        data: Annotated[AnswerIn, Body(title="Answer")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AnswerCreatedOut | ApiError]:
        """Store the answer; 201 with its id and status."""
        locale = request_locale(request)
        question = await questions_service.question(question_id, locale)
        if question is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such question"))
        text = data.text.strip()
        if any(not 0 <= index < len(question.options) for index in data.choices):
            message = N_("Choose from the options given")
            return _error(request, HTTP_409_CONFLICT, "invalid", message, choices=translate(request, message))
        if question.kind == "ranking":
            ranks = {index: str(position) for position, index in enumerate(data.choices, start=1)}
            if len(ranks) != len(data.choices):
                ranks = {0: "0"}  # the same option twice: refused as a repeated rank
            choices: list[str] = []
        else:
            ranks, choices = {}, [str(index) for index in data.choices]
        chosen, errors = check_answer(
            question,
            choices=choices,
            ranks=ranks,
            text=text,
            area_code=data.area_code,
            consent=data.consent,
            known_areas=set(await questions_service.areas()),
        )
        if errors:
            fields = {
                ("choices" if name in {"choice", "rank-0"} else name): translate(request, message, **params)
                for name, (message, params) in errors.items()
            }
            return _error(request, HTTP_409_CONFLICT, "invalid", N_("There is a problem with your answer"), **fields)
        user = current_user(request)
        result = await questions_service.answer(
            AnswerRequest(
                question_id=question_id,
                choices=chosen,
                text=text[:MAX_ANSWER],
                area_code=data.area_code,
                consent=data.consent or Consent.PRIVATE.value,
                locale=locale,
                user_id=user.id if user else None,
                request_key=idempotency_key,
            )
        )
        if result.outcome is AnswerOutcome.CLOSED:
            return _error(request, HTTP_410_GONE, "closed", N_("This question is closed"))
        if result.answer_id is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such question"))
        headers = {"Idempotent-Replayed": "true"} if result.outcome is AnswerOutcome.REPLAYED else {}
        return Response(
            AnswerCreatedOut(id=result.answer_id, status=result.status), status_code=HTTP_201_CREATED, headers=headers
        )

    @get(
        "/questions/{question_id:int}/answers",
        name="api_published_answers",
        opt=PUBLIC,
        summary="The published answers to a question",
        description="Moderated text only; the area only when its author allowed it. An answer whose author chose "
        "not to publish it is never listed.",
        responses={HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such question")},
    )
    async def published(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService], question_id: Id
    ) -> Response[list[PublicAnswerOut] | ApiError]:
        """Published answers, newest first."""
        if await questions_service.question(question_id, request_locale(request)) is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such question"))
        answers = await questions_service.published_answers(question_id)
        return Response(
            [
                PublicAnswerOut(
                    id=answer.id,
                    text=answer.text,
                    area_name=answer.area_name,
                    language=answer.locale,
                    redacted=answer.redacted,
                    created_at=answer.created_at,
                )
                for answer in answers
            ]
        )

    @get("/you-said-we-did", name="api_updates", opt=PUBLIC, summary='"You said, we did" entries, newest first')
    async def updates(
        self, request: Request[Any, Any, Any], updates_service: NamedDependency[UpdatesService]
    ) -> list[UpdateOut]:
        """Entries in the request's language (each falls back to English; `language` says which)."""
        return [
            UpdateOut(
                id=entry.id,
                heard=entry.heard,
                did=entry.did,
                language=entry.heard_locale,
                links=entry.links,
                happened_on=entry.happened_on,
            )
            for entry in await updates_service.entries(request_locale(request))
        ]

    @post(
        "/you-said-we-did/followers",
        name="api_follow",
        opt=PUBLIC,
        summary='Follow "You said, we did" by email',
        description="A confirmation link is emailed; nothing is sent until it is used. The answer is the same "
        "whether or not the address already follows.",
        status_code=HTTP_202_ACCEPTED,
        responses={
            HTTP_409_CONFLICT: ResponseSpec(data_container=ApiError, description="Not an email address we can use")
        },
    )
    async def follow(
        self,
        request: Request[Any, Any, Any],
        updates_service: NamedDependency[UpdatesService],
        data: Annotated[FollowIn, Body(title="Follower")],
    ) -> Response[ApiError | None]:
        """Ask to follow."""
        email = data.email.strip().lower()
        if not EMAIL_PATTERN.match(email):
            message = N_("Enter an email address in the correct format, like name@example.com")
            return _error(request, HTTP_409_CONFLICT, "invalid", message, email=translate(request, message))
        await updates_service.follow(email, request_locale(request))
        return Response(None, status_code=HTTP_202_ACCEPTED)

    @post(
        "/feedback",
        name="api_site_feedback",
        opt=PUBLIC,
        summary="Feedback on a page of Hearby",
        description="`kind`: `useful`, `not_useful`, `problem` (say what in `text`) or `translation` (the better "
        "wording in `text`, the text concerned in `quoted`). The request's language is recorded.",
        status_code=HTTP_202_ACCEPTED,
        responses={
            HTTP_409_CONFLICT: ResponseSpec(
                data_container=ApiError, description="A problem or translation without text"
            )
        },
    )
    async def feedback(
        self,
        request: Request[Any, Any, Any],
        site_feedback_service: NamedDependency[SiteFeedbackService],
        data: Annotated[FeedbackIn, Body(title="Feedback")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ApiError | None]:
        """Record the feedback."""
        text = data.text.strip()
        if data.kind in {"problem", "translation"} and not text:
            message = N_("Tell us what the problem is")
            return _error(request, HTTP_409_CONFLICT, "invalid", message, text=translate(request, message))
        await site_feedback_service.record(
            SiteFeedbackRequest(
                kind=data.kind,
                page=safe_page(data.page),
                locale=request_locale(request),
                text=text,
                quoted=data.quoted.strip(),
                request_key=idempotency_key,
            )
        )
        return Response(None, status_code=HTTP_202_ACCEPTED)


_STAFF_ERRORS = {
    401: ResponseSpec(data_container=ApiError, description="Not signed in"),
    403: ResponseSpec(data_container=ApiError, description="Not an officer"),
}


class EngagementStaffApi(Controller):
    """Moderation and themes for officers (session-authenticated)."""

    path = "/api/v1/engagement"
    tags = ["engagement (officers)"]
    security = [{"session": []}]
    guards = [requires_roles(Role.OFFICER, Role.ADMIN), requires_same_origin]

    @get("/moderation", name="api_moderation_queue", summary="Answers waiting for moderation", responses=_STAFF_ERRORS)
    async def queue(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService]
    ) -> list[StaffAnswerOut]:
        """Oldest first."""
        return [_staff_out(answer) for answer in await moderation_service.queue(request_locale(request))]

    @post(
        "/answers/{answer_id:int}/publish",
        name="api_publish_answer",
        summary="Publish an answer (optionally redacted)",
        description="Send `text` with part redacted, and a `reason`, to publish less than was written (audited). "
        "An answer whose author chose not to publish it answers 409. " + JSON_WRITES,
        status_code=HTTP_200_OK,
        responses={
            **_STAFF_ERRORS,
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiError, description="A redaction without a reason"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such answer"),
            HTTP_409_CONFLICT: ResponseSpec(data_container=ApiError, description="Its author chose not to publish"),
        },
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        moderation_service: NamedDependency[ModerationService],
        answer_id: Id,
        data: Annotated[PublishIn, Body(title="Publication")],
    ) -> Response[StaffAnswerOut | ApiError]:
        """Publish."""
        locale = request_locale(request)
        answer = await moderation_service.answer(answer_id, locale)
        if answer is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such answer"))
        text = answer.text if data.text is None else data.text.strip()
        if not text:
            message = N_("Enter the text to publish")
            return _error(request, HTTP_400_BAD_REQUEST, "invalid", message, text=translate(request, message))
        if text != answer.text and not data.reason.strip():
            message = N_("Enter why you are redacting part of this answer")
            return _error(request, HTTP_400_BAD_REQUEST, "invalid", message, reason=translate(request, message))
        if not await moderation_service.publish(answer_id, _officer(request), text, data.reason.strip()):
            return _error(request, HTTP_409_CONFLICT, "private", N_("This answer's author chose not to publish it"))
        published = await moderation_service.answer(answer_id, locale)
        assert published is not None  # just published
        return Response(_staff_out(published), status_code=HTTP_200_OK)

    @post(
        "/answers/{answer_id:int}/hide",
        name="api_hide_answer",
        summary="Hide an abusive answer",
        description="The reason is audited. " + JSON_WRITES,
        status_code=HTTP_200_OK,
        responses={
            **_STAFF_ERRORS,
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such answer to hide"),
        },
    )
    async def hide(
        self,
        request: Request[Any, Any, Any],
        moderation_service: NamedDependency[ModerationService],
        answer_id: Id,
        data: Annotated[HideIn, Body(title="Reason")],
    ) -> Response[StaffAnswerOut | ApiError]:
        """Hide."""
        if not await moderation_service.hide(answer_id, _officer(request), data.reason.strip()):
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such answer"))
        hidden = await moderation_service.answer(answer_id, request_locale(request))
        assert hidden is not None  # just hidden
        return Response(_staff_out(hidden), status_code=HTTP_200_OK)

    @put(
        "/answers/{answer_id:int}/themes",
        name="api_tag_answer",
        summary="Set an answer's themes",
        description=JSON_WRITES,
        responses={
            **_STAFF_ERRORS,
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such answer"),
        },
    )
    async def tag(
        self,
        request: Request[Any, Any, Any],
        moderation_service: NamedDependency[ModerationService],
        answer_id: Id,
        data: Annotated[ThemesIn, Body(title="Themes")],
    ) -> Response[StaffAnswerOut | ApiError]:
        """Replace the answer's themes."""
        if not await moderation_service.tag(answer_id, list(data.themes), _officer(request)):
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("There is no such answer"))
        tagged = await moderation_service.answer(answer_id, request_locale(request))
        assert tagged is not None  # just tagged
        return Response(_staff_out(tagged))

    @get(
        "/themes",
        name="api_theme_counts",
        summary="Tagged answers by theme and area",
        description=(
            "`count` is null and `suppressed` true for any count below 5, and for as many others as it takes that no "
            "suppressed count can be worked out by subtraction (from the totals, or between questions). "
            '`area_code` "" is no area given.'
        ),
        responses=_STAFF_ERRORS,
    )
    async def themes(
        self,
        moderation_service: NamedDependency[ModerationService],
        question_id: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> list[ThemeCountOut]:
        """Every theme in every area."""
        counts = await moderation_service.theme_counts(question_id)
        return [
            ThemeCountOut(theme=theme, area_code=code, count=cell.shown, suppressed=cell.suppressed)
            for theme, cells, _total in counts.rows
            for (code, _name), cell in zip(counts.areas, cells, strict=True)
        ]


ROUTE_HANDLERS: list[Any] = [EngagementApi, EngagementStaffApi]
