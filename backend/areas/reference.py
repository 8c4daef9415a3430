"""Load the Oxfordshire reference data in backend/areas/data/ (see its README for sources and licence).

Run by `python -m backend.cli migrate` after the migrations. Idempotent: every row is upserted by its
official code, so running it again changes nothing and duplicates nothing.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from backend.areas.tables import District, Division, PostcodeDistrict, PostcodePoint
from backend.core.db import write_transaction

logger = logging.getLogger("hearby.areas")

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA_DIR / "oxfordshire-divisions.csv"
POSTCODE_DISTRICTS_CSV = DATA_DIR / "oxfordshire-postcode-districts.csv"
POSTCODE_POINTS_CSV = DATA_DIR / "oxford-city-postcode-to-division.csv"
DIVISION_BOUNDARIES = DATA_DIR / "oxford-city-divisions-2025.geojson"

BATCH_SIZE = 500  # rows per INSERT … ON CONFLICT statement (well inside SQLite's variable limit)

Ring = Sequence[Sequence[float]]

# What `AreasService` has read already, per database: places found by postcode and the lists of
# districts and divisions. Reference data is written only by the functions below (a release's CLI run, or an
# ONSPD import), and each of them forgets it all; web processes start afresh after a release anyway.
known_areas: dict[str, dict[str, Any]] = {}


def forget_known_areas() -> None:
    """Drop what AreasService remembers of every database (called after any reference data is written)."""
    known_areas.clear()


def slugify(name: str) -> str:
    """`Vale of White Horse` → `vale-of-white-horse`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", " ")).strip("-")


def _ring_moments(ring: Ring) -> tuple[float, float, float]:
    """Signed area and first moments of a closed ring (shoelace formula)."""
    area = cx = cy = 0.0
    points = list(ring)
    if points[0] != points[-1]:
        points.append(points[0])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return area / 2, cx / 6, cy / 6


def polygon_centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """The area centroid (latitude, longitude) of a GeoJSON Polygon or MultiPolygon, holes subtracted.

    Computed on longitude/latitude as plane coordinates: over a few kilometres that is an affine map of
    the ground, and centroids are preserved by affine maps.
    """
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"no centroid for a {geometry['type']}")
    total_area = total_x = total_y = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, mx, my = _ring_moments(ring)
            # GeoJSON winding is not always honoured: the outer ring adds, holes subtract, whatever their order.
            sign = 1.0 if index == 0 else -1.0
            if area < 0:
                area, mx, my = -area, -mx, -my
            total_area += sign * area
            total_x += sign * mx
            total_y += sign * my
    if total_area == 0:
        raise ValueError("a polygon with no area")
    return total_y / total_area, total_x / total_area


