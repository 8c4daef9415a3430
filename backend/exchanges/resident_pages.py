"""Residents' pages: topics, the request steps (no JavaScript needed; answers carried from page to page), the
private link (status, slots, withdrawal, a leader's slot), and the questionnaires."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND, HTTP_409_CONFLICT

from backend.core.auth import current_user
from backend.core.forms import Form, read_form
from backend.core.guards import PUBLIC, QUEUEABLE_FORM, resident_form_from_this_site
from backend.core.i18n import N_, request_locale, translate
from backend.exchanges.common import ACCESS, AFTER, FOLLOW_UP, LANGUAGES, SCALE_LABELS, TopicView, language_name
from backend.exchanges.forms import (
    LIST_FIELDS,
    STEP_FIELDS,
    STEPS,
    VALUE_FIELDS,
    check_step,
    check_survey,
    first_step_with_errors,
    intake_from,
)
from backend.exchanges.intake import IntakeOutcome, IntakeService
from backend.exchanges.pairing import PairingService
from backend.exchanges.sessions import SessionsService
from backend.exchanges.setup import SetupService
from backend.notifications.controllers import device_token

Slug = Annotated[str, PathParameter(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
SlotId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Wave = Annotated[str, PathParameter(pattern=r"^(after|follow_up)$")]
Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]
NO_STORE = {"Cache-Control": "no-store"}
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")


def page(name: str, status_code: int = 200, **context: Any) -> Template:
    """A personal page, never cached."""
    context.setdefault("form", Form())
    return Template(f"exchanges/{name}.html", context=context, status_code=status_code, headers=NO_STORE)


def see_other(path: str) -> Redirect:
    """Post/redirect/get."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def choices(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Languages (named in the reader's language), access needs and the scale, for the templates."""
    locale = request_locale(request)
    return {
        "language_options": [(code, language_name(code, locale)) for code in LANGUAGES],
        "access_options": [(code, translate(request, label)) for code, label in ACCESS.items()],
        "scale_labels": SCALE_LABELS,
    }


class TopicPages(Controller):
    """The topics residents may ask about, and what to expect."""

    path = "/exchanges"
    include_in_schema = False

    @get("/", name="exchanges", opt=PUBLIC)
    async def index(self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]) -> Template:
        """Every open topic."""
        topics = await exchange_setup.topics(request_locale(request))
        return Template("exchanges/index.html", context={"topics": topics})

    @get("/topics/{slug:str}", name="exchange_topic", opt=PUBLIC)
    async def topic(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], slug: Slug
    ) -> Template:
        """What an exchange is, who it is for, the sessions, and the start button."""
        topic = await exchange_setup.topic(slug, request_locale(request))
        if topic is None:
            raise NotFoundException()
        slots = await exchange_setup.open_slots(topic.id)
        return Template("exchanges/topic.html", context={"topic": topic, "slots": slots, **choices(request)})


