"""Staff pages: officers set up topics, slots and leaders, run matching, read the evaluation and export it;
facilitators see their slots and pairs and mark attendance (on a phone)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import Form, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_, request_locale, translate
from backend.core.roles import Role
from backend.exchanges.common import ATTENDANCE_LABELS, SlotView
from backend.exchanges.evaluation import DATA_DICTIONARY, MEASURES, EvaluationService, chart_svg
from backend.exchanges.forms import check_leader, check_session, check_slot, check_topic, session_form
from backend.exchanges.pairing import PairingService
from backend.exchanges.resident_pages import choices, page, see_other
from backend.exchanges.sessions import SessionsService
from backend.exchanges.setup import SetupService
from backend.exchanges.slot_changes import NotEditableError, SlotChangesService, not_editable
from backend.settings import SUPPORTED_LOCALES

Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
TopicFilter = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]
OFFICERS = requires_roles(Role.OFFICER, Role.ADMIN)
FACILITATORS = requires_roles(Role.FACILITATOR, Role.OFFICER, Role.ADMIN)
TOPIC_FIELDS = tuple(f"{name}_{code}" for code in SUPPORTED_LOCALES for name in ("title", "summary", "statements"))
SESSION_FIELDS = (
    "date", "start", "end", "cut_off_hours", "mode", "venue", "postcode", "area", "online_link", "facilitator_id",
    "pairs_capacity", "interpreter",
)  # fmt: skip
SLOT_FIELDS = ("topic_id", *SESSION_FIELDS, "leader_id")
MEASURE_LABELS = {
    "thermometer": N_("Feeling towards the other side (0-100)"),
    "understanding": N_("Understanding of their reasons (1-7)"),
    "willingness": N_("Willingness to talk (1-7)"),
}
GROUP_LABELS = {"exchange": N_("Took part"), "comparison": N_("Comparison group")}


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard guarantees it
    return user


class OfficerExchanges(Controller):
    """Officers run the Listening Exchanges."""

    path = "/officer/exchanges"
    include_in_schema = False
    guards = [OFFICERS]

    @get("/", name="officer_exchanges")
    async def index(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], matched: Flag = None
    ) -> Template:
        """Topics, slots and leaders, with links to add more and to each slot."""
        topics = await exchange_setup.topics(_locale(request), published_only=False)
        return page(
            "officer/index",
            topics=topics,
            titles={t.id: t.title for t in topics},
            slots=await exchange_setup.all_slots(),
            leaders=await exchange_setup.leaders(),
            matched=bool(matched),
        )

    @get("/topics/new", name="officer_exchange_topic_new")
    async def new_topic(self) -> Template:
        """The topic form."""
        return page(
            "officer/topic_new",
            form=Form(values={"min_disagreement": "6", "control_share": "0"}),
            locales=SUPPORTED_LOCALES,
        )

    @post("/topics/new")
    async def create_topic(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> Response[Any]:
        """Add a topic (audited)."""
        form = await read_form(request, *TOPIC_FIELDS, "min_disagreement", "control_share")
        data = check_topic(request, form, SUPPORTED_LOCALES)
        if data is None:
            return page("officer/topic_new", HTTP_400_BAD_REQUEST, form=form, locales=SUPPORTED_LOCALES)
        await exchange_setup.create_topic(data, _user(request))
        return see_other("/officer/exchanges")

    async def _slot_page(
        self, request: Request[Any, Any, Any], setup: SetupService, form: Form, status: int = 200
    ) -> Template:
        topics = await setup.topics(_locale(request), published_only=False)
        return page(
            "officer/slot_new",
            status,
            form=form,
            topics=topics,
            facilitators=await setup.facilitators(),
            leaders=await setup.leaders(),
            **choices(request),
        )

    @get("/slots/new", name="officer_exchange_slot_new")
    async def new_slot(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> Template:
        """The slot form."""
        form = Form(
            values={"cut_off_hours": "48", "pairs_capacity": "4", "start": "18:30", "end": "19:30"},
            lists={"languages": ["en"]},
        )
        return await self._slot_page(request, exchange_setup, form)

    @post("/slots/new")
    async def create_slot(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> Response[Any]:
        """Add a slot (audited); its matching runs by itself at the cut-off."""
        form = await read_form(request, *SLOT_FIELDS, list_names=("languages", "features"))
        topics = await exchange_setup.topics("en", published_only=False)
        data = check_slot(
            request,
            form,
            topic_ids={t.id for t in topics},
            facilitators=dict(await exchange_setup.facilitators()),
            leader_ids={leader.id for leader in await exchange_setup.leaders()},
            zone=request.app.state["settings"].time_zone,
            now=request.app.state["clock"].now(),
        )
        if data is None:
            return await self._slot_page(request, exchange_setup, form, HTTP_400_BAD_REQUEST)
        await exchange_setup.create_slot(data, _user(request))
        return see_other("/officer/exchanges")

    @get("/leaders/new", name="officer_exchange_leader_new")
    async def new_leader(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> Template:
        """The community leader form."""
        return page("officer/leader_new", topics=await exchange_setup.topics(_locale(request), published_only=False))

    @post("/leaders/new")
    async def create_leader(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]
    ) -> Response[Any]:
        """Add a leader (audited)."""
        form = await read_form(request, "topic_id", "name", "role_title", "stances", "statement")
        topics = await exchange_setup.topics(_locale(request), published_only=False)
        data = check_leader(request, form, {t.id: len(t.statements) for t in topics})
        if data is None:
            return page("officer/leader_new", HTTP_400_BAD_REQUEST, form=form, topics=topics)
        await exchange_setup.create_leader(data, _user(request))
        return see_other("/officer/exchanges")

    @post("/topics/{topic_id:int}/control", name="officer_exchange_control")
    async def set_control(
        self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService], topic_id: Id
    ) -> Response[Any]:
        """Set the randomised wait-list control share (0-50%)."""
        form = await read_form(request, "control_share")
        raw = form.values.get("control_share", "")
        share = int(raw) if raw.isdigit() and len(raw) < 3 else -1
        if not 0 <= share <= 50 or not await exchange_setup.set_control_share(topic_id, share, _user(request)):
            raise NotFoundException()
        return see_other("/officer/exchanges")

    @get("/slots/{slot_id:int}", name="officer_exchange_slot")
    async def slot(
        self,
        request: Request[Any, Any, Any],
        exchange_sessions: NamedDependency[SessionsService],
        slot_id: Id,
        changed: Flag = None,
    ) -> Template:
        """A slot's pairs, the button to run its matching now, and links to change or cancel it."""
        slot = await exchange_sessions.slot_for_staff(slot_id, _user(request))
        if slot is None:
            raise NotFoundException()
        pairs = await exchange_sessions.pairs(slot_id)
        return page(
            "facilitator/slot",
            slot=slot,
            pairs=pairs,
            officer=True,
            editable=not_editable(slot, request.app.state["clock"].now()) is None,
            changed=bool(changed),
            marks=ATTENDANCE_LABELS,
            **choices(request),
        )

    async def _edit_page(
        self,
        request: Request[Any, Any, Any],
        setup: SetupService,
        slot: SlotView,
        form: Form,
        *,
        status: int = 200,
        refusal: str | None = None,
    ) -> Template:
        topic = await setup.topic_by_id(slot.topic_id, _locale(request))
        return page(
            "officer/slot_edit",
            status,
            form=form,
            slot=slot,
            topic_title=topic.title if topic else "",
            facilitators=await setup.facilitators(),
            refusal=translate(request, refusal) if refusal else "",
            **choices(request),
        )

    @get("/slots/{slot_id:int}/edit", name="officer_exchange_slot_edit")
    async def edit_slot_form(
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_slot_changes: NamedDependency[SlotChangesService],
        slot_id: Id,
    ) -> Template:
        """The session's details, filled in, to change (or why it can no longer be changed)."""
        slot = await exchange_slot_changes.slot_to_edit(slot_id)
        if slot is None:
            raise NotFoundException()
        state = request.app.state
        form = session_form(slot, state["settings"].time_zone)
        refusal = not_editable(slot, state["clock"].now())
        return await self._edit_page(request, exchange_setup, slot, form, refusal=refusal)

    @post("/slots/{slot_id:int}/edit")
    async def edit_slot(
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_slot_changes: NamedDependency[SlotChangesService],
        slot_id: Id,
    ) -> Response[Any]:
        """Save the changes (audited); when the time or place changes, everyone matched and the facilitator are told."""
        slot = await exchange_slot_changes.slot_to_edit(slot_id)
        if slot is None:
            raise NotFoundException()
        state = request.app.state
        form = await read_form(request, *SESSION_FIELDS, list_names=("languages", "features"))
        if slot.leader_id is not None:
            form.values["pairs_capacity"] = "1"  # a leader meets one resident
        facilitators = dict(await exchange_setup.facilitators())
        details = check_session(
            request, form, facilitators=facilitators, zone=state["settings"].time_zone, now=state["clock"].now()
        )
        if details is not None:
            try:
                problems = await exchange_slot_changes.edit_slot(slot_id, details, _user(request))
            except NotEditableError as refused:
                return await self._edit_page(
                    request, exchange_setup, slot, form, status=HTTP_409_CONFLICT, refusal=refused.reason
                )
            except LookupError as gone:
                raise NotFoundException() from gone
            if not problems:
                return see_other(f"/officer/exchanges/slots/{slot_id}?changed=1")
            for name, (message, params) in problems.items():
                form.add_error(request, name, message, **params)
        return await self._edit_page(request, exchange_setup, slot, form, status=HTTP_400_BAD_REQUEST)

    @post("/slots/{slot_id:int}/match", name="officer_exchange_match")
    async def match(
        self, request: Request[Any, Any, Any], exchange_pairing: NamedDependency[PairingService], slot_id: Id
    ) -> Response[Any]:
        """Run the slot's matching now (audited); safe beside the scheduled run."""
        await exchange_pairing.run_matching(slot_id, _user(request))
        return see_other(f"/officer/exchanges/slots/{slot_id}")

    @post("/slots/{slot_id:int}/cancel", name="officer_exchange_cancel_slot")
    async def cancel_slot(
        self,
        request: Request[Any, Any, Any],
        exchange_slot_changes: NamedDependency[SlotChangesService],
        slot_id: Id,
    ) -> Response[Any]:
        """Cancel the session (audited); the people matched to it are told by email, in their language."""
        form = await read_form(request, "reason")
        await exchange_slot_changes.cancel_slot(slot_id, _user(request), form.values.get("reason", ""))
        return see_other(f"/officer/exchanges/slots/{slot_id}")

    @get("/evaluation", name="officer_exchange_evaluation")
    async def evaluation(
        self,
        request: Request[Any, Any, Any],
        exchange_setup: NamedDependency[SetupService],
        exchange_evaluation: NamedDependency[EvaluationService],
        topic: TopicFilter = None,
    ) -> Template:
        """The dashboard: counts, change before→after and before→follow-up with 95% intervals, attrition."""
        dashboard = await exchange_evaluation.dashboard(topic)
        labels = {m: translate(request, MEASURE_LABELS[m]) for m in MEASURES}
        groups = {g: translate(request, label) for g, label in GROUP_LABELS.items()}
        return page(
            "officer/evaluation",
            dashboard=dashboard,
            topics=await exchange_setup.topics(_locale(request), published_only=False),
            topic_id=topic,
            measures=MEASURES,
            measure_labels=labels,
            group_labels=groups,
            charts={wave: chart_svg(dashboard, wave, labels, groups) for wave in ("after", "follow_up")},
        )

    @post("/export.csv", name="officer_exchange_export")
    async def export(
        self,
        request: Request[Any, Any, Any],
        exchange_evaluation: NamedDependency[EvaluationService],
        topic: TopicFilter = None,
    ) -> Response[Any]:
        """The pseudonymised export for the researchers (audited)."""
        data = await exchange_evaluation.export_csv(_user(request), topic)
        return Response(
            content=data,
            media_type="text/csv; charset=utf-8",
            headers={"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="exchanges.csv"'},
        )

    @get("/export/dictionary", name="officer_exchange_dictionary")
    async def dictionary(self) -> Template:
        """What each column of the export means."""
        return page("officer/dictionary", columns=DATA_DICTIONARY)


def _locale(request: Request[Any, Any, Any]) -> str:
    return request_locale(request)


class FacilitatorExchanges(Controller):
    """Facilitators: their slots, pairs (first names, languages, access needs) and attendance."""

    path = "/facilitator/exchanges"
    include_in_schema = False
    guards = [FACILITATORS]

    @get("/", name="facilitator_exchanges")
    async def index(self, request: Request[Any, Any, Any], exchange_setup: NamedDependency[SetupService]) -> Template:
        """My slots, soonest first."""
        slots = await exchange_setup.facilitator_slots(_user(request).id)
        topics = await exchange_setup.topics(_locale(request), published_only=False)
        return page("facilitator/index", slots=slots, titles={t.id: t.title for t in topics})

    @get("/slots/{slot_id:int}", name="facilitator_exchange_slot")
    async def slot(
        self,
        request: Request[Any, Any, Any],
        exchange_sessions: NamedDependency[SessionsService],
        slot_id: Id,
        saved: Flag = None,
    ) -> Template:
        """The pairs of one of my slots, each with an attendance form."""
        slot = await exchange_sessions.slot_for_staff(slot_id, _user(request))
        if slot is None:
            raise NotFoundException()
        pairs = await exchange_sessions.pairs(slot_id)
        return page(
            "facilitator/slot",
            slot=slot,
            pairs=pairs,
            officer=False,
            marks=ATTENDANCE_LABELS,
            saved=bool(saved),
            **choices(request),
        )

    @post("/pairs/{pair_id:int}/attendance", name="facilitator_exchange_attendance")
    async def attendance(
        self, request: Request[Any, Any, Any], exchange_pairing: NamedDependency[PairingService], pair_id: Id
    ) -> Response[Any]:
        """Mark who came; a no-show's partner goes back in the pool and is told."""
        data = await request.form()
        marks = {}
        for key, value in data.items():
            if key.startswith("mark_") and key[5:].isdigit() and isinstance(value, str):
                marks[int(key[5:])] = value
        note = data.get("note", "")
        slot_id = await exchange_pairing.mark_attendance(
            pair_id, marks, note if isinstance(note, str) else "", _user(request)
        )
        if slot_id is None:
            raise NotFoundException()
        return see_other(f"/facilitator/exchanges/slots/{slot_id}?saved=1")