def division_centroids(path: Path = DIVISION_BOUNDARIES) -> dict[str, tuple[float, float]]:
    """GSS code → (latitude, longitude) for each division whose boundary we hold."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    return {
        feature["properties"]["CED25CD"]: polygon_centroid(feature["geometry"]) for feature in collection["features"]
    }


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def batched(rows: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` rows."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _upsert_districts(division_rows: list[dict[str, str]]) -> dict[str, int]:
    names = {row["district_gss_code"]: row["district"] for row in division_rows}
    rows = [District(gss_code=code, name=name, slug=slugify(name)) for code, name in sorted(names.items())]
    await (
        District.insert(*rows)
        .on_conflict(target=District.gss_code, action="DO UPDATE", values=[District.name, District.slug])
        .run()
    )
    found = await District.select(District.id, District.gss_code).run()
    return {row["gss_code"]: row["id"] for row in found}


async def _upsert_divisions(division_rows: list[dict[str, str]], district_ids: dict[str, int]) -> dict[str, int]:
    centroids = division_centroids()
    rows = []
    for row in division_rows:
        latitude, longitude = centroids.get(row["gss_code"], (None, None))
        rows.append(
            Division(
                gss_code=row["gss_code"],
                name=row["division_name"],
                slug=row["slug"],
                district=district_ids[row["district_gss_code"]],
                centroid_latitude=latitude,
                centroid_longitude=longitude,
            )
        )
    await (
        Division.insert(*rows)
        .on_conflict(
            target=Division.gss_code,
            action="DO UPDATE",
            values=[
                Division.name,
                Division.slug,
                Division.district,
                Division.centroid_latitude,
                Division.centroid_longitude,
            ],
        )
        .run()
    )
    found = await Division.select(Division.id, Division.gss_code).run()
    return {row["gss_code"]: row["id"] for row in found}


async def _upsert_postcode_districts(district_ids: dict[str, int]) -> None:
    rows = [
        PostcodeDistrict(
            outcode=row["outcode"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            district=district_ids[row["lad_code"]],
            coverage=row["coverage_in_oxfordshire"],
            oxfordshire_share=float(row["oxfordshire_share"]),
            postcodes_total=int(row["postcodes_total"]),
        )
        for row in _read_csv(POSTCODE_DISTRICTS_CSV)
    ]
    await (
        PostcodeDistrict.insert(*rows)
        .on_conflict(
            target=PostcodeDistrict.outcode,
            action="DO UPDATE",
            values=[
                PostcodeDistrict.latitude,
                PostcodeDistrict.longitude,
                PostcodeDistrict.district,
                PostcodeDistrict.coverage,
                PostcodeDistrict.oxfordshire_share,
                PostcodeDistrict.postcodes_total,
            ],
        )
        .run()
    )


async def upsert_points(rows: Sequence[PostcodePoint]) -> None:
    """Insert postcode points, or update the ones already held (by postcode)."""
    forget_known_areas()
    for batch in batched(rows):
        await (
            PostcodePoint.insert(*batch)
            .on_conflict(
                target=PostcodePoint.postcode,
                action="DO UPDATE",
                values=[
                    PostcodePoint.outcode,
                    PostcodePoint.latitude,
                    PostcodePoint.longitude,
                    PostcodePoint.division,
                    PostcodePoint.district,
                ],
            )
            .run()
        )


async def _upsert_city_points(district_ids: dict[str, int], division_ids: dict[str, int]) -> None:
    rows = []
    for row in _read_csv(POSTCODE_POINTS_CSV):
        postcode = row["postcode"]
        rows.append(
            PostcodePoint(
                postcode=postcode,
                outcode=postcode.split(" ", maxsplit=1)[0],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                division=division_ids.get(row["ced_code"]),
                district=district_ids[row["lad_code"]],
            )
        )
    await upsert_points(rows)


async def refresh_outcode_divisions() -> None:
    """Give an outward code a division only when every one of its live postcodes is held and all share it."""
    forget_known_areas()
    counts = await PostcodePoint.raw(
        "SELECT outcode, COUNT(*) AS postcodes, COUNT(division) AS placed, "
        "COUNT(DISTINCT division) AS divisions, MIN(division) AS division "
        "FROM postcode_point GROUP BY outcode"
    ).run()
    by_outcode = {row["outcode"]: row for row in counts}
    outcodes = await PostcodeDistrict.select(
        PostcodeDistrict.id, PostcodeDistrict.outcode, PostcodeDistrict.postcodes_total, PostcodeDistrict.division
    ).run()
    for outcode in outcodes:
        row = by_outcode.get(outcode["outcode"])
        division = None
        if (
            row is not None
            and row["postcodes"] >= outcode["postcodes_total"] > 0
            and row["placed"] == row["postcodes"]
            and row["divisions"] == 1
        ):
            division = row["division"]
        if division != outcode["division"]:
            await (
                PostcodeDistrict.update({PostcodeDistrict.division: division})
                .where(PostcodeDistrict.id == outcode["id"])
                .run()
            )


async def load_reference_data() -> None:
    """Upsert the 5 districts, 69 divisions, 38 postcode districts and 3,689 Oxford-city postcode points."""
    started = time.perf_counter()
    forget_known_areas()
    division_rows = _read_csv(DIVISIONS_CSV)
    async with write_transaction(District._meta.db):
        district_ids = await _upsert_districts(division_rows)
        division_ids = await _upsert_divisions(division_rows, district_ids)
        await _upsert_postcode_districts(district_ids)
        await _upsert_city_points(district_ids, division_ids)
        await refresh_outcode_divisions()
    logger.info("areas reference data loaded in %.2f s", time.perf_counter() - started)
