"""Areas rules: understand a postcode, place it in Oxfordshire, measure distances, list districts and divisions.

Other domains call `AreasService(engine).lookup(postcode)` and `distance_miles(...)`; they never query
the areas tables themselves.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine

from backend.areas.reference import known_areas, refresh_outcode_divisions, upsert_points
from backend.areas.schemas import (
    AreaRef,
    DistrictInfo,
    DivisionInfo,
    Location,
    LookupResult,
    LookupStatus,
    OnspdImportSummary,
    Precision,
)
from backend.areas.tables import District, Division, PostcodeDistrict, PostcodePoint
from backend.core.db import database_identity, write_transaction

EARTH_RADIUS_MILES = 3958.7613  # IUGG mean radius, 6,371.0088 km

# The UK postcode format (BS 7666): the outward code (area letters, district digit(s), optional letter)
# and the inward code (sector digit, two unit letters; C I K M O V are never used in the unit).
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])"  # AA9A
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
OUTWARD_PATTERN, INWARD_PATTERN = _OUTWARD, _INWARD
FULL_POSTCODE = re.compile(rf"^(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})$")
OUTWARD_CODE = re.compile(rf"^{_OUTWARD}$")
MAX_POSTCODE_INPUT = 12  # "OX10 7AA" is 8; room for stray spaces, none for essays
KNOWN_PLACES = 50_000  # every Oxfordshire postcode and outward code fits (about 25,000), a few MB


@dataclass(frozen=True, slots=True)
class ParsedPostcode:
    """A well-formed postcode or outward code, normalised."""

    outcode: str  # "OX4"
    inward: str | None  # "1AA", or None when only the outward code was given

    @property
    def text(self) -> str:
        """`OX4 1AA`, or `OX4` for an outward code alone."""
        return f"{self.outcode} {self.inward}" if self.inward else self.outcode


def parse_postcode(raw: str) -> ParsedPostcode | None:
    """Read a full postcode or an outward code in any case and spacing (`ox4 1aa`, `OX41AA`, ` ox4 `).

    Returns None when the text is not a well-formed UK postcode or outward code.
    """
    if len(raw) > MAX_POSTCODE_INPUT * 4:
        return None
    compact = "".join(raw.split()).upper()
    if not 2 <= len(compact) <= 7:
        return None
    full = FULL_POSTCODE.match(compact)
    if full:
        return ParsedPostcode(outcode=full["outward"], inward=full["inward"])
    if OUTWARD_CODE.match(compact):
        return ParsedPostcode(outcode=compact, inward=None)
    return None


def normalise_postcode(raw: str) -> str | None:
    """`ox41aa` → `OX4 1AA`; ` ox4 ` → `OX4`; None when it is not a UK postcode or outward code."""
    parsed = parse_postcode(raw)
    return parsed.text if parsed else None


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two WGS84 points (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def geo_uri(latitude: float, longitude: float) -> str:
    """An RFC 5870 `geo:` URI that opens the place in the phone's own map app (with a pin on Android)."""
    point = f"{latitude:.6f},{longitude:.6f}"
    return f"geo:{point}?q={point}"


def _ref(code: str | None, name: str | None) -> AreaRef | None:
    return AreaRef(code=code, name=name) if code and name else None


def _location(parsed: ParsedPostcode, row: dict[str, Any], *, precision: Precision, coverage: str) -> Location:
    """A Location from a looked-up row (a postcode's point or an outward code's centroid)."""
    return Location(
        postcode=parsed.text,
        outcode=parsed.outcode,
        district=AreaRef(code=row["district_code"], name=row["district_name"]),
        division=_ref(row["division_code"], row["division_name"]),
        latitude=row["latitude"],
        longitude=row["longitude"],
        precision=precision,
        coverage=coverage,
    )


