"""Postcode lookup, lists and the "Find your area" page, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.areas.reference import load_reference_data
from backend.areas.schemas import LookupStatus
from backend.areas.services import AreasService
from backend.areas.tables import District, Division, PostcodeDistrict, PostcodePoint
from backend.core.db import bind_tables, make_engine
from backend.settings import Settings
from tests.support.html_checks import check_page

Client = AsyncTestClient[Litestar]

OXFORD = {"code": "E07000178", "name": "Oxford"}
SOUTH_OXFORDSHIRE = {"code": "E07000179", "name": "South Oxfordshire"}
JERICHO_OSNEY = {"code": "E58002084", "name": "Jericho & Osney"}


@pytest.fixture
def areas(settings: Settings) -> AreasService:
    """The service on an engine of the test's own event loop, without a pool (the test client's app runs
    its pool on another loop). The next app a test creates binds the tables back to its own engine."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    return AreasService(engine)


async def _counts() -> tuple[int, int, int, int]:
    return (
        await District.count(),
        await Division.count(),
        await PostcodeDistrict.count(),
        await PostcodePoint.count(),
    )


async def test_migrate_loads_the_reference_data(areas: AreasService) -> None:
    assert await _counts() == (5, 69, 38, 3689)
    oxford_divisions = await Division.select(Division.centroid_latitude).where(
        Division.district.gss_code == OXFORD["code"]
    )
    assert len(oxford_divisions) == 13
    assert all(row["centroid_latitude"] is not None for row in oxford_divisions)
    assert await Division.count().where(Division.centroid_latitude.is_null()) == 56


async def test_loading_the_reference_data_again_duplicates_nothing(areas: AreasService) -> None:
    before = await PostcodePoint.select(PostcodePoint.id, PostcodePoint.postcode).order_by(PostcodePoint.id)
    await load_reference_data()
    await load_reference_data()
    assert await _counts() == (5, 69, 38, 3689)
    after = await PostcodePoint.select(PostcodePoint.id, PostcodePoint.postcode).order_by(PostcodePoint.id)
    assert after == before  # upserted in place: same ids, so nothing that refers to them breaks


@pytest.mark.parametrize("typed", ["OX1 1AA", "ox1 1aa", "OX11AA", "  ox1  1aa  ", "Ox1 1aA"])
async def test_a_full_postcode_gives_its_point_division_and_district(areas: AreasService, typed: str) -> None:
    result = await areas.lookup(typed)
    assert result.status is LookupStatus.FOUND
    assert result.query == "OX1 1AA"
    location = result.location
    assert location is not None
    assert (location.postcode, location.outcode, location.precision) == ("OX1 1AA", "OX1", "postcode")
    assert location.district.name == "Oxford"
    assert location.division is not None
    assert location.division.name == "Jericho & Osney"
    assert (location.latitude, location.longitude) == pytest.approx((51.750231, -1.267367))


@pytest.mark.parametrize(
    ("typed", "district"),
    [
        ("OX4", "Oxford"),
        (" ox4 ", "Oxford"),
        ("ox10", "South Oxfordshire"),
        ("OX16", "Cherwell"),
        ("SN7", "Vale of White Horse"),
    ],
)
async def test_an_outward_code_gives_its_district_and_centroid(areas: AreasService, typed: str, district: str) -> None:
    result = await areas.lookup(typed)
    location = result.location
    assert location is not None
    assert location.precision == "outcode"
    assert location.district.name == district
    assert location.division is None  # no outcode lies wholly in one division in the shipped data: no guessing
    assert location.postcode == location.outcode == typed.strip().upper()


async def test_a_full_postcode_without_a_point_falls_back_to_its_outward_code(areas: AreasService) -> None:
    result = await areas.lookup("ox10 7aa")
    location = result.location
    assert location is not None
    assert (location.postcode, location.outcode, location.precision) == ("OX10 7AA", "OX10", "outcode")
    assert location.district.name == "South Oxfordshire"
    assert location.division is None
    assert (location.latitude, location.longitude) == pytest.approx((51.60741, -1.12847))


async def test_partly_covered_outcodes_say_so(areas: AreasService) -> None:
    location = (await areas.lookup("RG4 7AA")).location
    assert location is not None
    assert (location.district.name, location.coverage) == ("South Oxfordshire", "partly")


