"""Routes of the areas domain: postcode lookup (API and the resident's "Find your area" page) and lists."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from backend.areas.schemas import (
    ApiError,
    DistrictInfo,
    DivisionInfo,
    FieldError,
    LookupResponse,
    LookupResult,
    LookupStatus,
)
from backend.areas.services import INWARD_PATTERN, MAX_POSTCODE_INPUT, OUTWARD_PATTERN, AreasService, geo_uri
from backend.core.guards import PUBLIC
from backend.core.i18n import N_, translate

ENTER_A_POSTCODE = N_("Enter a postcode, like OX4 1AA")
ENTER_A_REAL_POSTCODE = N_("Enter a real postcode, like OX4 1AA")
NOT_IN_OXFORDSHIRE = N_("%(postcode)s is not in Oxfordshire. We can only place postcodes in Oxfordshire.")


def _any_case(pattern: str) -> str:
    """The strict upper-case pattern with each letter class widened to both cases (JSON Schema has no flags)."""
    return re.sub(r"\[([^\]]+)\]", lambda m: "[" + m.group(1) + m.group(1).lower().replace("0-9", "") + "]", pattern)


# What the API accepts, described in the schema so clients (and fuzzers) know: any case, spaces anywhere.
POSTCODE_QUERY_PATTERN = rf"^ *(?:{_any_case(OUTWARD_PATTERN)}) *(?:{_any_case(INWARD_PATTERN)})? *$"

PostcodeQuery = Annotated[
    str,
    QueryParameter(
        min_length=1,
        max_length=MAX_POSTCODE_INPUT,
        pattern=POSTCODE_QUERY_PATTERN,
        description="A full UK postcode or an outward code, in any case and spacing: `OX4 1AA`, `ox41aa`, `OX4`.",
    ),
]


class AreasApi(Controller):
    """Public, read-only answers about places in Oxfordshire."""

    path = "/api/v1/areas"
    tags = ["areas"]
    security = [{}]  # public: no authentication

    @get(
        "/lookup",
        name="areas_lookup",
        summary="Place a postcode in Oxfordshire",
        description=(
            "A full postcode gives its own point and county division where known; an outward code (or a "
            "postcode we hold no point for) gives its district and centroid, with `precision` = `outcode`."
        ),
        responses={
            HTTP_200_OK: ResponseSpec(data_container=LookupResponse, description="Where the postcode is"),
            HTTP_400_BAD_REQUEST: ResponseSpec(data_container=ApiError, description="Not a UK postcode"),
            HTTP_404_NOT_FOUND: ResponseSpec(data_container=ApiError, description="A UK postcode outside Oxfordshire"),
        },
        opt=PUBLIC,
    )
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        areas_service: NamedDependency[AreasService],
        postcode: PostcodeQuery,
    ) -> Response[LookupResponse | ApiError]:
        """District, division where known, and a point for a postcode or outward code."""
        result = await areas_service.lookup(postcode)
        if result.location is not None:
            location = result.location
            body = LookupResponse(
                postcode=location.postcode,
                outcode=location.outcode,
                district=location.district,
                division=location.division,
                latitude=location.latitude,
                longitude=location.longitude,
                precision=location.precision,
            )
            return Response(body, headers={"Cache-Control": "public, max-age=86400"})
        if result.status is LookupStatus.OUTSIDE:
            message = translate(request, NOT_IN_OXFORDSHIRE, postcode=result.query)
            status = HTTP_404_NOT_FOUND
        else:
            message = translate(request, ENTER_A_REAL_POSTCODE)
            status = HTTP_400_BAD_REQUEST
        error = ApiError(
            status_code=status,
            detail=message,
            errors=[FieldError(key="postcode", source="query", message=message)],
        )
        return Response(error, status_code=status)

    @get("/districts", name="areas_districts", summary="The districts of Oxfordshire", opt=PUBLIC)
    async def districts(self, areas_service: NamedDependency[AreasService]) -> list[DistrictInfo]:
        """Every district, by name."""
        return await areas_service.list_districts()

    @get("/divisions", name="areas_divisions", summary="The county electoral divisions (May 2025)", opt=PUBLIC)
    async def divisions(
        self,
        areas_service: NamedDependency[AreasService],
        district: Annotated[
            str | None,
            QueryParameter(max_length=40, description="Only this district's divisions: its GSS code or slug."),
        ] = None,
    ) -> list[DivisionInfo]:
        """Every division by name, or those of one district."""
        return await areas_service.list_divisions(district)


class AreasPages(Controller):
    """The resident's "Find your area" page."""

    include_in_schema = False

    @get("/areas", name="areas_find", opt=PUBLIC)
    async def find(
        self,
        request: Request[Any, Any, Any],
        areas_service: NamedDependency[AreasService],
        postcode: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> Template:
        """A GET form: type a postcode, see its district, division and a link to open it in a map app."""
        context: dict[str, Any] = {"postcode": postcode or "", "errors": {}, "result": None, "outside": None}
        if postcode is None:
            return Template("areas/find.html", context=context)
        if not postcode.strip():
            context["errors"] = {"postcode": translate(request, ENTER_A_POSTCODE)}
            return Template("areas/find.html", context=context)
        result: LookupResult = await areas_service.lookup(postcode)
        if result.status is LookupStatus.INVALID:
            context["errors"] = {"postcode": translate(request, ENTER_A_REAL_POSTCODE)}
        elif result.location is None:
            context["outside"] = result.query
        else:
            context["result"] = result.location
            context["map_uri"] = geo_uri(result.location.latitude, result.location.longitude)
        return Template("areas/find.html", context=context)


def provide_areas_service(state: State) -> AreasService:
    """The areas service, bound to the app's engine."""
    return AreasService(state["engine"])


ROUTE_HANDLERS: list[Any] = [AreasApi, AreasPages]
DEPENDENCIES: dict[str, Provide] = {"areas_service": Provide(provide_areas_service, sync_to_thread=False)}