class AreasService:
    """Postcode lookup and the lists of districts and divisions."""

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine

    async def lookup(self, postcode: str) -> LookupResult:
        """Place a full postcode or outward code in Oxfordshire.

        A full postcode we hold a point for gives that point and its division; otherwise the outward
        code gives its district and centroid (and a division only when the whole outcode lies in one).
        A well-formed postcode elsewhere is `OUTSIDE`; anything else is `INVALID`.
        """
        parsed = parse_postcode(postcode)
        if parsed is None:
            return LookupResult(status=LookupStatus.INVALID, query=postcode.strip()[: MAX_POSTCODE_INPUT * 4])
        found: dict[str, LookupResult] = self._known().setdefault("places", {})
        if parsed.text in found:
            return found[parsed.text]
        location = await self._exact(parsed) if parsed.inward else None
        location = location or await self._by_outcode(parsed)
        if location is None:
            return LookupResult(status=LookupStatus.OUTSIDE, query=parsed.text)
        result = LookupResult(status=LookupStatus.FOUND, query=parsed.text, location=location)
        if len(found) < KNOWN_PLACES:
            found[parsed.text] = result  # only places found: a postcode imported later is then looked up
        return result

    def _known(self) -> dict[str, Any]:
        """What this engine's reference data has already answered (see `reference.known_areas`)."""
        return known_areas.setdefault(database_identity(self.engine), {})

    async def _exact(self, parsed: ParsedPostcode) -> Location | None:
        row = (
            await PostcodePoint.select(
                PostcodePoint.latitude,
                PostcodePoint.longitude,
                PostcodePoint.district.gss_code.as_alias("district_code"),
                PostcodePoint.district.name.as_alias("district_name"),
                PostcodePoint.division.gss_code.as_alias("division_code"),
                PostcodePoint.division.name.as_alias("division_name"),
            )
            .where(PostcodePoint.postcode == parsed.text)
            .first()
            .run()
        )
        return _location(parsed, row, precision="postcode", coverage="exact") if row else None

    async def _by_outcode(self, parsed: ParsedPostcode) -> Location | None:
        row = (
            await PostcodeDistrict.select(
                PostcodeDistrict.latitude,
                PostcodeDistrict.longitude,
                PostcodeDistrict.coverage,
                PostcodeDistrict.district.gss_code.as_alias("district_code"),
                PostcodeDistrict.district.name.as_alias("district_name"),
                PostcodeDistrict.division.gss_code.as_alias("division_code"),
                PostcodeDistrict.division.name.as_alias("division_name"),
            )
            .where(PostcodeDistrict.outcode == parsed.outcode)
            .first()
            .run()
        )
        return _location(parsed, row, precision="outcode", coverage=row["coverage"]) if row else None

    @staticmethod
    def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        """Great-circle distance in miles (see the module function)."""
        return distance_miles(lat1, lon1, lat2, lon2)

    async def list_districts(self) -> list[DistrictInfo]:
        """The districts of Oxfordshire, by name."""
        known = self._known()
        if "districts" not in known:
            rows = await District.select(District.gss_code, District.name, District.slug).order_by(District.name).run()
            known["districts"] = [
                DistrictInfo(code=row["gss_code"], name=row["name"], slug=row["slug"]) for row in rows
            ]
        return list(known["districts"])

    async def list_divisions(self, district: str | None = None) -> list[DivisionInfo]:
        """The county divisions by name, all or those of one district (given by GSS code or slug)."""
        known = self._known()
        if district is None and "divisions" in known:
            return list(known["divisions"])
        query = Division.select(
            Division.gss_code,
            Division.name,
            Division.slug,
            Division.centroid_latitude,
            Division.centroid_longitude,
            Division.district.gss_code.as_alias("district_code"),
            Division.district.name.as_alias("district_name"),
        ).order_by(Division.name)
        if district is not None:
            query = query.where((Division.district.gss_code == district) | (Division.district.slug == district))
        divisions = [
            DivisionInfo(
                code=row["gss_code"],
                name=row["name"],
                slug=row["slug"],
                district=AreaRef(code=row["district_code"], name=row["district_name"]),
                latitude=row["centroid_latitude"],
                longitude=row["centroid_longitude"],
            )
            for row in await query.run()
        ]
        if district is None:
            known["divisions"] = divisions
        return list(divisions)

    async def division(self, code: str) -> DivisionInfo | None:
        """One division by GSS code, or None."""
        return next((item for item in await self.list_divisions() if item.code == code), None)


# The ONS Postcode Directory marks a postcode without a grid reference with these coordinates.
ONSPD_NO_LOCATION_LATITUDE = 99.999999
ONSPD_BATCH = 2000


async def _code_ids(table: type[District] | type[Division]) -> dict[str, int]:
    return {row["gss_code"]: row["id"] for row in await table.select(table.id, table.gss_code).run()}


def _onspd_point(
    row: dict[str, str], district_ids: dict[str, int], division_ids: dict[str, int]
) -> PostcodePoint | str:
    """A point for an Oxfordshire row, or why the row was skipped ("outside" or "unusable")."""
    district_id = district_ids.get((row.get("oslaua") or "").strip())
    if district_id is None:
        return "outside"
    parsed = parse_postcode(row.get("pcds") or "")
    if parsed is None or parsed.inward is None or (row.get("doterm") or "").strip():
        return "unusable"
    try:
        latitude, longitude = float(row["lat"]), float(row["long"])
    except (KeyError, TypeError, ValueError):
        return "unusable"
    if latitude >= ONSPD_NO_LOCATION_LATITUDE or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return "unusable"
    return PostcodePoint(
        postcode=parsed.text,
        outcode=parsed.outcode,
        latitude=latitude,
        longitude=longitude,
        division=division_ids.get((row.get("ced") or "").strip()),
        district=district_id,
    )


async def import_onspd(path: Path | str, engine: Engine[Any] | None = None) -> OnspdImportSummary:
    """Import the ONS Postcode Directory CSV (columns pcds, lat, long, ced, oslaua; doterm if present).

    Streams the file, keeps live Oxfordshire postcodes (those whose `oslaua` is an Oxfordshire district),
    and upserts them in batches, so running it again changes nothing. Afterwards an outward code gets
    a division when all its postcodes lie in one.
    """
    engine = engine or PostcodePoint._meta.db
    district_ids = await _code_ids(District)
    division_ids = await _code_ids(Division)
    read = imported = outside = unusable = 0
    batch: list[PostcodePoint] = []

    async def flush() -> None:
        if batch:
            async with write_transaction(engine):
                await upsert_points(batch)
            batch.clear()

    handle = await asyncio.to_thread(Path(path).open, newline="", encoding="utf-8-sig")
    try:
        reader = csv.DictReader(handle)
        # The directory is large: read it a batch at a time, off the event loop.
        while rows := await asyncio.to_thread(list, itertools.islice(reader, ONSPD_BATCH)):
            for row in rows:
                read += 1
                point = _onspd_point(row, district_ids, division_ids)
                if point == "outside":
                    outside += 1
                elif isinstance(point, str):
                    unusable += 1
                else:
                    batch.append(point)
                    imported += 1
            await flush()
    finally:
        handle.close()
    await flush()
    await flush()
    async with write_transaction(engine):
        await refresh_outcode_divisions()
    return OnspdImportSummary(rows_read=read, imported=imported, skipped_outside=outside, skipped_unusable=unusable)
