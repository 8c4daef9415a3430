"""A server-rendered SVG map of the divisions whose boundaries we hold (Oxford city), without map tiles."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

BOUNDARIES = Path(__file__).resolve().parent.parent / "areas" / "data" / "oxford-city-divisions-2025.geojson"
WIDTH = 400.0
# Shades from light to dark (WCAG: the table beside the map carries the numbers; colour is never the only cue).
SHADES = ("#f3f2f1", "#c9e4de", "#8cc5b9", "#3f9c8a", "#00594f")


@dataclass(frozen=True)
class MapShape:
    """One division's outline as an SVG path."""

    code: str
    name: str
    path: str


@dataclass(frozen=True)
class MapView:
    """The map's shapes and its size."""

    width: float
    height: float
    shapes: tuple[MapShape, ...]


@functools.cache
def city_map() -> MapView:
    """Project the boundaries once (equirectangular, longitude scaled by the cosine of the mid latitude)."""
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    rings: list[tuple[str, str, list[list[list[float]]]]] = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        outer = [ring for polygon in polygons for ring in polygon]
        rings.append((feature["properties"]["CED25CD"], feature["properties"]["NAME"], outer))
    points = [point for _code, _name, parts in rings for ring in parts for point in ring]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * scale_x
    span_y = max(lats) - min(lats)
    factor = WIDTH / span_x
    height = round(span_y * factor, 1)

    def project(point: list[float]) -> str:
        x = (point[0] - min(lons)) * scale_x * factor
        y = (max(lats) - point[1]) * factor
        return f"{x:.1f},{y:.1f}"

    shapes = []
    for code, name, parts in rings:
        path = " ".join("M" + " L".join(project(point) for point in ring) + " Z" for ring in parts)
        shapes.append(MapShape(code=code, name=name, path=path))
    return MapView(width=WIDTH, height=height, shapes=tuple(sorted(shapes, key=lambda shape: shape.name)))


def shade(count: int, highest: int) -> str:
    """The fill for a count, in five bands up to the highest count shown."""
    if count <= 0 or highest <= 0:
        return SHADES[0]
    band = min(len(SHADES) - 1, 1 + (count * (len(SHADES) - 1) - 1) // highest)
    return SHADES[band]
