"""Export formats: round trips through pyogrio, RFC 7946 details, determinism, atomic writes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon, box

from tests.factories import make_dataset
from tests.inputs import edit_csv, write_inputs
from zones.build.assemble import build_dataset
from zones.errors import UnknownValueError, ZonesError
from zones.io.atomic import atomic_write
from zones.io.export import WKT_COLUMN, export_bytes, export_file
from zones.io.filegdb import field_names as gdb_field_names
from zones.io.formats import FORMATS, ExportRequest, Format, format_for_path, get_format
from zones.io.layers import export_selection
from zones.model import fields
from zones.model.dataset import LIST_COLUMNS, SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.model.fields import FORMULA_LEADS, neutralise_formula
from zones.model.filters import ParkFilter

HOSTILE = "测试\"园区\"<&>,; 'x'"
#: Fields LIBKML adds to every layer it reads (the KML <name>, <description>, styles...).
KML_FIELDS = {
    "Name",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
}
CASES = [
    (fmt, layer)
    for fmt in ("geojson", "gpkg", "csv", "kml", "filegdb")
    for layer in FORMATS[fmt].layers
]
BAD_INPUT = Path(__file__).parent / "fixtures" / "bad_input"
#: Cells a spreadsheet would run as formulas, one per leading character (OWASP).
FORMULA_CELLS: list[str] = json.loads((BAD_INPUT / "formula_cells.json").read_text("utf-8"))[
    "cells"
]
OGRINFO = shutil.which("ogrinfo")
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


def _dataset() -> Dataset:
    """make_dataset(4) with a hostile name, an alias, and a clockwise park with a hole."""
    ds = make_dataset(4, hostile_name=HOSTILE)
    industries = ds.industries.copy()
    industries["aliases"] = [["汽车产业", "auto"], [], [], ["医药"]]
    parks = ds.parks.copy()
    geoms = list(parks.geometry)
    shell = box(121.6, 30.0, 121.7, 30.1, ccw=False)
    hole = box(121.62, 30.02, 121.64, 30.04, ccw=True)
    geoms[3] = Polygon(shell.exterior.coords, [hole.exterior.coords])
    parks = parks.set_geometry(geoms, crs="EPSG:4326")
    return dataclasses.replace(ds, industries=industries, parks=parks)


def _cell(value: Any, *, is_list: bool, fmt: str) -> Any:
    """A cell normalised for comparison, decoding the list encoding of ``fmt``."""
    if is_list:
        if isinstance(value, str):
            value = value.split(";") if value else []
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            value = []
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        # KML keeps 15 significant digits: 121.06400000000001 comes back as 121.064.
        value = None if math.isnan(value) else float(f"{value:.12g}")
    if fmt == "kml" and value is None:
        value = ""  # KML cannot tell an empty text from a missing value
    return value


def _rows(frame: pd.DataFrame, layer: str, fmt: str) -> list[dict[str, Any]]:
    lists = set(LIST_COLUMNS[layer])
    columns = [c for c in frame.columns if c != "geometry"]
    return [
        {c: _cell(row[c], is_list=c in lists, fmt=fmt) for c in columns}
        for _, row in frame.iterrows()
    ]


def _read_back(path: Path, fmt: str, layer: str) -> pd.DataFrame:
    spatial = layer in SPATIAL_LAYERS
    if fmt == "csv":
        options: dict[str, str] = {"autodetect_type": "YES", "quoted_fields_as_string": "YES"}
        if spatial:
            options |= {"geom_possible_names": WKT_COLUMN, "keep_geom_columns": "NO"}
        return pyogrio.read_dataframe(path, read_geometry=spatial, **options)
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=spatial)
    if fmt == "kml":
        assert list(frame["Name"]) == list(frame["name_zh"])
        if "id2" in frame.columns:  # the placemark id attribute and the id field of its data
            assert list(frame["id2"]) == list(frame["id"])
            frame = frame.drop(columns="id2")
        frame = frame.drop(columns=[c for c in frame.columns if c in KML_FIELDS])
        if layer == "districts":  # districts have no id: LIBKML numbers the placemarks
            frame = frame.drop(columns="id")
    if fmt == "filegdb":  # a word File Geodatabase reserves has a trailing "_" there (order_)
        names = gdb_field_names(f.name for f in fields.layer_fields(layer))
        frame = frame.rename(columns={v: k for k, v in names.items()})
    return frame


@pytest.mark.parametrize(("fmt", "layer"), CASES)
def test_round_trip_loses_nothing(tmp_path: Path, fmt: str, layer: str) -> None:
    ds = _dataset()
    out = export_file(ds, tmp_path / f"{layer}{FORMATS[fmt].extension}", layer=layer)
    back = _read_back(out, fmt, layer)
    original = ds.layer(layer)

    assert [c for c in back.columns if c != "geometry"] == [
        c for c in original.columns if c != "geometry"
    ]
    assert _rows(back, layer, fmt) == _rows(original, layer, fmt)
    if layer in SPATIAL_LAYERS:
        for got, want in zip(back.geometry, original.geometry, strict=True):
            got = shapely.force_2d(got)
            assert shapely.hausdorff_distance(got, want) < 1e-6
            assert got.area == pytest.approx(want.area, rel=1e-5)


def test_gpkg_parks_carries_link_tables(tmp_path: Path) -> None:
    ds = _dataset()
    out = export_file(ds, tmp_path / "parks.gpkg")
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert names == ["parks", "industries", "tiers", "park_industries"]
    links = pyogrio.read_dataframe(out, layer="park_industries", read_geometry=False)
    pd.testing.assert_frame_equal(
        links.astype(object), ds.park_industries.astype(object), check_dtype=False
    )


def test_export_file_applies_park_filter(tmp_path: Path) -> None:
    ds = _dataset()
    keep = ParkFilter(belts=("east",))
    out = export_file(ds, tmp_path / "east.gpkg", park_filter=keep)
    parks = pyogrio.read_dataframe(out, layer="parks")
    links = pyogrio.read_dataframe(out, layer="park_industries", read_geometry=False)
    assert list(parks["id"]) == ["p1", "p3"]
    assert set(links["park_id"]) == {"p1", "p3"}
    data = json.loads(export_bytes(ds, park_filter=keep))
    assert [f["properties"]["id"] for f in data["features"]] == ["p1", "p3"]


# --- GeoJSON ---------------------------------------------------------------------------------


def _geojson(ds: Dataset, layer: str = "parks") -> dict[str, Any]:
    return json.loads(export_bytes(ds, layer=layer, fmt="geojson").decode("utf-8"))


@pytest.mark.parametrize("layer", SPATIAL_LAYERS)
def test_geojson_is_rfc7946(layer: str) -> None:
    data = _geojson(_dataset(), layer)
    assert list(data) == ["type", "name", "features"]
    assert "crs" not in data
    assert data["type"] == "FeatureCollection"
    for feature in data["features"]:
        assert list(feature) == ["type", "properties", "geometry"]
        geom = shapely.geometry.shape(feature["geometry"])
        polygons = getattr(geom, "geoms", [geom])
        for polygon in polygons:
            assert polygon.exterior.is_ccw
            assert all(not ring.is_ccw for ring in polygon.interiors)
        for x, y in shapely.get_coordinates(geom):
            assert 120 < x < 123 and 29 < y < 31  # lon, lat order
            assert round(x, 7) == x and round(y, 7) == y


def test_geojson_rounds_coordinates_to_seven_decimals() -> None:
    ds = make_dataset(1)
    parks = ds.parks.set_geometry([box(121.123456789, 29.987654321, 121.2, 30.0)], crs="EPSG:4326")
    raw = export_bytes(dataclasses.replace(ds, parks=parks)).decode()
    assert "121.1234568" in raw and "29.9876543" in raw
    assert "121.123456789" not in raw


def test_rounding_never_makes_a_geometry_invalid(tmp_path: Path) -> None:
    # A spike 4e-8 degree above the bottom edge: rounding to 7 decimals would make it touch.
    ring = [
        (121.0, 30.0),
        (121.001, 30.0),
        (121.001, 30.001),
        (121.0005, 30.00000004),
        (121.0, 30.001),
    ]
    assert Polygon(ring).is_valid
    assert not Polygon([(x, round(y, 7)) for x, y in ring]).is_valid
    ds = make_dataset(1)
    ds = dataclasses.replace(ds, parks=ds.parks.set_geometry([Polygon(ring)], crs="EPSG:4326"))
    geom = shapely.geometry.shape(_geojson(ds)["features"][0]["geometry"])
    assert geom.is_valid and geom.area == pytest.approx(Polygon(ring).area, rel=1e-3)
    out = export_file(ds, tmp_path / "parks.kml")  # LIBKML refuses invalid polygons
    assert len(pyogrio.read_dataframe(out)) == 1


def test_geojson_park_says_what_is_estimated() -> None:
    props = [f["properties"] for f in _geojson(_dataset())["features"]]
    assert [(p["location_basis"], p["footprint"]) for p in props[:2]] == [
        ("sourced", "surveyed"),
        ("estimated", "indicative"),
    ]


def test_geojson_nan_is_null_and_numbers_are_plain() -> None:
    ds = make_dataset(3)
    parks = ds.parks.copy()
    parks["location_precision_m"] = parks["location_precision_m"].astype(np.int64)
    raw = export_bytes(dataclasses.replace(ds, parks=parks)).decode()
    assert "NaN" not in raw
    props = [f["properties"] for f in json.loads(raw)["features"]]
    assert props[0]["area_km2"] == 0.64
    assert props[1]["area_km2"] is None
    assert props[1]["location_precision_m"] == 5000
    assert '"location_precision_m":5000' in raw


def test_geojson_lists_are_arrays_and_chinese_intact() -> None:
    raw = export_bytes(_dataset())
    text = raw.decode("utf-8")
    assert "测试园区1" in text and "\\u" not in text
    props = json.loads(text)["features"][0]["properties"]
    assert props["name_zh"] == HOSTILE
    assert props["industries"] == ["汽车及零部件", "新能源汽车"]
    assert props["designated_industry_ids"] == ["automotive"]


def test_geojson_is_byte_identical() -> None:
    first = export_bytes(_dataset(), layer="parks", fmt="geojson")
    assert export_bytes(_dataset(), layer="parks", fmt="geojson") == first
    assert first.endswith(b"]}\n")


def test_geojson_of_no_parks_is_valid() -> None:
    ds = make_dataset(0)
    data = json.loads(export_bytes(ds))
    assert data == {"type": "FeatureCollection", "name": "parks", "features": []}


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_bom_lf_and_fixed_columns() -> None:
    raw = export_bytes(_dataset(), fmt="csv")
    assert raw.startswith("\ufeff".encode())
    assert b"\r" not in raw
    text = raw.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    assert header.split(",")[0] == '"id"'
    assert header.endswith(f'"{WKT_COLUMN}"')
    assert '"automotive;new-energy-vehicles"' in text
    assert '"余姚市"' in text
    assert "POLYGON ((121.058 29.95," in text


@pytest.mark.parametrize("layer", SPATIAL_LAYERS + TABLE_LAYERS)
def test_csv_is_byte_identical(layer: str) -> None:
    assert export_bytes(_dataset(), layer=layer, fmt="csv") == export_bytes(
        _dataset(), layer=layer, fmt="csv"
    )


def test_csv_tables_have_no_geometry_column() -> None:
    text = export_bytes(_dataset(), layer="park_industries", fmt="csv").decode("utf-8-sig")
    assert text.split("\n", 1)[0] == '"park_id","industry_id","basis","source","note"'


def _csv_rows(ds: Dataset, layer: str) -> list[dict[str, str]]:
    text = export_bytes(ds, layer=layer, fmt="csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_formula_fixture_tries_every_leading_character() -> None:
    assert sorted(c[0] for c in FORMULA_CELLS) == sorted(FORMULA_LEADS)
    assert set(FORMULA_LEADS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("hostile", FORMULA_CELLS, ids=lambda c: f"lead-{ord(c[0]):02x}")
@pytest.mark.parametrize("layer", SPATIAL_LAYERS + TABLE_LAYERS)
def test_csv_neutralises_formulas_in_every_text_field(layer: str, hostile: str) -> None:
    """Every text and list field of the dictionary, from a file or a user, as a formula."""
    ds = _dataset()
    frame = ds.layer(layer).copy()
    lists = set(LIST_COLUMNS[layer])
    texts = [
        f.name
        for f in fields.layer_fields(layer)
        if f.kind in ("text", "list") and f.name in frame.columns
    ]
    assert texts
    sent: dict[str, str] = {}
    for column in texts:
        sent[column] = f"{hostile}{column}"
        first = [sent[column], "b"] if column in lists else sent[column]
        frame[column] = pd.Series([first, *list(frame[column])[1:]], index=frame.index)
    rows = _csv_rows(dataclasses.replace(ds, **{layer: frame}), layer)
    for column in texts:
        tail = ";b" if column in lists else ""
        assert rows[0][column] == "'" + sent[column] + tail, column
    if len(rows) > 1:  # the other rows are untouched
        assert rows[1] == _csv_rows(ds, layer)[1]


def test_csv_leaves_numbers_and_harmless_text_alone() -> None:
    ds = make_dataset(2)
    parks = ds.parks.copy()
    parks["area_km2"] = [-1.5, -2.0]
    parks["location_precision_m"] = parks["location_precision_m"].astype("int64") * -1
    parks["notes"] = ["a-b=c", " =not a formula (leading space)"]
    rows = _csv_rows(dataclasses.replace(ds, parks=parks), "parks")
    assert [r["area_km2"] for r in rows] == ["-1.5", "-2.0"]
    assert rows[0]["location_precision_m"].startswith("-")
    assert [r["notes"] for r in rows] == ["a-b=c", " =not a formula (leading space)"]
    line = export_bytes(dataclasses.replace(ds, parks=parks), fmt="csv").decode().split("\n")[1]
    assert ",-1.5," in line  # a number: unquoted and not prefixed


def test_neutralise_formula_keeps_the_rest_of_the_cell() -> None:
    for cell in FORMULA_CELLS:
        assert neutralise_formula(cell) == "'" + cell
    for cell in ("", "望春", "plan:L58", "'=already quoted", " =x", "a=b"):
        assert neutralise_formula(cell) == cell


def test_formulas_from_input_files_are_neutralised_from_build_to_csv(tmp_path: Path) -> None:
    """A parks.csv row and an uploaded file name (footprint_source) that are formulas."""
    cells = {
        "name_zh": FORMULA_CELLS[0],
        "name_en": FORMULA_CELLS[1],
        "notes": FORMULA_CELLS[2],
        "notes_zh": FORMULA_CELLS[2],
        "location_note": FORMULA_CELLS[3],
        "area_source": FORMULA_CELLS[0],
        "location_source": FORMULA_CELLS[1],
        "sources": f"{FORMULA_CELLS[1]} | plan:L7",
    }
    tree = write_inputs(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 2, **cells)})
    survey = (BAD_INPUT / "surveyed_formula_source.geojson").read_text(encoding="utf-8")
    (tree.geo / "surveyed_footprints.geojson").write_text(survey, encoding="utf-8")
    ds, _ = build_dataset(tree.geo, tree.data)
    source = json.loads(survey)["features"][0]["properties"]["source"]
    row = next(r for r in _csv_rows(ds, "parks") if r["id"] == "yuyao-edz")
    assert row["footprint_source"] == "'" + source
    assert row["sources"] == "'" + FORMULA_CELLS[1] + ";plan:L7"
    for column, value in cells.items():
        if column in ("area_source", "location_source"):  # the survey's, from `zones build`
            assert row[column] == f"surveyed footprint: {source}", column
        elif column == "location_note":  # the recorded note, then the build's
            assert row[column].startswith("'" + value + " Point computed by"), column
        elif column != "sources":
            assert row[column] == "'" + value, column
    # GeoJSON is not a spreadsheet: it keeps the raw text.
    props = next(
        f["properties"]
        for f in json.loads(export_bytes(ds))["features"]
        if f["properties"]["id"] == "yuyao-edz"
    )
    assert props["footprint_source"] == source and props["name_zh"] == FORMULA_CELLS[0]


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "filegdb"])
def test_other_formats_keep_formula_text_raw(tmp_path: Path, fmt: str) -> None:
    ds = _dataset()
    parks = ds.parks.copy()
    parks["footprint_source"] = [FORMULA_CELLS[0], *list(parks["footprint_source"])[1:]]
    parks["notes"] = [FORMULA_CELLS[3], *list(parks["notes"])[1:]]
    ds = dataclasses.replace(ds, parks=parks)
    out = export_file(ds, tmp_path / f"parks{FORMATS[fmt].extension}")
    back = _read_back(out, fmt, "parks")
    assert back.loc[0, "footprint_source"] == FORMULA_CELLS[0]
    assert back.loc[0, "notes"] == FORMULA_CELLS[3]


# --- the CSV's geometry as GDAL sees it -------------------------------------------------------


@pytest.mark.parametrize("layer", SPATIAL_LAYERS)
def test_gdal_finds_the_csv_geometry_without_options(tmp_path: Path, layer: str) -> None:
    ds = _dataset()
    out = export_file(ds, tmp_path / f"{layer}.csv", layer=layer)
    assert WKT_COLUMN == "WKT"
    back = pyogrio.read_dataframe(out)  # no GEOM_POSSIBLE_NAMES: the column name is enough
    assert len(back) == len(ds.layer(layer))
    assert set(back.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    for got, want in zip(back.geometry, ds.layer(layer).geometry, strict=True):
        assert shapely.hausdorff_distance(got, want) < 1e-6


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
@pytest.mark.parametrize("layer", SPATIAL_LAYERS)
def test_ogrinfo_sees_csv_polygons_and_the_feature_count(tmp_path: Path, layer: str) -> None:
    assert OGRINFO is not None
    ds = _dataset()
    out = export_file(ds, tmp_path / f"{layer}.csv", layer=layer)

    def run(*args: str) -> str:
        done = subprocess.run(
            [OGRINFO, "-ro", *args, str(out)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    count = len(ds.layer(layer))
    assert f"Feature Count: {count}" in run("-so", "-al")
    geometries = re.findall(r"^  (POLYGON|MULTIPOLYGON) \(", run("-al", "-q"), flags=re.M)
    assert len(geometries) == count
    expected = [
        "MULTIPOLYGON" if g.geom_type == "MultiPolygon" else "POLYGON"
        for g in ds.layer(layer).geometry
    ]
    assert geometries == expected


# --- KML ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["parks", "belts"])
def test_kml_placemarks_carry_the_id_as_attribute_and_field(tmp_path: Path, layer: str) -> None:
    ds = _dataset()
    ids = [str(i) for i in ds.layer(layer)["id"]]
    root = ET.fromstring(export_bytes(ds, layer=layer, fmt="kml"))
    placemarks = root.findall(".//k:Placemark", KML_NS)
    assert [p.get("id") for p in placemarks] == ids
    data = [p.find(".//k:SimpleData[@name='id']", KML_NS) for p in placemarks]
    assert [d.text if d is not None else None for d in data] == ids
    assert root.find(".//k:Schema/k:SimpleField[@name='id']", KML_NS) is not None
    # The switch LIBKML is given for the placemark ids is put back afterwards.
    assert pyogrio.get_gdal_config_option("LIBKML_ID_FIELD") is None
    out = export_file(ds, tmp_path / f"{layer}.kml", layer=layer)
    back = pyogrio.read_dataframe(out)
    assert list(back["id"]) == ids  # from the attribute
    assert list(back["id2"]) == ids  # from the data (GDAL renames the second "id")


# --- formats, layers and the registry ------------------------------------------------------


def test_unknown_format_lists_formats() -> None:
    with pytest.raises(ZonesError, match=r"unknown export format 'xlsx'") as info:
        export_bytes(_dataset(), fmt="xlsx")
    for name in ("geojson", "gpkg", "csv", "kml", "filegdb"):
        assert name in str(info.value)


def test_unknown_extension_lists_formats(tmp_path: Path) -> None:
    with pytest.raises(ZonesError, match=r"\.geojson") as info:
        export_file(_dataset(), tmp_path / "parks.xlsx")
    assert "kml" in str(info.value)
    assert not (tmp_path / "parks.xlsx").exists()


def test_table_layer_in_spatial_format_is_refused() -> None:
    with pytest.raises(ZonesError, match=r"cannot hold layer 'industries'.*csv, filegdb, gpkg"):
        export_bytes(_dataset(), layer="industries", fmt="geojson")


def test_unknown_layer_is_refused() -> None:
    with pytest.raises(UnknownValueError, match=r"unknown layer 'park'"):
        export_bytes(_dataset(), layer="park", fmt="csv")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.geojson", "geojson"),
        ("a.JSON", "geojson"),
        ("a.gpkg", "gpkg"),
        ("a.csv", "csv"),
        ("a.kml", "kml"),
        ("a.gdb.zip", "filegdb"),
        ("Parks.GDB.ZIP", "filegdb"),
        ("a.gdb.json", "geojson"),
        ("a.zip", "bundle"),
    ],
)
def test_format_for_path(name: str, fmt: str) -> None:
    assert format_for_path(name) == fmt
    assert get_format(fmt.upper()).name == fmt


def test_registry_is_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def write(ds: Dataset, path: Path, request: ExportRequest) -> None:
        selected = export_selection(ds, request.park_filter)
        path.write_text(f"{request.layer}:{len(selected.layer(request.layer))}", encoding="utf-8")

    monkeypatch.setitem(
        FORMATS, "count", Format("count", (".count",), "text/plain", None, ("parks",), write)
    )
    assert export_bytes(_dataset(), fmt="count") == b"parks:4"
    out = export_file(
        _dataset(), tmp_path / "n.count", park_filter=ParkFilter(levels=("national",))
    )
    assert out.read_text(encoding="utf-8") == "parks:1"


@pytest.mark.parametrize("fmt", ["gpkg", "kml", "filegdb"])
def test_driver_formats_work_under_any_file_name(tmp_path: Path, fmt: str) -> None:
    out = export_file(_dataset(), tmp_path / "download.bin", fmt=fmt)
    assert out.is_file()
    # GDAL warns when reading a GeoPackage not called .gpkg: read a copy with the right name
    copy = tmp_path / f"copy{FORMATS[fmt].extension}"
    copy.write_bytes(out.read_bytes())
    assert list(pyogrio.read_dataframe(copy, layer="parks")["name_zh"])[1] == "测试园区1"


def test_reprojects_a_layer_not_in_wgs84() -> None:
    ds = make_dataset(2)
    parks = ds.parks.to_crs("EPSG:4549")
    data = json.loads(export_bytes(dataclasses.replace(ds, parks=gpd.GeoDataFrame(parks))))
    x, y = data["features"][0]["geometry"]["coordinates"][0][0]
    assert x == pytest.approx(121.058, abs=1e-6) and y == pytest.approx(29.95, abs=1e-6)


# --- atomic writes ---------------------------------------------------------------------------


def test_export_file_keeps_old_file_when_writer_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "parks.geojson"
    target.write_bytes(b"previous export")

    def fail_midway(ds: Dataset, path: Path, request: ExportRequest) -> None:
        path.write_bytes(b'{"type":"FeatureCollection","features":[')
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        FORMATS, "geojson", dataclasses.replace(FORMATS["geojson"], writer=fail_midway)
    )
    with pytest.raises(RuntimeError, match="disk full"):
        export_file(_dataset(), target)
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parks.geojson"]


def test_export_file_replaces_old_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "parks.csv"
    target.parent.mkdir()
    target.write_bytes(b"old")
    assert export_file(_dataset(), target) == target
    assert target.read_bytes() == export_bytes(_dataset(), fmt="csv")
    assert sorted(p.name for p in target.parent.iterdir()) == ["parks.csv"]


def test_atomic_write_temp_is_a_sibling_with_the_same_suffix(tmp_path: Path) -> None:
    target = tmp_path / "zones.gpkg"
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".gpkg" and not tmp.exists()
        tmp.write_text("new", encoding="utf-8")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["zones.gpkg"]


def test_atomic_write_cleans_up_folders_and_sidecars(tmp_path: Path) -> None:
    target = tmp_path / "out.kml"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as tmp:
        tmp.mkdir()
        (tmp / "doc.kml").write_text("x", encoding="utf-8")
        Path(f"{tmp}-journal").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["out.kml"]
    assert target.read_text(encoding="utf-8") == "old"


def test_atomic_write_fails_when_nothing_was_written(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(FileNotFoundError), atomic_write(target):
        pass
    assert target.read_text(encoding="utf-8") == "old"
