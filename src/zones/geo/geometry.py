"""Geometry of the layout: read geo/ files, cut district parts, unite belts, draw footprints.

Everything is stored in WGS84 (EPSG:4326). Lengths and areas are measured in EPSG:4549
(CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres), which covers Ningbo with <0.1 % scale error.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from zones.errors import DataError, Problem
from zones.geo.crs import COORD_DECIMALS, PROJECTED, WGS84
from zones.model.tables import read_text
from zones.settings import NINGBO_BOUNDS

POLYGONAL = ("Polygon", "MultiPolygon")


@functools.cache
def _transformer(source: str, target: str) -> Transformer:
    """The lon/lat-ordered transformer from ``source`` to ``target``, made on first use (making
    one reads PROJ's database: about 0.05 s each, which importing this module need not pay)."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` (WGS84 lon/lat) in EPSG:4549 metres."""
    to_m = _transformer(WGS84, PROJECTED)
    return shapely.transform(geom, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))


def to_degrees(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` (EPSG:4549 metres) in WGS84 lon/lat."""
    to_deg = _transformer(PROJECTED, WGS84)
    return shapely.transform(geom, lambda xy: np.column_stack(to_deg.transform(xy[:, 0], xy[:, 1])))


def area_km2(geom: BaseGeometry) -> float:
    """Area of a WGS84 geometry in km², measured in EPSG:4549."""
    return float(to_metres(geom).area) / 1e6


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest distance in metres between two WGS84 geometries, measured in EPSG:4549."""
    return float(to_metres(a).distance(to_metres(b)))


#: Grid of stored coordinates: 1e-7° (about 1 cm, :data:`zones.geo.crs.COORD_DECIMALS`), as in
#: geo/districts.geojson.
GRID_DEG = 10.0**-COORD_DECIMALS


def on_grid(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` snapped to :data:`GRID_DEG` so that rounding on export cannot make it invalid."""
    return shapely.set_precision(geom, GRID_DEG)


def round_coordinates(geoms: Any, decimals: int = COORD_DECIMALS) -> Any:
    """``geoms`` (an array of geometries, or one) with coordinates rounded to ``decimals``,
    still valid.

    Plain rounding can make a valid polygon invalid (two close vertices of a hand-drawn cut
    collapse into a self-intersection; LIBKML then refuses the feature). Those few geometries
    are snap-rounded to the same grid by GEOS instead, which keeps them valid. Missing
    geometries stay missing.
    """
    single = isinstance(geoms, BaseGeometry)
    array = np.atleast_1d(np.asarray(geoms, dtype=object))
    rounded = shapely.transform(array, lambda xy: np.round(xy, decimals))
    broken = shapely.is_valid(array) & ~shapely.is_valid(rounded)
    if broken.any():
        rounded[broken] = shapely.set_precision(array[broken], 10.0**-decimals)
    return rounded[0] if single else rounded


def for_export(geoms: Any) -> Any:
    """WGS84 ``geoms`` as every file zones writes holds them (RFC 7946): coordinates on the
    :data:`zones.geo.crs.COORD_DECIMALS` grid (:func:`round_coordinates`), exterior rings
    counter-clockwise, holes clockwise."""
    return shapely.orient_polygons(round_coordinates(geoms), exterior_cw=False)


def read_features(path: Path, *, id_field: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Read a GeoJSON FeatureCollection of polygons in WGS84.

    Returns one dict per usable feature (its properties plus ``geometry`` and ``_feature``, the
    1-based feature number) and a problem per unusable one: not polygonal, invalid, empty,
    outside Ningbo (the classic sign of a projected or swapped CRS), or missing ``id_field``.
    A file that is not JSON, not UTF-8 or declares a non-WGS84 ``crs`` raises DataError.
    """
    name = str(path)
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(Problem(name, exc.lineno, None, f"not valid JSON: {exc.msg}")) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataError(Problem(name, None, None, "not a GeoJSON FeatureCollection"))
    crs = doc.get("crs")
    if crs is not None:
        props = crs.get("properties") if isinstance(crs, dict) else None
        crs_name = str((props or {}).get("name", crs))
        if not any(tag in crs_name for tag in ("4326", "CRS84")):
            msg = f"declares crs {crs_name!r}; zones reads WGS84 lon/lat (EPSG:4326) only"
            raise DataError(Problem(name, None, "crs", msg))
    features, problems = [], []
    for number, feature in enumerate(doc.get("features") or [], start=1):
        props = dict((feature or {}).get("properties") or {})
        if not str(props.get(id_field, "")).strip():
            problems.append(Problem(name, number, id_field, "missing"))
            continue
        try:
            geom = shape(feature["geometry"])
        except Exception as exc:
            problems.append(Problem(name, number, "geometry", f"unreadable geometry: {exc}"))
            continue
        if geom.geom_type not in POLYGONAL:
            problems.append(
                Problem(name, number, "geometry", f"is a {geom.geom_type}, expected a polygon")
            )
            continue
        if geom.is_empty:
            problems.append(Problem(name, number, "geometry", "is empty"))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(name, number, "geometry", f"is invalid: {reason}"))
            continue
        if not shapely.box(*NINGBO_BOUNDS).contains(geom):
            bounds = ", ".join(f"{v:.4f}" for v in geom.bounds)
            msg = f"lies outside Ningbo ({bounds}); is it WGS84 lon/lat?"
            problems.append(Problem(name, number, "geometry", msg))
            continue
        props["geometry"] = geom
        props["_feature"] = number
        features.append(props)
    return features, problems