class RequestSteps(Controller):
    """Asking for an exchange: five steps, each a page; every answer travels with the form until it is sent."""

    path = "/exchanges/topics/{slug:str}/request"
    include_in_schema = False

    async def _topic(self, request: Request[Any, Any, Any], setup: SetupService, slug: str) -> TopicView:
        topic = await setup.topic(slug, request_locale(request))
        if topic is None:
            raise NotFoundException()
        return topic

    async def _render(  # noqa: PLR0917 - the page's parts
        self,
        request: Request[Any, Any, Any],
        setup: SetupService,
        topic: TopicView,
        form: Form,
        step: str,
        status_code: int = 200,
        notice: str = "",
    ) -> Template:
        nonce = form.values.get("nonce", "")
        form.values["nonce"] = nonce if NONCE.match(nonce) else secrets.token_urlsafe(24)
        slots = await setup.open_slots(topic.id)
        carried = [name for name in VALUE_FIELDS if name not in STEP_FIELDS[step] and form.values.get(name)]
        carried_lists = {name: form.lists.get(name, []) for name in LIST_FIELDS if name not in STEP_FIELDS[step]}
        return page(
            "request",
            status_code,
            topic=topic,
            form=form,
            step=step,
            step_number=STEPS.index(step) + 1,
            step_count=len(STEPS),
            carried=carried,
            carried_lists=carried_lists,
            slots=slots,
            notice=notice,
            **choices(request),
        )

    @get("/", name="exchange_request", opt=PUBLIC)
    async def start(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], slug: Slug
    ) -> Template:
        """The first step: the stance statements."""
        topic = await self._topic(request, exchange_setup, slug)
        form = Form()
        user = current_user(request)
        if user is not None:
            form.values["email"] = user.email
        return await self._render(request, exchange_setup, topic, form, "stances")

    @post("/", name="exchange_request_step", opt=PUBLIC)
    async def step(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], slug: Slug
    ) -> Template:
        """Check this step and show the next (or go back one); what was typed is kept either way."""
        topic = await self._topic(request, exchange_setup, slug)
        form = await read_form(request, "step", "go", *VALUE_FIELDS, list_names=LIST_FIELDS)
        step = form.values.get("step") if form.values.get("step") in STEPS else "stances"
        assert step is not None
        index = STEPS.index(step)
        if form.values.get("go") == "back":
            return await self._render(request, exchange_setup, topic, form, STEPS[max(0, index - 1)])
        open_slots = {slot.id for slot in await exchange_setup.open_slots(topic.id)}
        check_step(request, form, step, topic, open_slots)
        if not form.ok:
            return await self._render(request, exchange_setup, topic, form, step, HTTP_400_BAD_REQUEST)
        return await self._render(request, exchange_setup, topic, form, STEPS[min(len(STEPS) - 1, index + 1)])

    @post(
        "/send", name="exchange_request_send", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM}
    )
    async def send(
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_intake: NamedDependency[IntakeService],
        slug: Slug,
    ) -> Response[Any]:
        """The last step: check everything (it may arrive whole from the offline queue), store it once, redirect."""
        topic = await self._topic(request, exchange_setup, slug)
        form = await read_form(request, "go", *VALUE_FIELDS, list_names=LIST_FIELDS)
        if form.values.get("go") == "back":
            return await self._render(request, exchange_setup, topic, form, "slots")
        open_slots = {slot.id for slot in await exchange_setup.open_slots(topic.id)}
        failing = first_step_with_errors(request, form, topic, open_slots)
        if failing is not None:
            notice = ""
            if failing == "slots" and form.lists.get("slots"):
                notice = translate(
                    request, N_("The sessions you chose have just closed. Choose another; your other answers are kept.")
                )
            return await self._render(request, exchange_setup, topic, form, failing, HTTP_400_BAD_REQUEST, notice)
        user = current_user(request)
        nonce = form.values.get("nonce", "")
        intake = intake_from(
            form, topic, request_locale(request), user.id if user else None, nonce if NONCE.match(nonce) else None
        )
        intake.device_token = device_token(request)  # its reminders can come by push, if the device asked
        result = await exchange_intake.create(intake)
        if result.outcome in {IntakeOutcome.CREATED, IntakeOutcome.REPLAYED}:
            return see_other(f"/exchanges/requests/{result.token}?sent=1")
        if result.outcome is IntakeOutcome.SLOTS_GONE:
            notice = translate(
                request, N_("The sessions you chose have just closed. Choose another; your other answers are kept.")
            )
            form.lists["slots"] = []
            return await self._render(request, exchange_setup, topic, form, "slots", HTTP_409_CONFLICT, notice)
        form.values.pop("nonce", None)
        notice = translate(request, N_("Something went wrong. Please check your answers and send them again."))
        return await self._render(request, exchange_setup, topic, form, "about", HTTP_409_CONFLICT, notice)


