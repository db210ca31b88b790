"""The one GeoJSON writer: RFC 7946 FeatureCollections, one feature per line, deterministic.

Every GeoJSON file zones writes comes from here: the exports and the bundle
(:func:`frame_bytes`, through :func:`zones.io.export.geojson_bytes`), geo/districts.geojson
(:mod:`zones.build.boundaries`) and, feature by feature, geo/surveyed_footprints.geojson
(:func:`feature_json` and :func:`collection_bytes`, which keep a file's untouched features as
they are). The layout:

- a ``FeatureCollection`` with ``type``, ``name`` (when given) and ``features``;
- one feature per line, each ``type``, ``properties``, ``geometry`` (``null`` when missing or
  empty), compact (no spaces), UTF-8 text as it is (not ``\\u`` escaped), no NaN;
- no ``crs`` member: coordinates are WGS84 lon/lat, which the writer does not check. Give it
  geometries prepared by :func:`zones.geo.geometry.for_export` (on the 1e-7° grid, exterior rings
  counter-clockwise).

The same features give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
from shapely.geometry import mapping

from zones.model import cells


def geometry_json(geom: Any) -> dict[str, Any] | None:
    """The GeoJSON geometry object of a shapely ``geom``; None when missing or empty."""
    if geom is None or geom.is_empty:
        return None
    return dict(mapping(geom))


def feature_json(properties: Mapping[str, Any], geom: Any) -> str:
    """One feature as a line of compact JSON: ``type``, ``properties`` (plain JSON values, in
    the order given) and ``geometry``.

    Raises
    ------
    ValueError
        When a property is NaN or infinite (:func:`zones.model.cells.plain` makes them None).
    """
    feature = {"type": "Feature", "properties": dict(properties), "geometry": geometry_json(geom)}
    return json.dumps(feature, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def collection_bytes(features: Iterable[str], name: str | None = None) -> bytes:
    """A FeatureCollection of ``features`` (lines of :func:`feature_json`), UTF-8.

    ``name`` becomes the collection's ``name`` member (GDAL reads it as the layer name); None
    leaves it out.
    """
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if name is not None:
        head["name"] = name
    head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    lines = list(features)
    body = "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"
    return f'{head_json},"features":{body}}}\n'.encode()


def frame_bytes(frame: gpd.GeoDataFrame, name: str | None = None) -> bytes:
    """Every row of ``frame`` as a feature: every column but the geometry, in order, as plain
    JSON values (:func:`zones.model.cells.plain`: lists stay arrays, missing values are null)."""
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry]
    rows = frame[columns].itertuples(index=False, name=None)
    return collection_bytes(
        (
            feature_json({c: cells.plain(v) for c, v in zip(columns, row, strict=True)}, geom)
            for row, geom in zip(rows, frame.geometry, strict=True)
        ),
        name,
    )
