from __future__ import annotations

import math

import pytest

from backend.areas.reference import division_centroids, polygon_centroid, slugify
from backend.areas.services import distance_miles, geo_uri, normalise_postcode, parse_postcode


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("OX1 1AA", "OX1 1AA"),
        ("ox4 1aa", "OX4 1AA"),
        ("OX41AA", "OX4 1AA"),
        ("  ox4   1aa ", "OX4 1AA"),
        ("o x 4 1 a a", "OX4 1AA"),
        ("ox10 7aa", "OX10 7AA"),
        ("\tOX10\n7AA", "OX10 7AA"),
        (" ox4 ", "OX4"),
        ("ox10", "OX10"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("rg9", "RG9"),
    ],
)
def test_postcodes_are_normalised_whatever_the_spacing_and_case(typed: str, expected: str) -> None:
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "OX",
        "X",
        "12345",
        "OX1 1A",
        "OX1 1AAA",
        "OX1 AAA",
        "OXX 1AA",
        "QX1 1AA",  # Q never starts a postcode
        "OX1 1CA",  # C never appears in the unit
        "OX1 1AI",  # nor I
        "OX4 1AA OX4 1AA",
        "hello",
        "<script>",
        "ΟΧ4 1ΑΑ",  # Greek letters that look Latin
        "OX4-1AA",
        "x" * 500,
    ],
)
def test_malformed_postcodes_are_refused(typed: str) -> None:
    assert normalise_postcode(typed) is None


def test_parsed_postcode_keeps_its_parts() -> None:
    full = parse_postcode("ox10 7aa")
    assert full is not None
    assert (full.outcode, full.inward, full.text) == ("OX10", "7AA", "OX10 7AA")
    outward = parse_postcode("ox10")
    assert outward is not None
    assert (outward.outcode, outward.inward, outward.text) == ("OX10", None, "OX10")


def test_distance_is_zero_to_the_same_place_and_symmetric() -> None:
    assert distance_miles(51.75, -1.26, 51.75, -1.26) == 0
    there = distance_miles(51.75, -1.26, 51.6, -1.13)
    back = distance_miles(51.6, -1.13, 51.75, -1.26)
    assert there == pytest.approx(back)


def test_distance_matches_known_lengths() -> None:
    # One degree of latitude along a meridian: 2πR/360 on the mean-radius sphere (about 69.1 miles).
    assert distance_miles(51.0, -1.0, 52.0, -1.0) == pytest.approx(2 * math.pi * 3958.7613 / 360, rel=1e-9)
    # Oxford (Carfax) to Banbury (Cross) is about 21.5 miles as the crow flies.
    assert distance_miles(51.7520, -1.2577, 52.0607, -1.3403) == pytest.approx(21.6, abs=0.3)
    # Antipodes: half the circumference, without a domain error from rounding.
    assert distance_miles(0, 0, 0, 180) == pytest.approx(math.pi * 3958.7613)


def test_geo_uri_opens_the_point_in_a_map_app() -> None:
    assert geo_uri(51.750231, -1.267367) == "geo:51.750231,-1.267367?q=51.750231,-1.267367"


def test_polygon_centroid_of_a_square_with_a_hole_either_winding() -> None:
    square = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
    assert polygon_centroid({"type": "Polygon", "coordinates": [square]}) == pytest.approx((2.0, 2.0))
    assert polygon_centroid({"type": "Polygon", "coordinates": [square[::-1]]}) == pytest.approx((2.0, 2.0))
    hole = [[2.0, 0.0], [4.0, 0.0], [4.0, 4.0], [2.0, 4.0], [2.0, 0.0]]  # the right half removed
    latitude, longitude = polygon_centroid({"type": "Polygon", "coordinates": [square, hole]})
    assert (latitude, longitude) == pytest.approx((2.0, 1.0))


def test_polygon_centroid_of_a_multipolygon_weights_by_area() -> None:
    small = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]  # unclosed rings are closed for you
    large = [[10.0, 0.0], [13.0, 0.0], [13.0, 3.0], [10.0, 3.0], [10.0, 0.0]]
    latitude, longitude = polygon_centroid({"type": "MultiPolygon", "coordinates": [[small], [large]]})
    assert longitude == pytest.approx((0.5 * 1 + 11.5 * 9) / 10)
    assert latitude == pytest.approx((0.5 * 1 + 1.5 * 9) / 10)


def test_polygon_centroid_refuses_other_shapes() -> None:
    with pytest.raises(ValueError, match="Point"):
        polygon_centroid({"type": "Point", "coordinates": [0.0, 0.0]})


def test_oxford_division_centroids_come_from_the_boundaries() -> None:
    centroids = division_centroids()
    assert len(centroids) == 13
    for latitude, longitude in centroids.values():
        # Inside Oxford city's bounding box.
        assert 51.70 < latitude < 51.80
        assert -1.31 < longitude < -1.16
    # Bartlemas: the geometry's centroid, not the GeoJSON's truncated LAT/LONG properties.
    assert centroids["E58002050"] == pytest.approx((51.74344, -1.23024), abs=1e-4)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Vale of White Horse", "vale-of-white-horse"), ("Jericho & Osney", "jericho-osney"), ("Oxford", "oxford")],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
