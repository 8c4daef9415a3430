"""Feedback pages: partners read the feedback on their events; officers read it all and hide abuse."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
)

from backend.bookings.schemas import (
    MAX_REASON,
)
from backend.bookings.services import BookingsService
from backend.bookings.web import Flag, Id, render_page, see_other
from backend.core.auth import current_user
from backend.core.forms import check_length, check_required, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_, request_locale
from backend.core.roles import Role


class PartnerFeedback(Controller):
    """Partners read the feedback on their own organisation's events."""

    include_in_schema = False
    guards = [requires_roles(Role.PARTNER)]

    @get("/partner/events/{event_id:int}/feedback", name="partner_event_feedback")
    async def feedback(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], event_id: Id
    ) -> Template:
        """Ratings and comments (hidden comments show only that an officer hid them)."""
        user = current_user(request)
        organisation = await bookings_service.feedback.organisation_of_event(event_id)
        if user is None or organisation is None or organisation not in user.organisation_ids:
            raise NotFoundException()
        items = await bookings_service.feedback.event_feedback(event_id)
        ratings = [item.rating for item in items]
        return render_page(
            "partner_feedback",
            title=await bookings_service.feedback.event_title(event_id, request_locale(request)),
            event_id=event_id,
            items=items,
            average=round(sum(ratings) / len(ratings), 1) if ratings else None,
        )


class OfficerFeedback(Controller):
    """Officers hide abusive comments, with a reason (audited)."""

    path = "/officer/feedback"
    include_in_schema = False
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="officer_feedback")
    async def index(self, bookings_service: NamedDependency[BookingsService], hidden: Flag = None) -> Template:
        """The latest comments, each with a form to hide it."""
        items = await bookings_service.feedback.recent_feedback()
        return render_page("officer_feedback", items=items, hidden_now=bool(hidden), failed_id=None)

    @post("/{feedback_id:int}/hide", name="hide_feedback")
    async def hide(
        self, request: Request[Any, Any, Any], bookings_service: NamedDependency[BookingsService], feedback_id: Id
    ) -> Response[Any]:
        """Hide one comment; the reason is required."""
        form = await read_form(request, "reason")
        field = f"reason-{feedback_id}"
        form.values[field] = form.values.pop("reason", "")
        check_required(request, form, field, N_("Enter why you are hiding this comment"))
        check_length(request, form, field, MAX_REASON)
        user = current_user(request)
        if not form.ok or user is None:
            items = await bookings_service.feedback.recent_feedback()
            return render_page(
                "officer_feedback",
                HTTP_400_BAD_REQUEST,
                items=items,
                hidden_now=False,
                form=form,
                failed_id=feedback_id,
            )
        if not await bookings_service.feedback.hide_feedback(feedback_id, form.values[field], user):
            raise NotFoundException()
        return see_other("/officer/feedback?hidden=1")