class RequestLink(Controller):
    """A request's private link: no account needed; the token opens this request and no other."""

    path = "/exchanges/requests/{token:str}"
    include_in_schema = False

    async def _show(  # noqa: PLR0917 - the page's parts
        self,
        request: Request[Any, Any, Any],
        setup: SetupService,
        intake: IntakeService,
        sessions: SessionsService,
        token: str,
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        status = await intake.status(token, request_locale(request))
        if status is None:
            return page("link_not_valid", HTTP_404_NOT_FOUND)
        slots = await setup.open_slots(status.topic_id)
        leader_slots = await setup.leader_slots(status.topic_id) if status.status == "waiting" else []
        surveys = {}
        for wave in (AFTER, FOLLOW_UP):
            _id, open_now, answered = await sessions.survey_state(token, wave)
            surveys[wave] = open_now and not answered
        form = extra.pop("form", None) or Form(lists={"slots": [str(s) for s in status.slot_ids]})
        return page(
            "status",
            status_code,
            request_status=status,
            token=token,
            slots=slots,
            leader_slots=leader_slots,
            surveys=surveys,
            form=form,
            **extra,
            **choices(request),
        )

    @get("/", name="exchange_status", opt=PUBLIC)
    async def status(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_intake: NamedDependency[IntakeService],
        exchange_sessions: NamedDependency[SessionsService],
        token: Token,
        sent: Flag = None,
        changed: Flag = None,
        withdrawn: Flag = None,
        booked: Flag = None,
    ) -> Template:
        """The status (waiting, matched with the details, withdrawn), changing slots, withdrawing."""
        return await self._show(
            request,
            exchange_setup,
            exchange_intake,
            exchange_sessions,
            token,
            sent=bool(sent),
            changed=bool(changed),
            withdrawn=bool(withdrawn),
            booked=bool(booked),
        )

    @post(
        "/slots", name="exchange_change_slots", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM}
    )
    async def change_slots(
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_intake: NamedDependency[IntakeService],
        exchange_sessions: NamedDependency[SessionsService],
        token: Token,
    ) -> Response[Any]:
        """Replace the sessions one could attend (while waiting)."""
        form = await read_form(request, list_names=("slots",))
        chosen = [int(v) for v in form.lists.get("slots", []) if v.isdigit() and len(v) < 10]
        usable = await exchange_intake.change_slots(token, chosen) if chosen else []
        if usable is None:
            if await exchange_intake.request_id_for(token) is None:
                return page("link_not_valid", HTTP_404_NOT_FOUND)
            return see_other(f"/exchanges/requests/{token}")
        if not usable:
            form.add_error(request, "slots", N_("Choose at least one session you could attend"))
            return await self._show(
                request, exchange_setup, exchange_intake, exchange_sessions, token, HTTP_400_BAD_REQUEST, form=form
            )
        return see_other(f"/exchanges/requests/{token}?changed=1")

    @post(
        "/withdraw", name="exchange_withdraw", guards=[resident_form_from_this_site], opt={**PUBLIC, **QUEUEABLE_FORM}
    )
    async def withdraw(self, exchange_pairing: NamedDependency[PairingService], token: Token) -> Response[Any]:
        """Withdraw: stance and survey answers deleted, any match freed and offered to someone else."""
        if not await exchange_pairing.withdraw(token):
            return page("link_not_valid", HTTP_404_NOT_FOUND)
        return see_other(f"/exchanges/requests/{token}?withdrawn=1")

    @post("/leader/{slot_id:int}", name="exchange_book_leader", opt=PUBLIC)
    async def book_leader(  # noqa: PLR0917 - Litestar injects each parameter by name
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_intake: NamedDependency[IntakeService],
        exchange_sessions: NamedDependency[SessionsService],
        exchange_pairing: NamedDependency[PairingService],
        token: Token,
        slot_id: SlotId,
    ) -> Response[Any]:
        """Book a community leader's session: first come, first served."""
        outcome = await exchange_pairing.book_leader_slot(token, slot_id)
        if outcome == "booked":
            return see_other(f"/exchanges/requests/{token}?booked=1")
        messages = {
            "full": N_("Someone else has just booked this session. Your request stays in the pool."),
            "not_eligible": N_("This session is for people whose view differs more from the leader's."),
            "not_found": N_("This session is no longer available."),
        }
        if await exchange_intake.request_id_for(token) is None:
            return page("link_not_valid", HTTP_404_NOT_FOUND)
        notice = translate(request, messages[outcome])
        return await self._show(
            request, exchange_setup, exchange_intake, exchange_sessions, token, HTTP_409_CONFLICT, notice=notice
        )

    @get("/calendar.ics", name="exchange_calendar", opt=PUBLIC)
    async def calendar(
        self, request: Request[Any, Any, Any], exchange_intake: NamedDependency[IntakeService], token: Token
    ) -> Response[Any]:
        """The matched session as an `.ics` file."""
        data = await exchange_intake.calendar(token, request_locale(request))
        if data is None:
            raise NotFoundException()
        return Response(
            content=data,
            media_type="text/calendar; charset=utf-8",
            headers={**NO_STORE, "Content-Disposition": 'attachment; filename="listening-exchange.ics"'},
        )

    @get("/survey/{wave:str}", name="exchange_survey", opt=PUBLIC)
    async def survey(
        self,
        request: Request[Any, Any, Any],
        exchange_sessions: NamedDependency[SessionsService],
        token: Token,
        wave: Wave,
        thanks: Flag = None,
    ) -> Template:
        """The after or follow-up questionnaire."""
        request_id, open_now, answered = await exchange_sessions.survey_state(token, wave)
        if request_id is None:
            return page("link_not_valid", HTTP_404_NOT_FOUND)
        return page("survey", wave=wave, token=token, open_now=open_now, answered=answered, thanks=bool(thanks))

    @post(
        "/survey/{wave:str}",
        name="exchange_answer_survey",
        guards=[resident_form_from_this_site],
        opt={**PUBLIC, **QUEUEABLE_FORM},
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        exchange_sessions: NamedDependency[SessionsService],
        token: Token,
        wave: Wave,
    ) -> Response[Any]:
        """Save the answers once."""
        request_id, open_now, answered = await exchange_sessions.survey_state(token, wave)
        if request_id is None:
            return page("link_not_valid", HTTP_404_NOT_FOUND)
        form = await read_form(
            request,
            "thermometer",
            "understanding",
            "willingness",
            "heard",
            "understand_better",
            "comment",
            "comment_shared",
            "comment_to_council",
        )
        answers = check_survey(request, form, wave)
        if answers is None or not open_now or answered:
            status = HTTP_400_BAD_REQUEST if form.errors else HTTP_409_CONFLICT
            return page(
                "survey", status, wave=wave, token=token, open_now=open_now, answered=answered, form=form, thanks=False
            )
        await exchange_sessions.answer(request_id, wave, answers)
        return see_other(f"/exchanges/requests/{token}/survey/{wave}?thanks=1")
