"""SQL helpers for the listing search: the radius search's geometry and the bit-set filters.

A radius search keeps a bounding box and an equirectangular distance in SQL (exact enough at county scale to
decide membership and order); on PostgreSQL, a GiST index on a scaled point orders it nearest first.
"""

from __future__ import annotations

import math

from backend.areas.services import EARTH_RADIUS_MILES

# Longitude is scaled by cos(51.7°), the county's middle latitude, in the PostgreSQL index that orders radius
# searches (the listing_indexes migration): `LISTING_POINT` must match the index's expression exactly.
LONGITUDE_SCALE = 0.62
LISTING_POINT = "point(longitude * 0.62, latitude)"


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """South, north, west and east edges of the box `miles` around a point (in degrees)."""
    d_lat = math.degrees(miles / EARTH_RADIUS_MILES)
    d_lon = d_lat / max(0.01, math.cos(math.radians(lat)))
    return lat - d_lat, lat + d_lat, lon - d_lon, lon + d_lon


# Squared equirectangular distance in degrees of latitude, with `{}` placeholders for the centre's latitude
# (twice), its longitude (twice) and the square of the longitude's scale (see `distance_params`).
DISTANCE_SQL = "((latitude - {}) * (latitude - {}) + (longitude - {}) * (longitude - {}) * {})"


def distance_params(lat: float, lon: float, scale: float | None = None) -> tuple[float, ...]:
    """`DISTANCE_SQL`'s values around a centre (longitude scaled by `scale`, by default the cosine of its
    latitude)."""
    k = math.cos(math.radians(lat)) if scale is None else scale
    return (lat, lat, lon, lon, k * k)


def bits(mask: int) -> list[int]:
    """The single bits of a bit set: `(column & 5) = 5` is `(column & 1) = 1 AND (column & 4) = 4`."""
    return [1 << bit for bit in range(mask.bit_length()) if mask >> bit & 1]


def degrees_squared(miles: float) -> float:
    """A distance in miles as squared degrees of latitude (what `DISTANCE_SQL` is compared with)."""
    return float(math.degrees(miles / EARTH_RADIUS_MILES) ** 2)
