"""The exchanges' JSON API under /api/v1/exchanges: topics, slots, requests (Idempotency-Key), status by token,
matching runs, attendance and the evaluation aggregates."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import EMAIL_PATTERN
from backend.core.guards import PUBLIC, requires_roles, requires_same_origin
from backend.core.i18n import N_, request_locale, translate
from backend.core.idempotency import idempotency_key_header
from backend.core.roles import Role
from backend.exchanges.common import ACCESS, LANGUAGES, Intake
from backend.exchanges.evaluation import Change, Count, EvaluationService
from backend.exchanges.intake import IntakeOutcome, IntakeService
from backend.exchanges.pairing import PairingService
from backend.exchanges.schemas import (
    ApiError,
    AttendanceIn,
    CellOut,
    EvaluationOut,
    MatchOut,
    RequestCreatedOut,
    RequestIn,
    RunOut,
    SlotOut,
    StatusOut,
    TopicOut,
)
from backend.exchanges.setup import SetupService
from backend.notifications.controllers import device_token

Slug = Annotated[str, PathParameter(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
TopicFilter = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
IdempotencyKey = Annotated[
    str | None,
    idempotency_key_header(
        "Send the same key when retrying: the request is made once, and the retry returns it (with its token). "
        "16 to 200 characters from `A-Z a-z 0-9 _ . : -` (a UUID will do)."
    ),
]


def _error(request: Request[Any, Any, Any], status: int, code: str, message: str) -> Response[Any]:
    return Response(ApiError(status_code=status, detail=translate(request, message), code=code), status_code=status)


def _count(count: Count) -> CellOut:
    if count.suppressed:
        return CellOut(n_label="fewer than 5", value=None, suppressed=True)
    return CellOut(n_label=str(count.n), value=float(count.n))


def _change(change: Change) -> CellOut:
    if change.suppressed:
        return CellOut(n_label="fewer than 5", value=None, suppressed=True)
    return CellOut(n_label=str(change.n), value=change.mean, low=change.low, high=change.high)


class ExchangesPublicApi(Controller):
    """What anyone may read or send: topics, sessions, a request, its status by private token."""

    path = "/api/v1/exchanges"
    tags = ["exchanges"]
    security = [{}]

    @get("/topics", name="api_exchange_topics", opt=PUBLIC, summary="Topics open for Listening Exchanges")
    async def topics(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> list[TopicOut]:
        """Every published topic, in the request's language."""
        return [
            TopicOut(t.slug, t.title, t.summary, t.statements, t.min_disagreement, t.lang)
            for t in await exchange_setup.topics(request_locale(request))
        ]

    @get(
        "/topics/{slug:str}/slots",
        name="api_exchange_slots",
        opt=PUBLIC,
        summary="Sessions of a topic still open for requests",
        responses={HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such topic")},
    )
    async def slots(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], slug: Slug
    ) -> Response[list[SlotOut] | ApiError]:
        """Sessions before their cut-off (never their online link)."""
        topic = await exchange_setup.topic(slug, request_locale(request))
        if topic is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("We could not find this topic."))
        slots = await exchange_setup.open_slots(topic.id)
        return Response(
            [
                SlotOut(
                    id=s.id,
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    cut_off_at=s.cut_off_at,
                    online=s.online,
                    venue=s.venue,
                    postcode=s.postcode,
                    area=s.area,
                    features=s.features,
                    facilitator_first_name=s.facilitator_name,
                    pairs_left=s.pairs_left,
                    languages=s.languages,
                    interpreter=s.interpreter,
                )
                for s in slots
            ]
        )

    @post(
        "/requests",
        name="api_exchange_request",
        opt=PUBLIC,
        summary="Ask for a Listening Exchange",
        description=(
            "Stores the request (stances, consent, the before-questionnaire, sessions, languages, access needs) and "
            "emails the private link. `consent` and `adult` must be true. Send an `Idempotency-Key` to retry "
            "safely: the same key, topic and email answer the same request."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(data_container=RequestCreatedOut, description="Stored"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No such topic"),
            HTTP_409_CONFLICT: ResponseSpec(
                data_container=ApiError,
                description="The sessions chosen have closed, or the stances do not match the topic's statements",
            ),
            HTTP_422_UNPROCESSABLE_ENTITY: ResponseSpec(data_container=ApiError, description="Not valid"),
        },
    )
    async def create(  # noqa: PLR0911 - one answer per way a request can be refused
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_intake: NamedDependency[IntakeService],
        data: Annotated[RequestIn, Body(title="Exchange request")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[RequestCreatedOut | ApiError]:
        """Make a request; 201 with the reference and private token."""
        locale = request_locale(request)
        topic = await exchange_setup.topic(data.topic, locale)
        if topic is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("We could not find this topic."))
        email = data.email.strip().lower()
        if len(data.stances) != len(topic.statements):
            # The schema cannot say how many statements a topic has: the answers conflict with this topic.
            message = N_("Choose an answer for this statement")
            return _error(request, HTTP_409_CONFLICT, "stances_do_not_match_topic", message)
        if not EMAIL_PATTERN.match(email):
            message = N_("Enter an email address in the correct format, like name@example.com")
            return _error(request, HTTP_422_UNPROCESSABLE_ENTITY, "invalid", message)
        user = current_user(request)
        result = await exchange_intake.create(
            Intake(
                topic_id=topic.id,
                stances=list(data.stances),
                thermometer=data.thermometer,
                understanding=data.understanding,
                willingness=data.willingness,
                slot_ids=sorted({slot for slot in data.slots if 1 <= slot <= 2**31 - 1}),
                languages=[code for code in LANGUAGES if code in data.languages],
                needs=[code for code in ACCESS if code in data.needs],
                first_name=data.first_name.strip(),
                email=email,
                locale=locale,
                user_id=user.id if user else None,
                request_key=idempotency_key,
                device_token=device_token(request),  # its reminders can come by push, if the device asked
            )
        )
        if result.outcome is IntakeOutcome.SLOTS_GONE:
            return _error(
                request, HTTP_409_CONFLICT, "slots_closed", N_("Choose at least one session you could attend")
            )
        if result.outcome is IntakeOutcome.KEY_REUSED:
            return _error(
                request,
                HTTP_422_UNPROCESSABLE_ENTITY,
                "key_reused",
                N_("This key was already used for another request."),
            )
        if result.outcome is IntakeOutcome.NOT_FOUND:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("We could not find this topic."))
        base = request.app.state["settings"].base_url
        body = RequestCreatedOut(result.reference, result.token, f"{base}/exchanges/requests/{result.token}")
        headers = {"Idempotent-Replayed": "true"} if result.outcome is IntakeOutcome.REPLAYED else {}
        return Response(body, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/requests/{token:str}",
        name="api_exchange_status",
        opt=PUBLIC,
        summary="A request's status by its private token",
        responses={HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="No request has this token")},
    )
    async def status(
        self, request: Request[Any, Any, Any], exchange_intake: NamedDependency[IntakeService], token: Token
    ) -> Response[StatusOut | ApiError]:
        """Waiting, matched (with the session; the online link only on the day), control or withdrawn."""
        status = await exchange_intake.status(token, request_locale(request))
        if status is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("This link cannot be used."))
        match = None
        if status.slot is not None:
            s = status.slot
            match = MatchOut(
                s.starts_at, s.ends_at, s.online, s.venue, s.postcode, s.area, s.facilitator_name, s.online_link
            )
        return Response(StatusOut(status.reference, status.topic_title, status.status, status.slot_ids, match))


