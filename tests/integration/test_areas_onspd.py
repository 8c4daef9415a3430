"""The ONS Postcode Directory import: exact postcode → division lookups county-wide, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.areas.reference import refresh_outcode_divisions
from backend.areas.services import AreasService, import_onspd
from backend.areas.tables import PostcodeDistrict, PostcodePoint
from backend.core.db import bind_tables, make_engine
from backend.settings import REPO_ROOT, Settings

# A real ONSPD has some fifty columns; the import reads five (and `doterm`) and ignores the rest.
HEADER = ["pcd", "pcd2", "pcds", "dointr", "doterm", "oscty", "ced", "oslaua", "osward", "lat", "long", "ctry"]
SOUTH_OXFORDSHIRE = "E07000179"
WATLINGTON = "E58002102"
WALLINGFORD = "E58002100"
OX49_POSTCODES = 230  # every live postcode of OX49, per oxfordshire-postcode-districts.csv
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _row(pcds: str, lat: str, long: str, ced: str, oslaua: str, *, doterm: str = "") -> dict[str, str]:
    return {
        "pcd": pcds.replace(" ", ""),
        "pcd2": pcds,
        "pcds": pcds,
        "dointr": "198001",
        "doterm": doterm,
        "oscty": "E10000025",
        "ced": ced,
        "oslaua": oslaua,
        "osward": "E05000000",
        "lat": lat,
        "long": long,
        "ctry": "E92000001",
    }


def ox49_postcodes() -> list[str]:
    units = ("".join(pair) for pair in itertools.product(UNIT_LETTERS, repeat=2))
    return [f"OX49 5{unit}" for unit in itertools.islice(units, OX49_POSTCODES)]


def write_onspd(path: Path) -> Path:
    """A small file shaped like the ONSPD: all of OX49 in one division, and the awkward rows."""
    rows = [_row(code, "51.6503", "-1.0018", WATLINGTON, SOUTH_OXFORDSHIRE) for code in ox49_postcodes()]
    rows += [
        _row("OX10 7AB", "51.601234", "-1.125678", WALLINGFORD, SOUTH_OXFORDSHIRE),
        _row("OX1 1AA", "51.750231", "-1.267367", "E58002084", "E07000178"),  # already held: updated, not doubled
        _row("SW1A 1AA", "51.501009", "-0.141588", "E99999999", "E09000033"),  # Westminster: not ours
        _row("OX10 9ZZ", "51.6", "-1.1", WALLINGFORD, SOUTH_OXFORDSHIRE, doterm="201001"),  # terminated
        _row("OX10 9ZY", "99.999999", "0.000000", WALLINGFORD, SOUTH_OXFORDSHIRE),  # no grid reference
        _row("NOT A CODE", "51.6", "-1.1", WALLINGFORD, SOUTH_OXFORDSHIRE),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
async def areas(settings: Settings) -> AsyncIterator[AreasService]:
    """The service on a pool-less engine of this test's loop; removes what the import added afterwards."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    yield AreasService(engine)
    await PostcodePoint.delete().where(PostcodePoint.outcode.is_in(["OX49", "OX10"]))
    await refresh_outcode_divisions()


async def test_import_adds_oxfordshire_postcodes_with_their_divisions(areas: AreasService, tmp_path: Path) -> None:
    before = await PostcodePoint.count()
    source = write_onspd(tmp_path / "ONSPD_TEST_UK.csv")

    summary = await import_onspd(source)

    assert (summary.rows_read, summary.imported, summary.skipped_outside, summary.skipped_unusable) == (
        OX49_POSTCODES + 6,
        OX49_POSTCODES + 2,
        1,
        3,
    )
    assert await PostcodePoint.count() == before + OX49_POSTCODES + 1

    exact = (await areas.lookup("ox107ab")).location
    assert exact is not None
    assert exact.precision == "postcode"
    assert exact.division is not None
    assert exact.division.name == "Wallingford"
    assert exact.district.name == "South Oxfordshire"
    assert (exact.latitude, exact.longitude) == pytest.approx((51.601234, -1.125678))

    # Every live OX49 postcode is now known and all lie in one division, so the outward code has it too.
    outward = (await areas.lookup("OX49")).location
    assert outward is not None
    assert outward.precision == "outcode"
    assert outward.division is not None
    assert outward.division.name == "Watlington & Rotherfield"
    # OX10 is only partly known: its outward code still names no division.
    ox10 = (await areas.lookup("OX10")).location
    assert ox10 is not None
    assert ox10.division is None

    for skipped in ("OX10 9ZZ", "OX10 9ZY"):
        location = (await areas.lookup(skipped)).location
        assert location is not None
        assert location.precision == "outcode"
    assert (await areas.lookup("SW1A 1AA")).location is None
    jericho = (await areas.lookup("OX1 1AA")).location
    assert jericho is not None
    assert jericho.division is not None
    assert jericho.division.name == "Jericho & Osney"


async def test_a_place_looked_up_before_an_import_is_placed_afresh_after_it(
    areas: AreasService, tmp_path: Path
) -> None:
    """Places found are remembered per database (reference data), so an import must make them be found again."""
    before = (await areas.lookup("OX10 7AB")).location
    assert before is not None
    assert before.precision == "outcode"  # not held yet: placed by its outward code

    await import_onspd(write_onspd(tmp_path / "ONSPD_TEST_UK.csv"))

    after = (await areas.lookup("OX10 7AB")).location
    assert after is not None
    assert after.precision == "postcode"
    assert (after.latitude, after.longitude) == pytest.approx((51.601234, -1.125678))


async def test_importing_the_same_file_again_duplicates_nothing(areas: AreasService, tmp_path: Path) -> None:
    source = write_onspd(tmp_path / "onspd.csv")
    first = await import_onspd(source)
    count = await PostcodePoint.count()
    ids = await PostcodePoint.select(PostcodePoint.id).where(PostcodePoint.outcode == "OX49").order_by(PostcodePoint.id)

    second = await import_onspd(source)

    assert second == first
    assert await PostcodePoint.count() == count
    assert (
        await PostcodePoint.select(PostcodePoint.id).where(PostcodePoint.outcode == "OX49").order_by(PostcodePoint.id)
        == ids
    )


async def test_an_outcode_loses_its_division_when_its_postcodes_disagree(areas: AreasService, tmp_path: Path) -> None:
    await import_onspd(write_onspd(tmp_path / "onspd.csv"))
    moved = tmp_path / "moved.csv"
    with moved.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerow(_row(ox49_postcodes()[0], "51.65", "-1.0", "E58002060", SOUTH_OXFORDSHIRE))
    await import_onspd(moved)
    outcode = await PostcodeDistrict.select(PostcodeDistrict.division).where(PostcodeDistrict.outcode == "OX49").first()
    assert outcode == {"division": None}


async def test_the_command_line_imports_a_file(areas: AreasService, settings: Settings, tmp_path: Path) -> None:
    source = write_onspd(tmp_path / "onspd.csv")
    env = {**os.environ, "DATABASE_URL": settings.database_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "backend.areas.import_onspd", str(source)]

    done = await asyncio.to_thread(
        subprocess.run, command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )

    assert f"{OX49_POSTCODES + 2} Oxfordshire postcodes imported" in done.stdout
    location = (await areas.lookup("OX49 5AB")).location
    assert location is not None
    assert location.precision == "postcode"


def test_the_command_line_refuses_a_missing_file(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "backend.areas.import_onspd", str(tmp_path / "nothing.csv")]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "no such file" in done.stderr