@pytest.mark.parametrize("typed", ["SW1A 1AA", "sw1a1aa", "M1 1AE", "SW1A", "B33"])
async def test_valid_postcodes_elsewhere_are_outside_oxfordshire(areas: AreasService, typed: str) -> None:
    result = await areas.lookup(typed)
    assert result.status is LookupStatus.OUTSIDE
    assert result.location is None


@pytest.mark.parametrize("typed", ["", "OX", "hello", "OX1 1CA", "99999"])
async def test_malformed_postcodes_are_invalid(areas: AreasService, typed: str) -> None:
    result = await areas.lookup(typed)
    assert result.status is LookupStatus.INVALID
    assert not result.found


async def test_distances_between_looked_up_places(areas: AreasService) -> None:
    jericho = (await areas.lookup("OX1 1AA")).location
    wallingford = (await areas.lookup("OX10")).location
    assert jericho is not None
    assert wallingford is not None
    miles = areas.distance_miles(jericho.latitude, jericho.longitude, wallingford.latitude, wallingford.longitude)
    assert 10 < miles < 13


async def test_lists_of_districts_and_divisions(areas: AreasService) -> None:
    districts = await areas.list_districts()
    assert [d.name for d in districts] == [
        "Cherwell",
        "Oxford",
        "South Oxfordshire",
        "Vale of White Horse",
        "West Oxfordshire",
    ]
    assert len(await areas.list_divisions()) == 69
    by_district = {d.slug: len(await areas.list_divisions(d.slug)) for d in districts}
    assert by_district == {
        "cherwell": 16,
        "oxford": 13,
        "south-oxfordshire": 15,
        "vale-of-white-horse": 14,
        "west-oxfordshire": 11,
    }
    assert len(await areas.list_divisions("E07000178")) == 13
    assert await areas.list_divisions("nowhere") == []
    division = await areas.division("E58002084")
    assert division is not None
    assert division.name == "Jericho & Osney"
    assert await areas.division("E58000000") is None


# The API


async def test_api_lookup_of_a_full_postcode(client: Client) -> None:
    response = await client.get("/api/v1/areas/lookup", params={"postcode": "ox11aa"})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "postcode": "OX1 1AA",
        "outcode": "OX1",
        "district": OXFORD,
        "division": JERICHO_OSNEY,
        "latitude": pytest.approx(51.750231),
        "longitude": pytest.approx(-1.267367),
        "precision": "postcode",
    }


async def test_api_lookup_of_an_outward_code(client: Client) -> None:
    body = (await client.get("/api/v1/areas/lookup", params={"postcode": " ox10 "})).json()
    assert body["district"] == SOUTH_OXFORDSHIRE
    assert body["division"] is None
    assert body["precision"] == "outcode"
    assert (body["postcode"], body["outcode"]) == ("OX10", "OX10")


@pytest.mark.parametrize("typed", ["nonsense", "OX1 1CA", "1", "x" * 13, ""])
async def test_api_refuses_a_malformed_postcode_naming_the_field(client: Client, typed: str) -> None:
    response = await client.get("/api/v1/areas/lookup", params={"postcode": typed})
    assert response.status_code == 400
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert [(error["key"], error["source"]) for error in errors] == [("postcode", "query")]


async def test_api_needs_a_postcode(client: Client) -> None:
    response = await client.get("/api/v1/areas/lookup")
    assert response.status_code == 400
    assert response.json()["status_code"] == 400


async def test_api_says_when_a_postcode_is_outside_oxfordshire(client: Client) -> None:
    response = await client.get("/api/v1/areas/lookup", params={"postcode": "SW1A 1AA"})
    assert response.status_code == 404
    body = response.json()
    assert "SW1A 1AA is not in Oxfordshire" in body["detail"]
    assert body["errors"][0]["key"] == "postcode"


async def test_api_lists(client: Client) -> None:
    districts = (await client.get("/api/v1/areas/districts")).json()
    assert {"code": "E07000178", "name": "Oxford", "slug": "oxford"} in districts
    divisions = (await client.get("/api/v1/areas/divisions", params={"district": "oxford"})).json()
    assert len(divisions) == 13
    jericho = next(item for item in divisions if item["code"] == "E58002084")
    assert jericho["district"] == OXFORD
    assert jericho["latitude"] is not None
    assert len((await client.get("/api/v1/areas/divisions")).json()) == 69


