"""Officers' pages: publish questions, moderate answers (redact, publish, hide), tag themes, read counts by theme
and area (members too: suppressed aggregates only), publish "You said, we did" entries. The feedback view is in
`feedback_pages`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from backend.core.auth import CurrentUser, current_user
from backend.core.forms import Form, check_length, check_required, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_, request_locale
from backend.core.roles import Role
from backend.engagement.moderation import ModerationService
from backend.engagement.pages import page, see_other
from backend.engagement.schemas import (
    KIND_LABELS,
    MAX_ANSWER,
    MAX_HINT,
    MAX_LABEL,
    MAX_LINKS,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MAX_REASON,
    MAX_UPDATE,
    MAX_URL,
    THEMES,
    Consent,
    Kind,
    QuestionDraft,
    UpdateRequest,
)
from backend.engagement.services import QuestionsService
from backend.engagement.updates import UpdatesService
from backend.settings import SUPPORTED_LOCALES

OFFICERS = requires_roles(Role.OFFICER, Role.ADMIN)
INSIGHT = requires_roles(Role.OFFICER, Role.ADMIN, Role.MEMBER)
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Filter = Annotated[str | None, QueryParameter(max_length=60)]
QuestionFilter = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
Flag = Annotated[int | None, QueryParameter(ge=0, le=1)]
TRANSLATED = tuple(code for code in SUPPORTED_LOCALES if code != "en")


def _officer(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guards let only signed-in officers through
    return user


def parse_day(raw: str) -> date | None:
    """A date typed as YYYY-MM-DD (what a date input sends), or None."""
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def check_question(  # noqa: PLR0912 - one check per field, in the order the form shows them
    request: Request[Any, Any, Any], form: Form, zone: ZoneInfo, areas: set[str]
) -> QuestionDraft | None:
    """Check the new-question form; None (with field errors) when it is not right."""
    kind = form.values.get("kind", "")
    if kind not in {value.value for value in Kind}:
        form.add_error(request, "kind", N_("Select the kind of question"))
    content: dict[str, dict[str, object]] = {}
    english_options = _lines(form.values.get("options_en", ""))
    for code in SUPPORTED_LOCALES:
        text_field, options_field = f"text_{code}", f"options_{code}"
        if code == "en":
            check_required(request, form, text_field, N_("Enter the question"))
        check_length(request, form, text_field, MAX_QUESTION)
        check_length(request, form, f"hint_{code}", MAX_HINT)
        options = _lines(form.values.get(options_field, ""))
        if any(len(option) > MAX_OPTION for option in options):
            form.add_error(
                request, options_field, N_("Each option must be %(count)s characters or fewer"), count=MAX_OPTION
            )
        if code != "en" and options and len(options) != len(english_options):
            form.add_error(request, options_field, N_("Give as many options as in English, in the same order"))
        if form.values.get(text_field) or options:
            content[code] = {
                "text": form.values.get(text_field, ""),
                "hint": form.values.get(f"hint_{code}", ""),
                "options": options,
            }
    if kind and kind != Kind.OPEN and not 2 <= len(english_options) <= MAX_OPTIONS:
        form.add_error(request, "options_en", N_("Give from 2 to %(count)s options, one a line"), count=MAX_OPTIONS)
    if kind == Kind.OPEN:
        for part in content.values():
            part["options"] = []
    opens_day = parse_day(form.values.get("opens", ""))
    closes_day = parse_day(form.values.get("closes", ""))
    if form.values.get("opens") and opens_day is None:
        form.add_error(request, "opens", N_("Enter a real date, like 2027-01-31"))
    if form.values.get("closes") and closes_day is None:
        form.add_error(request, "closes", N_("Enter a real date, like 2027-01-31"))
    if opens_day and closes_day and closes_day < opens_day:
        form.add_error(request, "closes", N_("The closing date must be on or after the opening date"))
    chosen_areas = [code for code in form.lists.get("areas", []) if code in areas]
    if not form.ok:
        return None
    return QuestionDraft(
        kind=kind,
        content=content,
        opens_at=datetime.combine(opens_day, time(), zone) if opens_day else None,
        # Open until the end of the closing day.
        closes_at=datetime.combine(closes_day + timedelta(days=1), time(), zone) if closes_day else None,
        area_codes=chosen_areas,
    )


def check_update(request: Request[Any, Any, Any], form: Form) -> UpdateRequest | None:
    """Check the new "You said, we did" entry; None (with field errors) when it is not right."""
    check_required(request, form, "heard_en", N_("Enter what people said"))
    check_required(request, form, "did_en", N_("Enter what was done"))
    for code in SUPPORTED_LOCALES:
        check_length(request, form, f"heard_{code}", MAX_UPDATE)
        check_length(request, form, f"did_{code}", MAX_UPDATE)
    day = parse_day(form.values.get("happened_on", ""))
    if day is None:
        form.add_error(request, "happened_on", N_("Enter a real date, like 2027-01-31"))
    links = []
    for number in range(1, MAX_LINKS + 1):
        url, label = form.values.get(f"link_url_{number}", ""), form.values.get(f"link_label_{number}", "")
        if not url and not label:
            continue
        if not url.startswith(("https://", "http://", "/")) or url.startswith("//") or len(url) > MAX_URL or " " in url:
            form.add_error(request, f"link_url_{number}", N_("Enter an address starting with https:// or /"))
        if not label:
            form.add_error(request, f"link_label_{number}", N_("Enter the link's text"))
        check_length(request, form, f"link_label_{number}", MAX_LABEL)
        links.append({"url": url, "label": label})
    if not form.ok or day is None:
        return None
    return UpdateRequest(
        heard={code: form.values[f"heard_{code}"] for code in SUPPORTED_LOCALES if form.values.get(f"heard_{code}")},
        did={code: form.values[f"did_{code}"] for code in SUPPORTED_LOCALES if form.values.get(f"did_{code}")},
        links=links,
        happened_on=day,
    )


QUESTION_FIELDS = (
    "kind",
    "opens",
    "closes",
    *[f"{part}_{code}" for code in SUPPORTED_LOCALES for part in ("text", "hint", "options")],
)
UPDATE_FIELDS = (
    "happened_on",
    *[f"{part}_{code}" for code in SUPPORTED_LOCALES for part in ("heard", "did")],
    *[f"link_{part}_{number}" for number in range(1, MAX_LINKS + 1) for part in ("url", "label")],
)


class EngagementOffice(Controller):
    """Questions and their answers, the moderation queue, themes, and "You said, we did" entries."""

    path = "/officer/engagement"
    include_in_schema = False
    guards = [OFFICERS]

    @get("/", name="engagement_office")
    async def index(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService]
    ) -> Template:
        """Every question, with links to the queue, themes, entries and feedback."""
        return page("office", questions=await questions_service.all_questions(request_locale(request)))

    async def _question_form(self, questions: QuestionsService, form: Form, status_code: int = 200) -> Template:
        return page(
            "office_question_new",
            status_code,
            form=form,
            kinds=[(kind.value, KIND_LABELS[kind]) for kind in Kind],
            areas=list((await questions.areas()).items()),
            translated=TRANSLATED,
        )

    @get("/questions/new", name="engagement_new_question")
    async def new_question(self, questions_service: NamedDependency[QuestionsService]) -> Template:
        """The form for a new question, in English with optional Polish and Urdu."""
        return await self._question_form(questions_service, Form())

    @post("/questions")
    async def create_question(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService]
    ) -> Response[Any]:
        """Publish the question (audited)."""
        form = await read_form(request, *QUESTION_FIELDS, list_names=("areas",))
        zone = ZoneInfo(request.app.state["settings"].time_zone)
        draft = check_question(request, form, zone, set(await questions_service.areas()))
        if draft is None:
            return await self._question_form(questions_service, form, HTTP_400_BAD_REQUEST)
        question_id = await questions_service.create_question(draft, _officer(request))
        return see_other(f"/officer/engagement/questions/{question_id}")

    @get("/questions/{question_id:int}", name="engagement_question")
    async def question(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        moderation_service: NamedDependency[ModerationService],
        question_id: Id,
    ) -> Template:
        """A question and every answer to it (private ones too), each with its themes."""
        locale = request_locale(request)
        question = await questions_service.question(question_id, locale, staff=True)
        if question is None:
            raise NotFoundException()
        answers = await moderation_service.answers_to(question_id, locale)
        choices = await moderation_service.choice_counts(question_id, question.options) if question.options else []
        return page("office_question", question=question, answers=answers, themes=THEMES, choices=choices)

    @post("/questions/{question_id:int}/withdraw", name="engagement_withdraw_question")
    async def withdraw(
        self, request: Request[Any, Any, Any], questions_service: NamedDependency[QuestionsService], question_id: Id
    ) -> Response[Any]:
        """Close the question now and take it off the public list (audited)."""
        if not await questions_service.withdraw_question(question_id, _officer(request)):
            raise NotFoundException()
        return see_other(f"/officer/engagement/questions/{question_id}")

    @get("/moderation", name="engagement_moderation")
    async def moderation(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService], done: Flag = None
    ) -> Template:
        """Answers whose authors want them published, oldest first."""
        return page("office_queue", answers=await moderation_service.queue(request_locale(request)), done=bool(done))

    async def _answer_page(
        self,
        request: Request[Any, Any, Any],
        moderation: ModerationService,
        answer_id: int,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        answer = await moderation.answer(answer_id, request_locale(request))
        if answer is None:
            raise NotFoundException()
        form.values.setdefault("published_text", answer.published_text or answer.text)
        form.lists.setdefault("themes", answer.themes)
        publishable = answer.consent in {Consent.PUBLISH, Consent.PUBLISH_NO_AREA} and bool(answer.text)
        return page(
            "office_answer",
            status_code,
            form=form,
            answer=answer,
            publishable=publishable,
            themes=list(THEMES.items()),
        )

    @get("/answers/{answer_id:int}", name="engagement_answer")
    async def answer(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService], answer_id: Id
    ) -> Template:
        """One answer: publish it (redacting part, with a reason), hide it, tag its themes."""
        return await self._answer_page(request, moderation_service, answer_id, Form())

    @post("/answers/{answer_id:int}/publish", name="engagement_publish_answer")
    async def publish(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService], answer_id: Id
    ) -> Response[Any]:
        """Publish, as written or redacted (a redaction needs a reason; both are audited)."""
        form = await read_form(request, "published_text", "reason")
        original = await moderation_service.answer(answer_id, request_locale(request))
        if original is None:
            raise NotFoundException()
        text = check_required(request, form, "published_text", N_("Enter the text to publish"))
        check_length(request, form, "published_text", MAX_ANSWER)
        check_length(request, form, "reason", MAX_REASON)
        if text and text != original.text and not form.values.get("reason"):
            form.add_error(request, "reason", N_("Enter why you are redacting part of this answer"))
        if not form.ok:
            return await self._answer_page(request, moderation_service, answer_id, form, HTTP_400_BAD_REQUEST)
        if not await moderation_service.publish(answer_id, _officer(request), text, form.values.get("reason", "")):
            form.add_error(request, "published_text", N_("This answer's author chose not to publish it"))
            return await self._answer_page(request, moderation_service, answer_id, form, HTTP_400_BAD_REQUEST)
        return see_other("/officer/engagement/moderation?done=1")

    @post("/answers/{answer_id:int}/hide", name="engagement_hide_answer")
    async def hide(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService], answer_id: Id
    ) -> Response[Any]:
        """Hide an abusive answer; the reason is required (audited)."""
        form = await read_form(request, "hide_reason")
        reason = check_required(request, form, "hide_reason", N_("Enter why you are hiding this answer"))
        check_length(request, form, "hide_reason", MAX_REASON)
        if not form.ok:
            return await self._answer_page(request, moderation_service, answer_id, form, HTTP_400_BAD_REQUEST)
        if not await moderation_service.hide(answer_id, _officer(request), reason):
            raise NotFoundException()
        return see_other("/officer/engagement/moderation?done=1")

    @post("/answers/{answer_id:int}/themes", name="engagement_tag_answer")
    async def tag(
        self, request: Request[Any, Any, Any], moderation_service: NamedDependency[ModerationService], answer_id: Id
    ) -> Response[Any]:
        """Set the answer's themes."""
        form = await read_form(request, list_names=("themes",))
        if not await moderation_service.tag(answer_id, form.lists.get("themes", []), _officer(request)):
            raise NotFoundException()
        return see_other(f"/officer/engagement/answers/{answer_id}")

    async def _update_form(self, form: Form, status_code: int = 200) -> Template:
        return page(
            "office_update_new", status_code, form=form, translated=TRANSLATED, link_numbers=range(1, MAX_LINKS + 1)
        )

    @get("/updates/new", name="engagement_new_update")
    async def new_update(self, request: Request[Any, Any, Any]) -> Template:
        """The form for a new "You said, we did" entry."""
        form = Form()
        form.values["happened_on"] = request.app.state["clock"].now().date().isoformat()
        return await self._update_form(form)

    @post("/updates")
    async def create_update(
        self, request: Request[Any, Any, Any], updates_service: NamedDependency[UpdatesService]
    ) -> Response[Any]:
        """Publish the entry and email its followers (audited)."""
        form = await read_form(request, *UPDATE_FIELDS)
        update = check_update(request, form)
        if update is None:
            return await self._update_form(form, HTTP_400_BAD_REQUEST)
        await updates_service.publish(update, _officer(request))
        return see_other("/you-said-we-did")


class EngagementInsight(Controller):
    """Counts of answers by theme and area, each below five suppressed (officers and members)."""

    include_in_schema = False
    guards = [INSIGHT]

    @get("/officer/engagement/themes", name="engagement_themes")
    async def themes(
        self,
        request: Request[Any, Any, Any],
        questions_service: NamedDependency[QuestionsService],
        moderation_service: NamedDependency[ModerationService],
        question: QuestionFilter = None,
    ) -> Template:
        """The counts for one question, or for all."""
        counts = await moderation_service.theme_counts(question)
        questions = await questions_service.all_questions(request_locale(request))
        return page("office_themes", counts=counts, themes=THEMES, questions=questions, chosen=question)


ROUTE_HANDLERS: list[Any] = [EngagementOffice, EngagementInsight]