STAFF_ERRORS = {
    401: ResponseSpec(data_container=ApiError, description="Not signed in"),
    403: ResponseSpec(data_container=ApiError, description="Not allowed (role), or a cross-site request"),
}


def _staff(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard guarantees it
    return user


class ExchangesStaffApi(Controller):
    """Officers and facilitators, signed in (session cookie), same-origin writes."""

    path = "/api/v1/exchanges"
    tags = ["exchanges"]
    security = [{"session": []}]

    @post(
        "/slots/{slot_id:int}/matching",
        name="api_exchange_matching",
        guards=[requires_roles(Role.OFFICER, Role.ADMIN), requires_same_origin],
        summary="Run a slot's matching now",
        description="Safe beside the scheduled run at the cut-off and another officer's: a slot is never overfilled.",
        status_code=HTTP_200_OK,
        responses=STAFF_ERRORS,
    )
    async def matching(
        self, request: Request[Any, Any, Any], exchange_pairing: NamedDependency[PairingService], slot_id: Id
    ) -> RunOut:
        """Match now (audited)."""
        result = await exchange_pairing.run_matching(slot_id, _staff(request))
        return RunOut(result.slot_id, result.pairs, result.unmatched, result.control, result.run_id)

    @post(
        "/pairs/{pair_id:int}/attendance",
        name="api_exchange_attendance",
        guards=[requires_roles(Role.FACILITATOR, Role.OFFICER, Role.ADMIN), requires_same_origin],
        summary="Mark a pair's attendance",
        status_code=HTTP_200_OK,
        responses={
            **STAFF_ERRORS,
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="Not a pair of yours"),
        },
    )
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        exchange_pairing: NamedDependency[PairingService],
        pair_id: Id,
        data: Annotated[AttendanceIn, Body(title="Attendance")],
    ) -> Response[dict[str, int] | ApiError]:
        """`participant` is the request id the facilitator's slot lists."""
        marks = {mark.participant: mark.mark for mark in data.marks}
        slot_id = await exchange_pairing.mark_attendance(pair_id, marks, data.note, _staff(request))
        if slot_id is None:
            return _error(request, HTTP_404_NOT_FOUND, "not_found", N_("We could not find this pair."))
        return Response({"slot_id": slot_id, "pair_id": pair_id})

    @get(
        "/evaluation",
        name="api_exchange_evaluation",
        guards=[requires_roles(Role.OFFICER, Role.ADMIN)],
        summary="Evaluation aggregates (suppressed under 5)",
        responses=STAFF_ERRORS,
    )
    async def evaluation(
        self, exchange_evaluation: NamedDependency[EvaluationService], topic: TopicFilter = None
    ) -> EvaluationOut:
        """Counts, mean disagreement, paired changes with 95% intervals per group and wave, attrition."""
        d = await exchange_evaluation.dashboard(topic)
        return EvaluationOut(
            requests=_count(d.requests),
            matched=_count(d.matched),
            attended=_count(d.attended),
            no_shows=_count(d.no_shows),
            control=_count(d.control),
            mean_disagreement=d.mean_disagreement,
            changes={
                measure: {wave: {group: _change(c) for group, c in groups.items()} for wave, groups in waves.items()}
                for measure, waves in d.changes.items()
            },
            attrition={wave: _count(c) for wave, c in d.attrition.items()},
        )
