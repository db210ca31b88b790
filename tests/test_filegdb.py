"""zones.io.filegdb: the File Geodatabase export opens in GDAL with every name and text whole."""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from tests.factories import make_dataset
from zones.build.assemble import build_dataset
from zones.cli.main import main as cli_main
from zones.errors import ZonesError
from zones.io import bundle, filegdb, ogr_aliases, qgis
from zones.io.bundle import write_bundle
from zones.io.export import COMPANION_TABLES, export_bytes, export_file
from zones.io.layers import attribute_columns, export_frame, narrow_integers
from zones.model import fields
from zones.model.dataset import SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.model.filters import ParkFilter

OGRINFO = shutil.which("ogrinfo")
HOSTILE = "测试\"园区\"<&>,; 'x' 望春"
#: 400 characters, 1200 UTF-8 bytes: more than a DBF field (254 bytes) holds.
LONG_NOTE = "这是一段很长的说明，" * 40
ALL_LAYERS = SPATIAL_LAYERS + TABLE_LAYERS


def dataset() -> Dataset:
    ds = make_dataset(4, hostile_name=HOSTILE)
    parks = ds.parks.copy()
    parks.loc[1, "notes"] = LONG_NOTE
    return dataclasses.replace(ds, parks=parks)


def ogrinfo(*args: str) -> subprocess.CompletedProcess[str]:
    assert OGRINFO is not None
    return subprocess.run(
        [OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=60, check=False
    )


def _plain(value: Any) -> Any:
    """A cell for comparison: numpy scalars as Python, NaN and None as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


# --------------------------------------------------------------------------------------------
# What GDAL's own ogrinfo sees


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_opens_the_zip_with_every_field_name_and_text_whole(tmp_path: Path) -> None:
    ds = dataset()
    out = export_file(ds, tmp_path / "parks.gdb.zip")
    summary = ogrinfo("-so", str(out), "parks")
    assert summary.returncode == 0, summary.stderr
    assert "using driver `OpenFileGDB' successful" in summary.stdout
    assert "Geometry: Multi Polygon" in summary.stdout and "Feature Count: 4" in summary.stdout
    assert 'ID["EPSG",4326]' in summary.stdout
    frame = export_frame(ds, "parks", "filegdb")
    declared = re.findall(r"^(\w+): (\w+) \(", summary.stdout, flags=re.M)
    assert [name for name, _ in declared] == attribute_columns(frame)  # none cut to 10
    assert ("designated_industry_ids", "String") in declared
    assert ("location_precision_m", "Integer") in declared  # 32-bit: every ArcGIS reads it

    done = ogrinfo("-al", "-q", "-geom=NO", str(out), "parks")
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    lines = done.stdout.splitlines()
    assert f"  notes (String) = {LONG_NOTE}" in lines  # 1200 bytes, not cut at 254
    assert f"  name_zh (String) = {HOSTILE}" in lines
    for name in ds.parks["name_zh"]:
        assert f"  name_zh (String) = {name}" in lines
    assert "  industries (String) = 汽车及零部件;新能源汽车" in lines
    layers = ogrinfo(str(out))
    assert layers.returncode == 0, layers.stderr
    for layer in ("parks", "industries", "tiers", "park_industries"):
        assert f": {layer} (" in layers.stdout


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_reads_tables_and_points(tmp_path: Path) -> None:
    ds = dataset()
    out = export_file(ds, tmp_path / "nodes.gdb.zip", layer="transport_nodes")
    done = ogrinfo("-so", "-al", str(out))
    assert done.returncode == 0, done.stderr
    assert "Geometry: Point" in done.stdout and "Feature Count: 2" in done.stdout
    out = export_file(ds, tmp_path / "tiers.gdb.zip", layer="tiers")
    done = ogrinfo("-al", "-q", str(out))
    assert done.returncode == 0, done.stderr
    assert "  order_ (Integer) = 1" in done.stdout.splitlines()  # ORDER is reserved
    assert "  name_zh (String) = 优势产业" in done.stdout.splitlines()


# --------------------------------------------------------------------------------------------
# What pyogrio reads back: export_frame's values


@pytest.mark.parametrize("layer", ALL_LAYERS)
def test_every_layer_reads_back_as_its_export_frame(tmp_path: Path, layer: str) -> None:
    ds = dataset()
    out = export_file(ds, tmp_path / f"{layer}.gdb.zip", layer=layer)
    frame = export_frame(ds, layer, "filegdb")
    names = filegdb.field_names(attribute_columns(frame))
    back = pyogrio.read_dataframe(out, layer=layer, read_geometry=layer in SPATIAL_LAYERS)
    assert attribute_columns(back) == list(names.values())
    for column, name in names.items():
        want = [_plain(v) for v in frame[column]]
        got = [_plain(v) for v in back[name]]
        assert got == want, (layer, column)
    if "geometry" in back.columns:
        assert back.crs.to_epsg() == 4326
        for got, want in zip(back.geometry, frame.geometry, strict=True):
            assert shapely.hausdorff_distance(got, want) < 1e-7
    if layer == "parks":
        assert back.loc[1, "notes"] == LONG_NOTE and back.loc[0, "name_zh"] == HOSTILE


def test_points_and_a_node_without_coordinates(tmp_path: Path) -> None:
    out = export_file(dataset(), tmp_path / "n.gdb.zip", layer="transport_nodes")
    back = pyogrio.read_dataframe(out)
    assert back.crs.to_epsg() == 4326
    located, missing = back.geometry
    assert (located.x, located.y) == pytest.approx((121.9, 30.0), abs=1e-7)
    assert missing is None or missing.is_empty
    assert list(back["location_basis"]) == ["sourced", "missing"]


def test_parks_carry_their_links_and_the_filter_applies(tmp_path: Path) -> None:
    ds = dataset()
    f = ParkFilter(belts=("north",))
    out = export_file(ds, tmp_path / "p.gdb.zip", park_filter=f)
    layers = dict(pyogrio.list_layers(out))
    assert layers == {
        "parks": "MultiPolygon",
        "industries": None,
        "tiers": None,
        "park_industries": None,
    }
    parks = pyogrio.read_dataframe(out, layer="parks")
    assert list(parks["id"]) == ["p0", "p2"]
    links = pyogrio.read_dataframe(out, layer="park_industries")
    assert set(links["park_id"]) == {"p0", "p2"}


# --------------------------------------------------------------------------------------------
# The zip, names and refusals


def test_the_zip_holds_one_gdb_folder_named_after_the_file(tmp_path: Path) -> None:
    out = export_file(dataset(), tmp_path / "ningbo parks.gdb.zip")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        assert zf.getinfo("ningbo-parks.gdb/").is_dir()
    assert names[0] == "ningbo-parks.gdb/" and len(names) > 5
    assert all(n.startswith("ningbo-parks.gdb/") for n in names)
    assert any(n.endswith(".gdbtable") for n in names)
    # A download without a file name is called after its layer.
    data = export_bytes(dataset(), layer="belts", fmt="filegdb")
    path = tmp_path / "download.gdb.zip"
    path.write_bytes(data)
    assert zipfile.ZipFile(path).namelist()[0] == "belts.gdb/"
    assert list(pyogrio.read_dataframe(path, layer="belts")["order_"]) == [2, 3]


@pytest.mark.parametrize(
    ("file_name", "folder"),
    [
        ("parks.gdb.zip", "parks.gdb"),
        ("PARKS.GDB.ZIP", "PARKS.gdb"),
        ("x.zip", "x.gdb"),
        ("download.bin", "download.gdb"),
        ("v1.2.zip", "v1.2.gdb"),
        ("../../etc/宁波 parks.gdb.zip", "parks.gdb"),
        (None, "belts.gdb"),
        ("...zip", "belts.gdb"),
    ],
)
def test_gdb_name(file_name: str | None, folder: str) -> None:
    assert filegdb.gdb_name(file_name, "belts") == folder


def test_the_zip_is_stamped_and_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "t.gdb"
    filegdb.write_gdb({"tiers": export_frame(dataset(), "tiers", "filegdb")}, folder)
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    entries = filegdb.zip_gdb(folder, tmp_path / "t.gdb.zip", created=when)
    with zipfile.ZipFile(tmp_path / "t.gdb.zip") as zf:
        assert zf.namelist() == entries == ["t.gdb/", *sorted(entries[1:])]
        assert {i.date_time for i in zf.infolist()} == {(2025, 1, 2, 3, 4, 4)}  # 2-second DOS


def test_a_file_called_gdb_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ZonesError, match=r"is a folder.*parks\.gdb\.zip"):
        export_file(dataset(), tmp_path / "parks.gdb", fmt="filegdb")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"must end in \.gdb"):
        filegdb.write_gdb({}, tmp_path / "folder")


def test_reserved_words_get_an_underscore_and_nothing_else_changes() -> None:
    columns = ["order", "Order", "value", "values", "designated_industry_ids", "group_id"]
    assert filegdb.field_names(columns) == {
        "order": "order_",
        "Order": "Order_",
        "value": "value",
        "values": "values_",
        "designated_industry_ids": "designated_industry_ids",
        "group_id": "group_id",
    }


def test_integers_are_32_bit_where_they_fit_and_reals_where_not() -> None:
    frame = pd.DataFrame({"small": [1, 2], "big": [1, 2**40], "text": ["a", "b"]})
    narrowed = narrow_integers(frame)
    assert narrowed["small"].dtype == np.int32 and narrowed["big"].dtype == np.float64
    assert list(narrowed["big"]) == [1.0, 2.0**40] and frame["small"].dtype == np.int64


def test_export_command_writes_a_file_geodatabase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zones.build.assemble import build

    gpkg = tmp_path / "zones.gpkg"
    build(gpkg)
    out = tmp_path / "parks.gdb.zip"
    args = ["export", "--dataset", str(gpkg), "--out", str(out), "--belt", "north-bay"]
    assert cli_main(args) == 0
    assert f"wrote {out} (filegdb, layer parks)" in capsys.readouterr().out
    parks = pyogrio.read_dataframe(out, layer="parks", read_geometry=False)
    assert len(parks) and all("north-bay" in b.split(";") for b in parks["belt_ids"])
    other = tmp_path / "belts.bin"
    more = ["--format", "FileGDB", "--layer", "belts"]
    assert cli_main(["export", "--dataset", str(gpkg), "--out", str(other), *more]) == 0
    assert zipfile.ZipFile(other).namelist()[0] == "belts.gdb/"
    bad = ["export", "--dataset", str(gpkg), "--out", str(tmp_path / "p.gdb")]
    assert cli_main(bad) == 1
    assert "filegdb: .gdb.zip" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Field aliases: every field shows its Chinese label in ArcGIS and QGIS (issue 13)

#: A CJK ideograph.
HAN = re.compile(r"[\u4e00-\u9fff]")
#: The File Geodatabase system table that holds each layer's XML definition.
GDB_ITEMS = "a00000004"


@pytest.fixture(scope="module")
def real() -> Dataset:
    ds, _ = build_dataset()
    return ds


def gdb_aliases(summary: str) -> dict[str, dict[str, str | None]]:
    """``ogrinfo -so`` output -> layer -> field name -> its alternative name (None: none)."""
    out: dict[str, dict[str, str | None]] = {}
    for block in re.split(r"^Layer name: ", summary, flags=re.M)[1:]:
        layer, _, body = block.partition("\n")
        found: dict[str, str | None] = {}
        for name, rest in re.findall(r"^(\w+): \w+ \([^)]*\)(.*)$", body, flags=re.M):
            alias = re.search(r'alternative name="(.*)"', rest, flags=re.I)
            found[name] = alias.group(1) if alias else None
        out[layer.strip()] = found
    return out


def chinese_labels(layer: str, frame: pd.DataFrame) -> dict[str, str]:
    """Field name in the File Geodatabase -> the column's Chinese label, for every attribute
    column of ``frame``; the same as the QGIS style's aliases (one function for both)."""
    columns = attribute_columns(frame)
    names = filegdb.field_names(columns)
    want = {names[c]: fields.label_zh(layer, c) for c in columns}
    assert all(HAN.search(label) for label in want.values()), want
    assert qgis.field_aliases(layer, columns, names=names, lang="zh") == want
    assert filegdb.field_aliases(layer, frame) == want
    return want


def xml_aliases(gdb: Path | str) -> dict[str, dict[str, str]]:
    """Layer -> field name -> ``<AliasName>`` of the field in the layer's XML definition in
    ``GDB_Items`` (where ArcGIS reads aliases), read with pyogrio; fields without one left out."""
    items = pyogrio.read_dataframe(gdb, layer="GDB_Items", read_geometry=False)
    out: dict[str, dict[str, str]] = {}
    for name, definition in zip(items["Name"], items["Definition"], strict=True):
        if not isinstance(definition, str) or "<GPFieldInfoExs" not in definition:
            continue
        root = ET.fromstring(definition.encode("utf-8"))
        out[name] = {
            info.findtext("Name", ""): info.findtext("AliasName", "")
            for info in root.iter("GPFieldInfoEx")
            if info.find("AliasName") is not None
        }
    return out


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
@pytest.mark.parametrize("layer", ALL_LAYERS)
def test_ogrinfo_shows_every_field_with_its_chinese_alias(tmp_path: Path, layer: str) -> None:
    ds = dataset()
    out = export_file(ds, tmp_path / f"{layer}.gdb.zip", layer=layer)
    done = ogrinfo("-so", "-al", str(out))
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    found = gdb_aliases(done.stdout)
    assert set(found) == {layer, *COMPANION_TABLES.get(layer, ())}
    for name, got in found.items():
        assert got == chinese_labels(name, export_frame(ds, name, "filegdb")), name
    if layer == "tiers":
        assert found["tiers"]["order_"] == fields.label_zh("tiers", "order")  # renamed field


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")
def test_real_exports_and_the_bundle_carry_the_aliases(tmp_path: Path, real: Dataset) -> None:
    out = export_file(real, tmp_path / "parks.gdb.zip")
    done = ogrinfo("-so", "-al", str(out))
    assert done.returncode == 0, done.stderr
    found = gdb_aliases(done.stdout)
    assert set(found) == {"parks", *COMPANION_TABLES["parks"]}
    for layer, got in found.items():
        assert got == chinese_labels(layer, export_frame(real, layer, "filegdb")), layer
    assert found["parks"]["designated_industry_ids"] == "指定产业标识"
    # The bundle's File Geodatabase is written by the same write_gdb.
    info = write_bundle(real, tmp_path / "zones.zip", crs="EPSG:4549")
    gdb = f"/vsizip/{info.path}/{info.entries[0].split('/')[0]}/{bundle.GDB_PATH}"
    done = ogrinfo("-so", "-al", gdb)
    assert done.returncode == 0, done.stderr
    found = gdb_aliases(done.stdout)
    assert set(found) == {name for name, _ in pyogrio.list_layers(gdb)}
    assert {"parks", "districts", "transport_nodes", "park_industries"} <= set(found)
    for layer, got in found.items():
        frame = export_frame(real, layer, "filegdb", crs="EPSG:4549")
        assert got == chinese_labels(layer, frame), layer


def test_the_aliases_are_in_the_xml_definitions_and_add_no_dead_space(
    tmp_path: Path, real: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = {name: export_frame(real, name, "filegdb") for name in ALL_LAYERS}
    with_aliases = tmp_path / "with.gdb"
    filegdb.write_gdb(frames, with_aliases)
    xml = xml_aliases(with_aliases)
    assert set(xml) == set(ALL_LAYERS)
    for layer, frame in frames.items():
        assert xml[layer] == chinese_labels(layer, frame), layer
    # REPACK drops the XML definitions each change left behind: no bigger than without.
    monkeypatch.setattr(filegdb, "set_field_aliases", lambda folder, aliases: {})
    without = tmp_path / "without.gdb"
    filegdb.write_gdb(frames, without)
    assert xml_aliases(without) == {layer: {} for layer in ALL_LAYERS}

    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.iterdir())

    assert size(with_aliases) < size(without) * 1.05
    assert not (with_aliases / f"{GDB_ITEMS}.freelist").exists()
    assert (with_aliases / f"{GDB_ITEMS}.gdbtable").stat().st_size < 100_000


def test_without_gdal_s_c_api_the_export_has_no_aliases_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ogr_aliases, "gdal_library", lambda: (None, "no libgdal here"))
    ds = dataset()
    with caplog.at_level(logging.WARNING, logger=ogr_aliases.__name__):
        out = export_file(ds, tmp_path / "parks.gdb.zip")
    [record] = caplog.records
    assert "without field aliases" in record.getMessage()
    assert "no libgdal here" in record.getMessage()
    back = pyogrio.read_dataframe(out, layer="parks", read_geometry=False)
    assert back.loc[0, "name_zh"] == HOSTILE and back.loc[1, "notes"] == LONG_NOTE
    if OGRINFO is not None:
        done = ogrinfo("-so", "-al", str(out))
        assert done.returncode == 0, done.stderr
        found = gdb_aliases(done.stdout)
        assert found and all(a is None for f in found.values() for a in f.values())


