"""Corrections typed or drawn by an editor, turned into changes for the store's log.

Points are often copied from a web map whose datum is not WGS84: Baidu Maps' coordinate picker
gives BD-09, AMap and Tencent give GCJ-02. The editor says which map a point came from and it
is stored in WGS84 (CGCS2000 is WGS84 at map accuracy). A drawing made on the app's map is in
the datum of the basemap shown (GCJ-02 on AMap tiles) and is shifted back the same way.
A reviewer sees what a change does: the area before and after, and how far the park moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from zones.geo import datum
from zones.geo import geometry as geo
from zones.model.dataset import Dataset
from zones.store.log import Change, ChangeError, NewChange

#: Where a point or drawing came from, and how to bring it to WGS84.
DATUMS: dict[str, Callable[[Any, Any], tuple[np.ndarray, np.ndarray]] | None] = {
    "wgs84": None,  # GPS, Tianditu, OpenStreetMap, Google Earth
    "cgcs2000": None,  # China's geodetic datum: WGS84 at map accuracy
    "gcj02": datum.gcj02_to_wgs84,  # AMap (Gaode), Tencent
    "bd09": datum.bd09_to_wgs84,  # Baidu Maps
}


def to_wgs84(lon: float, lat: float, source_datum: str) -> tuple[float, float]:
    """``(lon, lat)`` in ``source_datum`` as WGS84 degrees."""
    convert = _converter(source_datum)
    if convert is None:
        return float(lon), float(lat)
    x, y = convert(lon, lat)
    return float(x), float(y)


def _converter(source_datum: str) -> Callable[[Any, Any], tuple[np.ndarray, np.ndarray]] | None:
    if source_datum not in DATUMS:
        raise ChangeError("unknown_datum", datum=repr(source_datum), datums=", ".join(DATUMS))
    return DATUMS[source_datum]


def geometry_to_wgs84(geom: BaseGeometry, source_datum: str) -> BaseGeometry:
    """Every vertex of ``geom`` from ``source_datum`` to WGS84."""
    convert = _converter(source_datum)
    if convert is None:
        return geom

    def shift(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0], out[:, 1] = convert(coords[:, 0], coords[:, 1])
        return out

    return shapely.transform(geom, shift)


def _need(text: str, code: str) -> str:
    if not str(text or "").strip():
        raise ChangeError(code)
    return str(text).strip()


def location_change(
    park_id: str,
    lon: float,
    lat: float,
    *,
    source_datum: str,
    precision_m: int,
    source: str,
    note: str,
    base_version: int | None = None,
) -> NewChange:
    """A moved point, from coordinates typed in ``source_datum``."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ChangeError("coordinates_not_numbers")
    x, y = to_wgs84(lon, lat, source_datum)
    return NewChange(
        park_id=park_id,
        kind="location",
        new_value={"lon": round(x, 7), "lat": round(y, 7), "precision_m": int(precision_m)},
        source=_need(source, "needs_source"),
        note=_need(note, "needs_note"),
        base_version=base_version,
    )


def footprint_change(
    park_id: str,
    geometry: dict[str, Any] | BaseGeometry,
    *,
    source_datum: str,
    source: str,
    note: str,
    base_version: int | None = None,
) -> NewChange:
    """A drawn or typed boundary (GeoJSON or shapely), from ``source_datum``, as a change.
    A drawing that crosses itself is refused (redraw it), never repaired silently."""
    try:
        geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ChangeError("boundary_not_geojson", reason=exc) from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ChangeError("boundary_not_polygon", type=geom.geom_type)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise ChangeError("boundary_invalid", reason=reason)
    wgs84 = geo.on_grid(geometry_to_wgs84(geom, source_datum))
    return NewChange(
        park_id=park_id,
        kind="footprint",
        new_value={"geometry": mapping(wgs84)},
        source=_need(source, "needs_source"),
        note=_need(note, "needs_note"),
        base_version=base_version,
    )


