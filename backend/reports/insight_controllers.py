"""Insight pages: officers' dashboard (with the early-warning list and the city map), members' suppressed view."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from backend.accounts.services import AccountsService
from backend.areas.services import AreasService
from backend.core.auth import current_user
from backend.core.disclosure import protect_table
from backend.core.forms import Form, read_form
from backend.core.guards import requires_roles
from backend.core.i18n import N_, translate
from backend.core.roles import Role
from backend.reports.insight import InsightService
from backend.reports.mapping import city_map, shade
from backend.reports.schemas import CATEGORY_LABELS

NO_STORE = {"Cache-Control": "no-store"}


async def _names(areas: AreasService) -> dict[str, str]:
    names = {item.code: item.name for item in await areas.list_districts()}
    names.update({item.code: item.name for item in await areas.list_divisions()})
    return names


def protected_breakdown(
    counts: dict[str, int], keys: list[str], total: int
) -> tuple[dict[str, int | None], int | None]:
    """One breakdown of `total` (by category, or by district) as a member may see it: counts under 5 hidden, and
    as many others as it takes so that subtraction from the total cannot give a hidden one away, zeros included
    (`core.disclosure`). Reports outside every key (no district recorded) are one more cell, never shown."""
    cells = [counts.get(key, 0) for key in keys]
    outside = total - sum(cells)
    table = protect_table([[*cells, outside]] if outside else [cells], columns=len(keys) + (1 if outside else 0))
    return dict(zip(keys, table.cells[0][: len(keys)], strict=True)), table.row_totals[0]


async def member_tables(
    request: Request[Any, Any, Any], insight: InsightService, areas: AreasService
) -> dict[str, Any]:
    """What a member may see: protected counts for the county and their division (never text)."""
    user = current_user(request)
    assert user is not None
    division = await insight.member_division(user.id)
    county = await insight.dashboard(with_warnings=False)
    own = await insight.dashboard(division, with_warnings=False) if division else None
    categories = list(CATEGORY_LABELS)
    districts = sorted(item.code for item in await areas.list_districts())
    county_categories, county_total = protected_breakdown(county.by_category, categories, county.total)
    county_districts, _same_total = protected_breakdown(county.by_district, districts, county.total)
    own_categories, own_total = protected_breakdown(own.by_category, categories, own.total) if own else ({}, None)
    return {
        "division": division,
        "county_total": county_total,
        "county_categories": county_categories,
        "county_districts": county_districts,
        "own_total": own_total,
        "own_categories": own_categories,
        "weeks": county.weeks,
        "is_admin": Role.ADMIN in user.roles,
    }


class OfficerInsight(Controller):
    """Counts by category, district, division and week; early warnings; the city map."""

    path = "/insight/reports"
    include_in_schema = False
    guards = [requires_roles(Role.OFFICER, Role.ADMIN)]

    @get("/", name="insight_reports")
    async def dashboard(
        self, insight_service: NamedDependency[InsightService], areas_service: NamedDependency[AreasService]
    ) -> Template:
        """The officers' dashboard."""
        board = await insight_service.dashboard()
        city = city_map()
        city_counts = {shape.code: board.by_division.get(shape.code, 0) for shape in city.shapes}
        highest = max(city_counts.values(), default=0)
        return Template(
            "reports/insight/officers.html",
            context={
                "board": board,
                "names": await _names(areas_service),
                "categories": CATEGORY_LABELS,
                "city": city,
                "city_counts": city_counts,
                "fills": {code: shade(count, highest) for code, count in city_counts.items()},
                "peak": max(board.by_week.values(), default=0),
            },
            headers=NO_STORE,
        )


class MemberInsight(Controller):
    """Members' view: the county and their own division; counts under 5 shown as "fewer than 5"; never text."""

    path = "/insight/members"
    include_in_schema = False
    guards = [requires_roles(Role.MEMBER, Role.OFFICER, Role.ADMIN)]

    @get("/", name="insight_members")
    async def page(
        self,
        request: Request[Any, Any, Any],
        insight_service: NamedDependency[InsightService],
        areas_service: NamedDependency[AreasService],
    ) -> Template:
        """The members' page (it prints cleanly, for the advisory group's papers)."""
        tables = await member_tables(request, insight_service, areas_service)
        return Template(
            "reports/insight/members.html",
            context={**tables, "names": await _names(areas_service), "categories": CATEGORY_LABELS, "form": Form()},
            headers=NO_STORE,
        )

    @get("/export.csv", name="insight_members_csv")
    async def export(
        self,
        request: Request[Any, Any, Any],
        insight_service: NamedDependency[InsightService],
        areas_service: NamedDependency[AreasService],
    ) -> Response[str]:
        """The same figures as CSV (hidden counts written "not shown")."""
        tables = await member_tables(request, insight_service, areas_service)
        names = await _names(areas_service)
        fewer = translate(request, N_("not shown"))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [translate(request, N_("Area")), translate(request, N_("Category")), translate(request, N_("Reports"))]
        )

        def cell(value: int | None) -> str:
            return fewer if value is None else str(value)

        county = translate(request, N_("Oxfordshire"))
        for key, label in CATEGORY_LABELS.items():
            writer.writerow([county, translate(request, label), cell(tables["county_categories"][key])])
        for code, value in sorted(tables["county_districts"].items()):
            writer.writerow([names.get(code, code), translate(request, N_("All")), cell(value)])
        if tables["division"]:
            division_name = names.get(tables["division"], tables["division"])
            for key, label in CATEGORY_LABELS.items():
                writer.writerow([division_name, translate(request, label), cell(tables["own_categories"][key])])
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={**NO_STORE, "Content-Disposition": 'attachment; filename="tension-reports.csv"'},
        )


class MemberDivisions(Controller):
    """Admins say which division each member represents."""

    path = "/insight/member-divisions"
    include_in_schema = False
    guards = [requires_roles(Role.ADMIN)]

    @post("/")
    async def assign(
        self,
        request: Request[Any, Any, Any],
        insight_service: NamedDependency[InsightService],
        areas_service: NamedDependency[AreasService],
        accounts: NamedDependency[AccountsService],
    ) -> Response[Any]:
        """Set a member's division (by their email address)."""
        form = await read_form(request, "email", "division")
        division = await areas_service.division(form.values.get("division", ""))
        if division is None:
            form.add_error(request, "division", N_("Choose an area from the list"))
        else:
            email = form.values.get("email", "").lower()
            people, _total = await accounts.people.list_users(email, limit=5) if email else ([], 0)
            member = next((p for p in people if p.email == email and Role.MEMBER.value in p.roles), None)
            admin = current_user(request)
            if member is None or admin is None:
                form.add_error(request, "email", N_("No member has that email address"))
            else:
                await insight_service.assign_member_division(admin, member.id, division.code)
        if not form.ok:
            tables = await member_tables(request, insight_service, areas_service)
            return Template(
                "reports/insight/members.html",
                context={**tables, "names": await _names(areas_service), "categories": CATEGORY_LABELS, "form": form},
                status_code=HTTP_400_BAD_REQUEST,
                headers=NO_STORE,
            )
        return Redirect(path="/insight/members", status_code=HTTP_303_SEE_OTHER)


INSIGHT_HANDLERS: list[Any] = [OfficerInsight, MemberInsight, MemberDivisions]
