"""zones.io.geojson: the one GeoJSON writer, byte for byte the layout of every file zones writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from zones.build import boundaries
from zones.geo.geometry import for_export
from zones.io import geojson

DISTRICTS = Path(__file__).resolve().parents[1] / "geo" / "districts.geojson"


def test_geo_districts_is_written_again_byte_for_byte() -> None:
    raw = DISTRICTS.read_bytes()
    geoms = np.array([shape(f["geometry"]) for f in json.loads(raw)["features"]], dtype=object)
    assert all(a.equals_exact(b, 0) for a, b in zip(for_export(geoms), geoms, strict=True))
    assert boundaries._geojson_text(for_export(geoms)).encode("utf-8") == raw


def test_collection_layout() -> None:
    line = geojson.feature_json({"id": "p1", "名称": "园区", "n": None}, shapely.Point(121.5, 30))
    assert line == (
        '{"type":"Feature","properties":{"id":"p1","名称":"园区","n":null},'
        '"geometry":{"type":"Point","coordinates":[121.5,30.0]}}'
    )
    two = geojson.collection_bytes([line, line], name="parks")
    assert two == ('{"type":"FeatureCollection","name":"parks","features":[\n'
                   f"{line},\n{line}\n]}}\n").encode()  # fmt: skip
    assert geojson.collection_bytes([]) == b'{"type":"FeatureCollection","features":[]}\n'
    assert json.loads(two)["features"][1]["properties"]["名称"] == "园区"


def test_missing_and_empty_geometries_are_null_and_nan_is_refused() -> None:
    assert json.loads(geojson.feature_json({}, None))["geometry"] is None
    assert json.loads(geojson.feature_json({}, shapely.Polygon()))["geometry"] is None
    with pytest.raises(ValueError):
        geojson.feature_json({"x": math.nan}, None)