def attribute_change(
    park_id: str,
    kind: str,
    value: Any,
    *,
    source: str,
    note: str,
    base_version: int | None = None,
) -> NewChange:
    """A corrected area (km²), level or list of district adcodes."""
    keys = {"area": "area_km2", "level": "level", "district": "district_adcodes"}
    if kind not in keys:
        raise ChangeError("unknown_correction", kind=repr(kind), kinds=", ".join(keys))
    return NewChange(
        park_id=park_id,
        kind=kind,
        new_value={keys[kind]: value},
        source=_need(source, "needs_source"),
        note=_need(note, "needs_note"),
        base_version=base_version,
    )


def review_facts(ds: Dataset, change: Change) -> dict[str, Any]:
    """What a reviewer weighs: the park's shape and point now and after the change, the area
    before and after (km²) and how far the park's point moves (m)."""
    park = ds.parks.set_index("id").loc[change.park_id]
    old_shape, old_point = park.geometry, Point(park["lon"], park["lat"])
    facts: dict[str, Any] = {
        "old_geometry": old_shape,
        "new_geometry": None,
        "area_before_km2": round(geo.area_km2(old_shape), 3),
        "area_after_km2": None,
        "moved_m": None,
    }
    value = change.new_value
    if change.kind == "footprint":
        new_shape = shape(value["geometry"])
        facts.update(
            new_geometry=new_shape,
            area_after_km2=round(geo.area_km2(new_shape), 3),
            moved_m=round(geo.distance_m(old_point, new_shape.representative_point())),
        )
    elif change.kind == "location":
        facts["moved_m"] = round(geo.distance_m(old_point, Point(value["lon"], value["lat"])))
    elif change.kind == "area":
        facts["area_after_km2"] = float(value["area_km2"])
    return facts


def review_svg(ds: Dataset, change: Change, *, width: int = 360) -> str:
    """The park now (grey, dashed) and after ``change`` (red) over the district outlines around
    them: an inline SVG a reviewer can weigh without a basemap. Names are not drawn (no text
    from the data reaches it), so it needs no escaping."""
    facts = review_facts(ds, change)
    parts = [facts["old_geometry"]]
    if facts["new_geometry"] is not None:
        parts.append(facts["new_geometry"])
    new_point = None
    if change.kind == "location":
        new_point = Point(change.new_value["lon"], change.new_value["lat"])
        parts.append(new_point)
    x0, y0, x1, y1 = shapely.union_all(parts).buffer(0.01).bounds
    kx = math.cos(math.radians((y0 + y1) / 2))
    scale = width / ((x1 - x0) * kx)
    height = max(round((y1 - y0) * scale), 1)

    def xy(x: float, y: float) -> str:
        return f"{(x - x0) * kx * scale:.1f},{(y1 - y) * scale:.1f}"

    def path(geom: BaseGeometry) -> str:
        rings = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                rings.append("M" + " ".join(xy(x, y) for x, y in ring.coords) + "Z")
        return " ".join(rings)

    window = shapely.box(x0, y0, x1, y1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img">']
    for district in ds.districts.geometry:
        clipped = district.boundary.intersection(window)
        for line in getattr(clipped, "geoms", [clipped]):
            if not line.is_empty and line.geom_type == "LineString":
                out.append(
                    f'<path d="M{" ".join(xy(x, y) for x, y in line.coords)}" fill="none" '
                    'stroke="#888" stroke-width="0.8"/>'
                )
    out.append(
        f'<path d="{path(facts["old_geometry"])}" fill="#999" fill-opacity="0.25" stroke="#555" '
        'stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    if facts["new_geometry"] is not None:
        out.append(
            f'<path d="{path(facts["new_geometry"])}" fill="#d62728" fill-opacity="0.25" '
            'stroke="#d62728" stroke-width="2"/>'
        )
    if new_point is not None:
        cx, cy = xy(new_point.x, new_point.y).split(",")
        out.append(f'<circle cx="{cx}" cy="{cy}" r="5" fill="#d62728"/>')
    out.append("</svg>")
    return "".join(out)