async def test_api_is_public_and_documented(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/areas/lookup"]["get"]
    assert operation["security"] == [{}]
    assert operation["tags"] == ["areas"]
    assert {"200", "400", "404"} <= set(operation["responses"])
    parameter = next(item for item in operation["parameters"] if item["name"] == "postcode")
    assert parameter["required"] is True
    assert parameter["schema"]["maxLength"] == 12
    assert "/areas" not in schema["paths"]


# The "Find your area" page


async def test_the_page_offers_a_postcode_form(client: Client) -> None:
    response = await client.get("/areas")
    assert response.status_code == 200
    soup = check_page(response.text, "en")
    assert soup.h1 is not None
    assert soup.h1.get_text(strip=True) == "Find your area"
    form = soup.find("form")
    assert form is not None
    assert form.get("method") == "get"
    assert soup.find("input", attrs={"name": "postcode", "id": "postcode"}) is not None
    assert soup.find(class_="govuk-error-summary") is None


def _answer(soup: Any) -> dict[str, str]:
    """The page's answer, read from its summary list: key -> value (the page's header names places too)."""
    return {
        " ".join(row.find("dt").get_text().split()): " ".join(row.find("dd").get_text().split())
        for row in soup.select(".govuk-summary-list__row")
    }


async def test_the_page_shows_district_division_and_a_map_link(client: Client) -> None:
    response = await client.get("/areas", params={"postcode": "ox1 1aa"})
    assert response.status_code == 200
    soup = check_page(response.text, "en")
    assert _answer(soup) == {"District": "Oxford", "County division": "Jericho & Osney"}
    heading = soup.find("h2", attrs={"role": "status"})
    assert heading is not None
    assert " ".join(heading.get_text().split()) == "Your area for OX1 1AA"
    field = soup.find("input", attrs={"name": "postcode"})
    assert field is not None
    assert field.get("value") == "ox1 1aa"
    link = soup.find("a", href=lambda href: bool(href) and href.startswith("geo:"))
    assert link is not None
    assert link["href"] == "geo:51.750231,-1.267367?q=51.750231,-1.267367"


async def test_the_page_for_an_outward_code_says_the_division_needs_the_full_postcode(client: Client) -> None:
    response = await client.get("/areas", params={"postcode": "OX10"})
    assert response.status_code == 200
    soup = check_page(response.text, "en")
    assert _answer(soup) == {
        "District": "South Oxfordshire",
        "County division": "Enter your full postcode to see your division.",
    }


@pytest.mark.parametrize("locale", ["en", "ur"])
async def test_a_malformed_postcode_gets_a_field_error_and_keeps_what_was_typed(client: Client, locale: str) -> None:
    response = await client.get("/areas", params={"postcode": "OX1 XYZ"}, headers={"Accept-Language": locale})
    assert response.status_code == 200
    soup = check_page(response.text, locale)
    summary = soup.find(class_="govuk-error-summary")
    assert summary is not None
    summary_link = summary.find("a", href="#postcode")
    assert summary_link is not None
    field = soup.find("input", attrs={"name": "postcode"})
    assert field is not None
    assert field.get("value") == "OX1 XYZ"
    assert "govuk-input--error" in field.get_attribute_list("class")
    error = soup.find(id="postcode-error")
    assert error is not None
    assert "postcode-error" in str(field.get("aria-describedby"))
    assert soup.title is not None
    assert soup.title.get_text().startswith(soup.h1.get_text(strip=True) if soup.h1 else "")


async def test_an_empty_postcode_gets_a_field_error(client: Client) -> None:
    response = await client.get("/areas", params={"postcode": "  "})
    assert response.status_code == 200
    soup = check_page(response.text, "en")
    assert _answer(soup) == {}
    error = soup.find(id="postcode-error")
    assert error is not None
    assert "Enter a postcode" in error.get_text()


@pytest.mark.parametrize("locale", ["en", "ur"])
async def test_a_postcode_outside_oxfordshire_gets_a_polite_message(client: Client, locale: str) -> None:
    response = await client.get("/areas", params={"postcode": "sw1a1aa"}, headers={"Accept-Language": locale})
    assert response.status_code == 200
    soup = check_page(response.text, locale)
    assert _answer(soup) == {}
    assert "SW1A 1AA" in soup.get_text()
    assert soup.find(class_="govuk-error-summary") is None
    field = soup.find("input", attrs={"name": "postcode"})
    assert field is not None
    assert field.get("value") == "sw1a1aa"
