"""Officers' pages: the queue of events waiting for a decision, the review page, and the categories."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import Redirect, Template

from backend.core.auth import CurrentUser
from backend.core.forms import Form, check_length, read_form
from backend.core.i18n import N_, translate
from backend.events.partner_controllers import label_maps
from backend.events.services import EventsService
from backend.events.validation import MAX_REASON
from backend.events.views import EventNotFoundError, NotAllowedError
from backend.events.web import STAFF, Id, add_problems, render_page, signed_in_user


class OfficerEventPages(Controller):
    """The approval queue, each event's review page and decisions, and the categories."""

    path = "/officer"
    include_in_schema = False
    guards = [STAFF]

    @get("/events/queue", name="officer_event_queue")
    async def queue(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """New events and changes waiting for a decision, oldest first."""
        flash = request.session.pop("flash", None) if request.session else None
        return render_page("officer/queue", items=await events.moderation.queue(), flash=flash)

    @get("/events/{event_id:int}", name="officer_event")
    async def review(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Template:
        """Everything about an event: details, translations, the waiting change, decisions."""
        return await _review_page(request, events, event_id, Form())

    @post("/events/{event_id:int}/approve", name="officer_event_approve")
    async def approve(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Publish the event or apply its waiting change."""
        form = await read_form(request, "note")
        check_length(request, form, "note", MAX_REASON)
        if not form.ok:
            return await _review_page(request, events, event_id, form, status_code=400)
        try:
            await events.moderation.approve(signed_in_user(request), event_id, form.values["note"])
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        except NotAllowedError as exc:
            form.add_error(request, "note", exc.message)
            return await _review_page(request, events, event_id, form, status_code=409)
        request.session["flash"] = "approved"
        return Redirect(path="/officer/events/queue")

    @post("/events/{event_id:int}/reject", name="officer_event_reject")
    async def reject(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Refuse the event or its waiting change, with a reason the partner sees."""
        return await _decide_with_reason(
            request,
            events,
            event_id,
            field="reason",
            decide=events.moderation.reject,
            then="/officer/events/queue",
            flash="rejected",
        )

    @post("/events/{event_id:int}/hide", name="officer_event_hide")
    async def hide(
        self, request: Request[Any, Any, Any], event_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Take a published event off the public site, with a reason."""
        return await _decide_with_reason(
            request,
            events,
            event_id,
            field="hide_reason",
            decide=events.moderation.hide,
            then=f"/officer/events/{event_id}",
        )

    @get("/categories", name="officer_categories")
    async def categories(self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]) -> Template:
        """Every category, with forms to add, rename and deactivate."""
        return render_page("officer/categories", categories=await events.categories.all(include_inactive=True))

    @post("/categories")
    async def add_category(
        self, request: Request[Any, Any, Any], events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Add a category."""
        form = await read_form(request, "slug", "name_en", "name_pl", "name_ur")
        names = {locale: form.values[f"name_{locale}"] for locale in ("en", "pl", "ur")}
        problems = await events.categories.add_category(signed_in_user(request), form.values["slug"].lower(), names)
        if problems:
            add_problems(request, form, problems)
            return render_page(
                "officer/categories",
                status_code=400,
                form=form,
                categories=await events.categories.all(include_inactive=True),
            )
        return Redirect(path="/officer/categories")

    @post("/categories/{category_id:int}/rename", name="officer_category_rename")
    async def rename_category(
        self, request: Request[Any, Any, Any], category_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Change a category's names."""
        form = await read_form(request, "name_en", "name_pl", "name_ur")
        names = {locale: form.values[f"name_{locale}"] for locale in ("en", "pl", "ur")}
        try:
            problems = await events.categories.rename_category(signed_in_user(request), category_id, names)
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        if problems:
            raise ClientException(
                detail=" ".join(translate(request, message, **params) for message, params in problems.values())
            )
        return Redirect(path="/officer/categories")

    @post("/categories/{category_id:int}/active", name="officer_category_active")
    async def set_active(
        self, request: Request[Any, Any, Any], category_id: Id, events: NamedDependency[EventsService]
    ) -> Response[Any]:
        """Deactivate a category or bring it back."""
        form = await read_form(request, "active")
        try:
            await events.categories.set_category_active(
                signed_in_user(request), category_id, active=form.values["active"] == "yes"
            )
        except EventNotFoundError as exc:
            raise NotFoundException from exc
        return Redirect(path="/officer/categories")


async def _review_page(
    request: Request[Any, Any, Any], events: EventsService, event_id: int, form: Form, status_code: int = 200
) -> Template:
    event = await events.reader.event(event_id, with_counts=True)
    if event is None:
        raise NotFoundException
    return render_page(
        "officer/event",
        status_code=status_code,
        form=form,
        event=event,
        decisions=await events.moderation.decisions(event_id),
        field_labels={name: translate(request, label) for name, label in DIFF_LABELS.items()},
        **label_maps(request),
    )


DIFF_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "category": N_("Category"),
    "place": N_("Where"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "recurrence": N_("Repeats"),
    "capacity": N_("Places"),
    "cost": N_("Cost"),
    "translations.en": N_("English translation"),
    "translations.pl": N_("Polish translation"),
    "translations.ur": N_("Urdu translation"),
}


async def _decide_with_reason(
    request: Request[Any, Any, Any],
    events: EventsService,
    event_id: int,
    *,
    field: str,
    decide: Callable[[CurrentUser, int, str], Awaitable[Any]],
    then: str,
    flash: str | None = None,
) -> Response[Any]:
    """An officer's decision that needs a reason (reject, hide): field errors re-show the review page."""
    form = await read_form(request, field)
    try:
        problems = await decide(signed_in_user(request), event_id, form.values[field])
    except EventNotFoundError as exc:
        raise NotFoundException from exc
    except NotAllowedError as exc:
        form.add_error(request, field, exc.message)
        return await _review_page(request, events, event_id, form, status_code=409)
    if problems:
        add_problems(request, form, problems)
        return await _review_page(request, events, event_id, form, status_code=400)
    if flash:
        request.session["flash"] = flash
    return Redirect(path=then)