def test_what_gdal_refuses_is_logged_and_the_rest_is_done(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "t.gdb"
    filegdb.write_gdb({"tiers": export_frame(dataset(), "tiers", "filegdb")}, folder)
    asked = {"tiers": {"name_zh": "名称", "nope": "无"}, "missing": {"id": "标识"}}
    with caplog.at_level(logging.WARNING, logger=ogr_aliases.__name__):
        done = ogr_aliases.set_field_aliases(folder, asked)
    assert done == {"tiers": {"name_zh": "名称"}, "missing": {}}
    [record] = caplog.records
    assert "tiers: no field 'nope'" in record.getMessage()
    assert "no layer 'missing'" in record.getMessage()
    assert xml_aliases(folder)["tiers"]["name_zh"] == "名称"
    assert xml_aliases(folder)["tiers"]["id"] == fields.label_zh("tiers", "id")  # untouched
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=ogr_aliases.__name__):
        assert ogr_aliases.set_field_aliases(tmp_path / "none.gdb", {"t": {"a": "b"}}) == {}
    assert "cannot open it for update" in caplog.records[0].getMessage()
    assert ogr_aliases.set_field_aliases(folder, {"tiers": {}}) == {}


def test_the_library_is_pyogrio_s_own_gdal(monkeypatch: pytest.MonkeyPatch) -> None:
    lib, where = ogr_aliases.gdal_library()
    assert lib is not None, where
    assert int(lib.GDALVersionInfo(b"VERSION_NUM")) == ogr_aliases._version_num(
        pyogrio.__gdal_version__
    )
    assert ogr_aliases._version_num((3, 12, 4)) == 3120400
    assert ogr_aliases._version_num((3, 7)) == 3070000
    # Another GDAL than pyogrio's is refused, never loaded beside it.
    monkeypatch.setattr(pyogrio, "__gdal_version__", (3, 6, 2))
    with pytest.raises(ValueError, match="not pyogrio's"):
        ogr_aliases._bind(where)
    with pytest.raises(OSError):
        ogr_aliases._bind(str(Path(__file__)))