def frame(features: list[dict[str, Any]], columns: list[str]) -> gpd.GeoDataFrame:
    """A WGS84 GeoDataFrame of ``columns`` (plus geometry) from feature dicts."""
    data = {c: [f.get(c, "") for f in features] for c in columns}
    geoms = [f["geometry"] for f in features]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)


def disk(lon: float, lat: float, area: float) -> BaseGeometry:
    """A WGS84 polygon approximating a circle of ``area`` km² centred on ``lon``, ``lat``."""
    centre = to_metres(Point(lon, lat))
    radius = math.sqrt(area * 1e6 / math.pi)
    return to_degrees(centre.buffer(radius, quad_segs=16))


def indicative_footprint(lon: float, lat: float, area: float, clip: BaseGeometry) -> BaseGeometry:
    """A disk of ``area`` km² at the location, clipped to ``clip`` (land of the park's districts).

    Falls back to the unclipped disk when the clip leaves nothing (a location off the land).
    """
    circle = disk(lon, lat, area)
    if shapely.contains(clip, circle):  # most disks lie inside: no intersection to compute
        return circle
    clipped = shapely.make_valid(circle.intersection(clip))
    polygons = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type in POLYGONAL]
    if not polygons:
        return circle
    return shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]


def estimate_locations(
    anchors: dict[str, BaseGeometry], ring_m: float = 3000.0
) -> dict[str, tuple[float, float, int]]:
    """Estimate a point for each park that has only an area it lies in (``anchors``).

    The point is the area's representative point. Parks whose areas have the same
    representative point (the same area, or areas that differ only where the point is not) are
    spread on a ring of ``ring_m`` around it, in id order, so their footprints do not hide one
    another; a ring point outside a park's own area falls back to the centre.
    Returns park id -> (lon, lat, precision in metres), the precision being the distance from
    the point to the farthest point of the area: the true location can be anywhere in it.
    """
    groups: dict[bytes, list[str]] = {}
    cache: dict[bytes, tuple[BaseGeometry, BaseGeometry]] = {}
    for park_id in sorted(anchors):
        key = shapely.to_wkb(anchors[park_id])
        if key not in cache:
            area = to_metres(anchors[park_id])
            cache[key] = (area, area.representative_point())
        centre = cache[key][1]
        groups.setdefault(shapely.to_wkb(shapely.set_precision(centre, 1.0)), []).append(park_id)
    out: dict[str, tuple[float, float, int]] = {}
    for ids in groups.values():
        for i, park_id in enumerate(ids):
            area, centre = cache[shapely.to_wkb(anchors[park_id])]
            point = centre
            if len(ids) > 1:
                angle = 2 * math.pi * i / len(ids)
                dx, dy = ring_m * math.sin(angle), ring_m * math.cos(angle)
                ring = Point(centre.x + dx, centre.y + dy)
                point = ring if area.contains(ring) else centre
            precision = shapely.hausdorff_distance(point, area)
            lonlat = to_degrees(point)
            out[park_id] = (
                round(lonlat.x, 6),
                round(lonlat.y, 6),
                int(math.ceil(precision / 1000.0) * 1000),
            )
    return out
