"""zones.importing and `zones import`: every format, CRS handling, matching, apply/undo in the
store's log, bad input.

Inputs are built in code (GeoDataFrames written with pyogrio into tmp_path). Imports are
recorded in a store built from the repository's geo/ and data/ into tmp_path (a fresh copy per
test), never in the repository's own build or geo/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from tests.inputs import write_file
from zones.build.assemble import build
from zones.cli.gis import add_import_parser
from zones.errors import DataError, UnknownValueError, ZonesError
from zones.geo.datum import shift_geometries
from zones.geo.geometry import area_km2, to_degrees, to_metres
from zones.importing import (
    ImportOptions,
    Limits,
    apply_import,
    import_batches,
    load_parks,
    preview_file,
    preview_upload,
    undo_import,
)
from zones.importing import options as import_options
from zones.importing.messages import ImportRefused
from zones.settings import DATA_DIR, GEO_DIR, PROJECTED
from zones.store import Store, open_store
from zones.text.escape import plain_text

PARKS = load_parks(DATA_DIR)
#: Parks with a sourced location, used by the fixtures.
LOCATIONS = PARKS.set_index("id")[["name_zh", "lon", "lat", "area_km2"]]


# --------------------------------------------------------------------------------------------
# Fixtures built in code


def square_m(park_id: str, width: float | None = None, height: float | None = None) -> Polygon:
    """A rectangle (EPSG:4549 metres) centred on the park's sourced location: by default 3:2 of
    the park's recorded area (as a real survey would be), or 3 km × 2 km when it has none."""
    lon, lat, area = LOCATIONS.loc[park_id, ["lon", "lat", "area_km2"]]
    if width is None and height is None and np.isfinite(float(area)):
        width, height = np.sqrt(float(area) * 1.5e6), np.sqrt(float(area) / 1.5 * 1e6)
    width, height = width or 3000.0, height or 2000.0
    centre = to_metres(Point(float(lon), float(lat)))
    half_w, half_h = width / 2, height / 2
    return box(centre.x - half_w, centre.y - half_h, centre.x + half_w, centre.y + half_h)


def square_deg(park_id: str, **kw: float) -> Polygon:
    return to_degrees(square_m(park_id, **kw))


def write_geojson(path: Path, frame: gpd.GeoDataFrame) -> Path:
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def write_gpkg(path: Path, frame: gpd.GeoDataFrame) -> Path:
    pyogrio.write_dataframe(frame, path, layer="survey", driver="GPKG")
    return path


def write_shp_zip(
    path: Path,
    frame: gpd.GeoDataFrame,
    *,
    encoding: str = "GBK",
    prj: bool = True,
    cpg: bool = True,
) -> Path:
    """A zipped Shapefile (text in ``encoding``, its .cpg saying so unless ``cpg=False``)."""
    folder = path.parent / f"{path.stem}_shp"
    folder.mkdir()
    shp = folder / "survey.shp"
    pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding=encoding)
    skip = {".prj"} if not prj else set()
    skip |= {".cpg"} if not cpg else set()
    with zipfile.ZipFile(path, "w") as zf:
        for member in sorted(folder.iterdir()):
            if member.suffix in skip:
                continue
            zf.write(member, member.name)
    return path


def write_kml(path: Path, frame: gpd.GeoDataFrame) -> Path:
    pyogrio.write_dataframe(frame, path, driver="LIBKML")
    return path


def gdf(rows: list[dict[str, Any]], geoms: list[Any], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=crs)


#: format -> (writer, park, attributes, geometry in CRS, CRS, how it should match)
FORMATS = {
    "geojson": (write_geojson, "ningbo-etdz", {"park_id": "ningbo-etdz"}, "EPSG:4326", "id"),
    "gpkg-4549": (write_gpkg, "fenghua-edz", {"park_id": "fenghua-edz"}, PROJECTED, "id"),
    "shp-gbk": (write_shp_zip, "yuyao-edz", {"名称": "余姚经济开发区"}, "EPSG:4326", "name"),
    "kml": (write_kml, "meishan-bonded-zone", {"Name": "宁波梅山综合保税区"}, "EPSG:4326", "name"),
}
SUFFIX = {"geojson": ".geojson", "gpkg-4549": ".gpkg", "shp-gbk": ".zip", "kml": ".kml"}


def fixture_file(tmp_path: Path, fmt: str) -> tuple[Path, str, float]:
    """Write the fixture of ``fmt``; returns (file, park id, expected area in km²)."""
    writer, park, attrs, crs, _ = FORMATS[fmt]
    metres = square_m(park)
    geom = metres if crs == PROJECTED else to_degrees(metres)
    path = writer(tmp_path / f"survey-{fmt}{SUFFIX[fmt]}", gdf([attrs], [geom], crs))
    return path, park, metres.area / 1e6


@pytest.fixture()
def store(repo_store: Store) -> Store:
    """A store of the repository's data, its log empty (tests/conftest.py)."""
    return repo_store


def surveyed(store: Store) -> dict[str, str]:
    """park id -> footprint source of the parks ``store``'s readers see as surveyed."""
    parks = store.dataset().parks
    rows = parks[parks["footprint"] == "surveyed"]
    return dict(zip(rows["id"], rows["footprint_source"], strict=True))


def districts_of(ds: Any, polygon: Any) -> list[str]:
    """The districts holding at least 1 % of ``polygon`` (what the build and the store say)."""
    share = [
        a
        for a, g in ds.districts.set_index("adcode").geometry.items()
        if area_km2(g.intersection(polygon)) >= 0.01 * area_km2(polygon)
    ]
    return sorted(share)


def cli(argv: list[str]) -> int:
    top = argparse.ArgumentParser(prog="zones")
    add_import_parser(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(argv)
    return int(args.func(args))


# --------------------------------------------------------------------------------------------
# Every format


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_is_read_reprojected_and_matched(tmp_path: Path, fmt: str) -> None:
    path, park, expected = fixture_file(tmp_path, fmt)
    preview = preview_file(path, PARKS)
    assert [m.park_id for m in preview.matched] == [park], preview.text("en")
    match = preview.matched[0]
    assert match.how == FORMATS[fmt][4]
    assert match.replaces == "indicative"
    assert match.area_km2 == pytest.approx(expected, rel=1e-3)
    assert match.geometry.is_valid and match.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert not preview.errors and not preview.unmatched and not preview.new


def test_import_formats_are_the_registrys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zones.cli.main import parser
    from zones.importing.read import list_layers, read_layers
    from zones.io.formats import FORMATS, Format, format_for_path, readable_formats

    readable = [f.name for f in readable_formats()]
    assert readable == [
        "geojson", "gpkg", "kml", "filegdb", "shapefile", "mapinfo", "dxf", "gdb", "zip", "kmz"
    ]  # fmt: skip
    assert all(callable(FORMATS[name].load_reader()) for name in readable)
    assert format_for_path("survey.ZIP", reading=True) == "zip"  # a zip is read as an archive,
    assert format_for_path("survey.zip") == "bundle"  # and written as the bundle

    # Registering a format with a reader is all an import needs: FlatGeobuf, read by GDAL.
    def read_fgb(source: Any, options: Any) -> Any:
        layers = [name for name, _ in list_layers(source)]
        return read_layers(source, options, layers, implicit_wgs84=False)

    fgb = Format("fgb", (".fgb",), "application/octet-stream", "FlatGeobuf", (), reader=read_fgb)
    monkeypatch.setitem(FORMATS, "fgb", fgb)
    path = tmp_path / "survey.fgb"
    frame = gdf([{"park_id": "fenghua-edz"}], [square_m("fenghua-edz")], PROJECTED)
    pyogrio.write_dataframe(frame, path, driver="FlatGeobuf")
    assert [m.park_id for m in preview_file(path, PARKS).matched] == ["fenghua-edz"]
    # The command's help and the refusal of an unknown type list it.
    imp = parser()._subparsers._group_actions[0].choices["import"]  # type: ignore[union-attr]
    (path_arg,) = [a for a in imp._actions if a.dest == "path"]
    assert ".fgb: fgb" in path_arg.help and ".kmz: KMZ (zipped KML)" in path_arg.help
    with pytest.raises(DataError, match=r"unsupported file type '\.dwg'.*; \.fgb: fgb"):
        preview_upload(b"AC1032", "survey.dwg", PARKS)


def test_import_records_changes_that_readers_exports_and_the_bundle_show(
    tmp_path: Path, store: Store
) -> None:
    from zones.cli.main import main
    from zones.io.bundle import write_bundle

    expected: dict[str, tuple[float, str]] = {}
    for fmt in FORMATS:
        path, park, area = fixture_file(tmp_path, fmt)
        assert cli(["import", str(path), "--store", store.url, "--as", "gis-team"]) == 0
        expected[park] = (area, path.name)
    # One batch per import, accepted at once: readers see them without a rebuild.
    assert [b.parks for b in import_batches(store, "gis-team")] == [(p,) for p in expected]
    ds = store.dataset()
    parks = ds.parks.set_index("id")
    for park, (area, name) in expected.items():
        row = parks.loc[park]
        assert row["footprint"] == "surveyed" and row["footprint_source"] == name
        # Within 1 % of the imported polygon's area, measured in EPSG:4549.
        assert row["footprint_area_km2"] == pytest.approx(area, rel=0.01)
        assert area_km2(row["geometry"]) == pytest.approx(area, rel=0.01)
        # The park's area and districts follow from the polygon (the store's overlay).
        assert row["area_km2"] == pytest.approx(area, rel=0.01)
        assert list(row["district_adcodes"]) == districts_of(ds, row["geometry"])
    others = parks.drop(index=list(expected))
    assert set(others["footprint"]) == {"indicative"}

    # A rebuild keeps them: they live in the store's log, not in the built layers.
    build(store.url, GEO_DIR, DATA_DIR)
    assert set(surveyed(store)) == set(expected)

    # `zones export` shows each surveyed, with the area and districts its polygon gives.
    out = tmp_path / "parks.geojson"
    assert main(["export", "--dataset", store.url, "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    exported = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert {p for p, f in exported.items() if f["footprint"] == "surveyed"} == set(expected)
    for park, (area, name) in expected.items():
        props = exported[park]
        assert props["footprint_source"] == name
        assert props["area_km2"] == pytest.approx(area, rel=0.01)
        assert props["district_adcodes"] == districts_of(ds, parks.loc[park, "geometry"])
        assert "surveyed footprint" in props["area_source"]

    info = write_bundle(ds, tmp_path / "bundle.zip", crs="EPSG:4549", geo_dir=GEO_DIR)
    gpkg = f"/vsizip/{info.path}/bundle/zones.gpkg"
    bundled = pyogrio.read_dataframe(gpkg, layer="parks")
    assert bundled.crs.to_epsg() == 4549
    bundled = bundled.set_index("id")
    for park, (area, _) in expected.items():
        assert bundled.loc[park, "footprint"] == "surveyed"
        assert bundled.loc[park, "geometry"].area / 1e6 == pytest.approx(area, rel=0.01)


# --------------------------------------------------------------------------------------------
# CRS


def test_projected_geojson_without_crs_is_refused_then_read_with_the_option(
    tmp_path: Path,
) -> None:
    metres = square_m("wangchun-industrial-park")
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"park_id": "wangchun-industrial-park"},
                "geometry": shapely.geometry.mapping(metres),
            }
        ],
    }
    path = tmp_path / "legacy.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    preview = preview_file(path, PARKS)
    assert not preview.can_apply
    (error,) = preview.errors
    assert error.row == 1 and "outside Ningbo" in error.message and "CRS" in error.message
    preview = preview_file(path, PARKS, ImportOptions(source_crs="EPSG:4549"))
    assert [m.park_id for m in preview.matched] == ["wangchun-industrial-park"]
    assert preview.matched[0].area_km2 == pytest.approx(6.0, rel=1e-3)


def test_shapefile_without_prj_needs_a_crs(tmp_path: Path) -> None:
    frame = gdf([{"park_id": "ningbo-etdz"}], [square_m("ningbo-etdz")], PROJECTED)
    path = write_shp_zip(tmp_path / "noprj.zip", frame, prj=False)
    with pytest.raises(DataError) as exc:
        preview_file(path, PARKS)
    assert "noprj.zip/survey.shp" in str(exc.value)
    assert "--crs" in str(exc.value) and ".prj" in str(exc.value)
    preview = preview_file(path, PARKS, ImportOptions(source_crs="EPSG:4549"))
    assert [m.park_id for m in preview.matched] == ["ningbo-etdz"]
    assert any("no CRS in the file" in p.message for p in preview.problems)


def test_a_crs_option_contradicting_the_file_is_refused(tmp_path: Path) -> None:
    path, _, _ = fixture_file(tmp_path, "gpkg-4549")
    with pytest.raises(DataError, match="declares EPSG:4549 but the CRS option says EPSG:4326"):
        preview_file(path, PARKS, ImportOptions(source_crs="EPSG:4326"))


def test_an_unknown_crs_option_lists_the_usual_ones(tmp_path: Path) -> None:
    path, _, _ = fixture_file(tmp_path, "geojson")
    with pytest.raises(UnknownValueError, match="EPSG:4549"):
        preview_file(path, PARKS, ImportOptions(source_crs="EPSG:not-a-code"))


def test_gcj02_input_is_converted_to_wgs84(tmp_path: Path) -> None:
    wgs = square_deg("ningbo-etdz")
    gcj = shift_geometries(wgs, to="gcj02")
    path = write_geojson(tmp_path / "amap.geojson", gdf([{"park_id": "ningbo-etdz"}], [gcj]))
    plain = preview_file(path, PARKS).matched[0].geometry
    converted = preview_file(path, PARKS, ImportOptions(gcj02=True))
    geom = converted.matched[0].geometry
    # GCJ-02 is ~500 m off around Ningbo; converted back, the outline is within a few cm.
    assert shapely.hausdorff_distance(to_metres(plain), to_metres(wgs)) > 300
    assert shapely.hausdorff_distance(to_metres(geom), to_metres(wgs)) < 0.05
    assert converted.gcj02 and any("GCJ-02" in p.message for p in converted.problems)


# --------------------------------------------------------------------------------------------
# Matching


def match_preview(tmp_path: Path, rows: list[dict[str, Any]], **kw: Any):  # type: ignore[no-untyped-def]
    parks = ["ningbo-etdz", "fenghua-edz", "yuyao-edz", "meishan-bonded-zone", "qianwan-new-area"]
    geoms = [square_deg(parks[i % len(parks)], width=500, height=500) for i in range(len(rows))]
    path = write_geojson(tmp_path / "m.geojson", gdf(rows, geoms))
    return preview_file(path, PARKS, ImportOptions(**kw))


def test_matching_by_id_then_exact_then_normalised_name(tmp_path: Path) -> None:
    preview = match_preview(
        tmp_path,
        [
            {"park_id": "ningbo-etdz", "name": "whatever"},
            {"park_id": "", "name": "奉化经济开发区"},
            {"park_id": "", "name": " 余姚 经济开发区（ ）"},
            {"park_id": "MEISHAN_BONDED_ZONE", "name": ""},
            {"park_id": "", "name": "Ningbo Qianwan New Area"},
        ],
    )
    got = {m.park_id: m.how for m in preview.matched}
    assert got["ningbo-etdz"] == "id"
    assert got["fenghua-edz"] == "name"
    assert got["yuyao-edz"] == "name (normalised)"
    assert got["meishan-bonded-zone"] == "id (normalised)"
    assert got["qianwan-new-area"] in ("name", "name (normalised)")


def test_close_matches_are_proposed_never_taken(tmp_path: Path) -> None:
    rows = [{"name": "宁波保税"}, {"name": "火星工业园"}]
    preview = match_preview(tmp_path, rows)
    assert not preview.matched
    (unmatched,) = preview.unmatched
    assert unmatched.feature == 1
    assert "ningbo-free-trade-zone" in [i for i, _ in unmatched.suggestions]
    assert [n.label for n in preview.new] == ["火星工业园"]
    text = preview.text("zh")
    assert "宁波保税" in text and "ningbo-free-trade-zone" in text and "火星工业园" in text


def test_a_proposal_is_taken_only_when_assigned(tmp_path: Path) -> None:
    rows = [{"name": "宁波保税"}, {"name": "火星工业园"}]
    preview = match_preview(
        tmp_path, rows, assign={"宁波保税": "ningbo-free-trade-zone", "#2": "ningbo-etdz"}
    )
    assert {(m.feature, m.park_id, m.how) for m in preview.matched} == {
        (1, "ningbo-free-trade-zone", "assigned"),
        (2, "ningbo-etdz", "assigned"),
    }
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(UnknownValueError, match="ningbo-etdz"):
        match_preview(other, rows, assign={"#1": "ningbo-etd"})


def test_preview_rows_and_both_languages(tmp_path: Path) -> None:
    preview = match_preview(tmp_path, [{"park_id": "ningbo-etdz"}, {"name": "火星工业园"}])
    rows = preview.rows()
    assert [r["status"] for r in rows] == ["matched", "new"]
    assert rows[0]["park_id"] == "ningbo-etdz" and rows[0]["replaces"] == "indicative"
    assert "匹配 1" in preview.text("zh") and "matched 1" in preview.text("en")


# --------------------------------------------------------------------------------------------
# Apply and undo: changes in the store's log


def test_apply_records_one_batch_of_footprint_changes(tmp_path: Path, store: Store) -> None:
    path, park, _ = fixture_file(tmp_path, "gpkg-4549")
    preview = preview_file(path, store)
    assert preview.store == store.url and preview.versions == {park: 0}
    result = apply_import(preview, store, author="gis-team", imported_on=dt.date(2026, 3, 1))
    assert result.imported == (park,) and result.accepted and result.store == store.url
    (change,) = store.changes()
    assert (change.id, change.batch) == (result.change_ids[0], result.batch)
    assert (change.park_id, change.kind, change.status) == (park, "footprint", "accepted")
    assert change.author == "gis-team" and change.base_version == 0
    assert change.source == path.name
    assert change.note.startswith(
        f"Surveyed boundary imported from {path.name} (feature 1) on 2026-03-01."
    )
    assert [(e.status, e.by) for e in change.events] == [
        ("proposed", "gis-team"),
        ("accepted", "gis-team"),
    ]
    # The new value is RFC 7946 GeoJSON: counter-clockwise, on the 1e-7 degree grid.
    ring = change.new_value["geometry"]["coordinates"][0]
    assert Polygon(ring).exterior.is_ccw
    assert all(round(x, 7) == x for xy in ring for x in xy)
    # The old value: the indicative footprint it replaces.
    assert change.old_value["footprint"] == "indicative"
    assert change.old_value["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_second_import_replaces_its_parks_and_keeps_the_others_then_undo_walks_back(
    tmp_path: Path, store: Store
) -> None:
    first, _, _ = fixture_file(tmp_path, "geojson")  # ningbo-etdz
    apply_import(preview_file(first, store), store, author="gis")
    assert surveyed(store) == {"ningbo-etdz": first.name}

    rows = [{"park_id": "ningbo-etdz"}, {"park_id": "fenghua-edz"}]
    geoms = [square_deg("ningbo-etdz", width=6000), square_deg("fenghua-edz")]
    second = write_geojson(tmp_path / "second.geojson", gdf(rows, geoms))
    preview = preview_file(second, store)
    assert {m.park_id: m.replaces for m in preview.matched} == {
        "ningbo-etdz": "surveyed",
        "fenghua-edz": "indicative",
    }
    result = apply_import(preview, store, author="gis")
    assert set(result.imported) == {"ningbo-etdz", "fenghua-edz"} and len(result.change_ids) == 2
    assert surveyed(store) == {"ningbo-etdz": "second.geojson", "fenghua-edz": "second.geojson"}

    third, _, _ = fixture_file(tmp_path, "kml")  # meishan-bonded-zone, kept alongside
    apply_import(preview_file(third, store), store, author="gis")
    assert set(surveyed(store)) == {"ningbo-etdz", "fenghua-edz", "meishan-bonded-zone"}
    assert len(import_batches(store, "gis")) == 3

    undo_import(store, author="gis")
    assert surveyed(store) == {"ningbo-etdz": "second.geojson", "fenghua-edz": "second.geojson"}
    done = undo_import(store, author="gis")  # the second import, both its parks at once
    assert len(done.reverted) == 2 and done.undone.source == "second.geojson"
    assert surveyed(store) == {"ningbo-etdz": first.name}  # the first import is in force again
    undo_import(store, author="gis")
    assert surveyed(store) == {}
    with pytest.raises(ZonesError, match="nothing to undo"):
        undo_import(store, author="gis")
    assert cli(["import", "--undo", "--store", store.url, "--as", "gis"]) == 1
    # The log keeps every step: nothing was deleted.
    assert [c.status for c in store.changes()] == ["reverted"] * 4


def test_undo_reverts_only_the_authors_own_last_import(tmp_path: Path, store: Store) -> None:
    first, park, _ = fixture_file(tmp_path, "geojson")
    other, other_park, _ = fixture_file(tmp_path, "kml")
    apply_import(preview_file(first, store), store, author="alice")
    apply_import(preview_file(other, store), store, author="bob")  # later, somebody else
    done = undo_import(store, author="alice")
    assert done.undone.parks == (park,)
    assert surveyed(store) == {other_park: other.name}  # bob's stays
    with pytest.raises(ImportRefused, match="no import by alice"):
        undo_import(store, author="alice")
    assert surveyed(store) == {other_park: other.name}


def test_cli_dry_run_writes_nothing_and_undo_restores(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    path, park, _ = fixture_file(tmp_path, "geojson")
    common = ["--store", store.url, "--as", "tester"]
    assert cli(["import", str(path), "--dry-run", "--lang", "en", *common]) == 0
    out = capsys.readouterr().out
    assert "Matched 1" in out and park in out and "dry run" in out
    assert store.changes() == []
    assert cli(["import", str(path), *common]) == 0
    out = capsys.readouterr().out
    assert f"1 park(s) imported into {store.url} by tester: change(s) #1, accepted" in out
    assert surveyed(store) == {park: path.name}
    assert cli(["import", "--undo", *common]) == 0
    assert "reverted change(s) #1 (ningbo-etdz)" in capsys.readouterr().out
    assert set(store.dataset().parks["footprint"]) == {"indicative"}


def test_propose_only_leaves_the_changes_for_review(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from zones.cli.main import main

    path, park, _ = fixture_file(tmp_path, "geojson")
    common = ["--store", store.url, "--as", "tester"]
    assert cli(["import", str(path), "--propose-only", *common]) == 0
    assert "proposed" in capsys.readouterr().out
    (change,) = store.changes()
    assert change.status == "proposed" and surveyed(store) == {}  # not before review
    assert cli(["import", "--undo", *common]) == 1  # nothing of tester's is in force
    assert main(["changes", "accept", str(change.id), "--store", store.url, "--as", "rev"]) == 0
    assert surveyed(store) == {park: path.name}
    assert cli(["import", "--undo", *common]) == 0  # the importer may undo it after review
    assert surveyed(store) == {}


def test_a_failed_apply_records_nothing(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zones.store import log

    rows = [{"park_id": "ningbo-etdz"}, {"park_id": "fenghua-edz"}]
    geoms = [square_deg("ningbo-etdz"), square_deg("fenghua-edz")]
    preview = preview_file(write_geojson(tmp_path / "two.geojson", gdf(rows, geoms)), store)
    revision = store.revision()
    accept = log.accept_change
    calls: list[int] = []

    def second_fails(conn: Any, change_id: int, **kw: Any) -> Any:
        calls.append(change_id)
        if len(calls) == 2:
            raise OSError("disk full")
        return accept(conn, change_id, **kw)

    monkeypatch.setattr(log, "accept_change", second_fails)
    with pytest.raises(OSError, match="disk full"):
        apply_import(preview, store, author="gis")
    assert len(calls) == 2  # the first park was accepted inside the transaction...
    assert store.changes() == [] and store.revision() == revision  # ...and rolled back
    monkeypatch.undo()
    assert len(apply_import(preview, store, author="gis").change_ids) == 2


def test_an_import_on_postgis_lands_whole_refuses_a_stale_preview_and_undoes(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import geopandas as gpd
    import sqlalchemy as sa

    build(pg_url, GEO_DIR, DATA_DIR)
    store = open_store(pg_url)
    rows = [{"park_id": "ningbo-etdz"}, {"park_id": "fenghua-edz"}]
    geoms = [square_deg("ningbo-etdz"), square_deg("fenghua-edz")]
    path = write_geojson(tmp_path / "two.geojson", gdf(rows, geoms))
    early = preview_file(path, store)  # made before the import below
    assert cli(["import", str(path), "--store", pg_url, "--as", "gis-team"]) == 0
    assert "2 park(s) imported" in capsys.readouterr().out
    changes = store.changes()
    assert [(c.park_id, c.status, c.author) for c in changes] == [
        ("ningbo-etdz", "accepted", "gis-team"),
        ("fenghua-edz", "accepted", "gis-team"),
    ]
    assert len({c.batch for c in changes}) == 1  # one batch
    assert set(surveyed(store)) == {"ningbo-etdz", "fenghua-edz"}
    # QGIS's parks_current follows in the same transaction.
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        current = gpd.read_postgis("SELECT * FROM parks_current", conn, geom_col="geometry")
    engine.dispose()
    assert set(current.loc[current["footprint"] == "surveyed", "id"]) == set(surveyed(store))
    # The same parks from the earlier preview: refused whole, naming who changed them.
    with pytest.raises(ImportRefused, match=r"changed since the preview .* by gis-team at"):
        apply_import(early, store, author="someone")
    assert len(store.changes()) == 2
    assert cli(["import", "--undo", "--store", pg_url, "--as", "gis-team"]) == 0
    assert surveyed(store) == {}
    assert [c.status for c in store.changes()] == ["reverted", "reverted"]


def test_an_old_geo_folder_migrates_into_the_log_and_exports_back(
    tmp_path: Path, store: Store
) -> None:
    """`zones store migrate` still takes what file-based imports left in geo/ (the footprints
    and their history), and `zones changes export` writes the accepted ones back."""
    from zones.cli.main import main

    def collection(features: dict[str, Polygon]) -> str:
        return json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"park_id": p, "source": f"{p}.shp", "note": "surveyed"},
                        "geometry": shapely.geometry.mapping(g),
                    }
                    for p, g in features.items()
                ],
            }
        )

    etdz_1, etdz_2 = square_deg("ningbo-etdz", width=3000), square_deg("ningbo-etdz")
    fenghua = shapely.Polygon(list(square_deg("fenghua-edz").exterior.coords)[::-1])  # clockwise
    geo_dir, history = tmp_path / "old_geo", tmp_path / "old_geo" / "surveyed_history"
    history.mkdir(parents=True)
    (history / "surveyed_footprints.20250101T000000000000Z.absent").write_text("")
    (history / "surveyed_footprints.20250102T000000000000Z.geojson").write_text(
        collection({"ningbo-etdz": etdz_1})
    )
    (history / "surveyed_footprints.20250103T000000000000Z.undone.geojson").write_text(
        collection({"yuyao-edz": square_deg("yuyao-edz")})  # undone: never restored
    )
    (geo_dir / "surveyed_footprints.geojson").write_text(
        collection({"ningbo-etdz": etdz_2, "fenghua-edz": fenghua})
    )
    common = ["--store", store.url, "--as", "migrator"]
    assert main(["store", "migrate", "--geo", str(geo_dir), *common]) == 0
    assert [(c.park_id, c.status) for c in store.changes()] == [
        ("ningbo-etdz", "accepted"),  # the history's version, oldest first
        ("fenghua-edz", "accepted"),  # then the current file
        ("ningbo-etdz", "accepted"),
    ]
    assert set(surveyed(store)) == {"ningbo-etdz", "fenghua-edz"}
    out = tmp_path / "surveyed_footprints.geojson"
    assert main(["changes", "export", "--out", str(out), *common]) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["park_id"] for f in features] == ["fenghua-edz", "ningbo-etdz"]
    for feature in features:  # RFC 7946, as zones writes every GeoJSON
        ring = feature["geometry"]["coordinates"][0]
        assert Polygon(ring).exterior.is_ccw
        assert all(round(x, 7) == x for xy in ring for x in xy)


def test_a_preview_from_an_older_read_of_the_store_shows_the_park_as_it_is(
    tmp_path: Path, store: Store
) -> None:
    from zones.importing import Target

    path, park, _ = fixture_file(tmp_path, "geojson")
    cached = Target.of_store(store)  # the parks as the app read them earlier
    apply_import(preview_file(path, store), store, author="other")  # then the park moved on
    preview = preview_file(path, cached)
    # Read again after the versions: the preview shows what it will replace, at that version.
    assert [(m.park_id, m.replaces) for m in preview.matched] == [(park, "surveyed")]
    assert preview.versions == {park: 1} and preview.revision == store.revision()
    apply_import(preview, store, author="me")
    assert [c.author for c in store.changes(status="accepted")] == ["other", "me"]


def test_a_preview_without_a_store_cannot_be_applied(tmp_path: Path, store: Store) -> None:
    path, _, _ = fixture_file(tmp_path, "geojson")
    preview = preview_file(path, PARKS)  # a table of parks: a preview only
    with pytest.raises(ImportRefused, match="previewed against a table of parks"):
        apply_import(preview, store, author="gis")
    assert store.changes() == []


# --------------------------------------------------------------------------------------------
# Bad input: each names the file (and feature), exits non-zero when nothing is imported,
# writes nothing, executes nothing, never shows a traceback.


def _zip_bytes(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buffer.getvalue()


def bad_malformed_json(tmp: Path) -> Path:
    text = '{"type": "FeatureCollection", "features": [\n  {"type": "Feature",,}\n]}'
    return write_file(tmp / "broken.geojson", text)


def bad_truncated_gpkg(tmp: Path) -> Path:
    path, _, _ = fixture_file(tmp, "gpkg-4549")
    data = path.read_bytes()
    return write_file(tmp / "truncated.gpkg", data[: len(data) // 3])


def bad_traversal_zip(tmp: Path) -> Path:
    return write_file(
        tmp / "traversal.zip",
        _zip_bytes([("survey.geojson", b"{}"), ("../../evil.geojson", b"{}")]),
    )


def bad_absolute_zip(tmp: Path) -> Path:
    return write_file(tmp / "absolute.zip", _zip_bytes([("/tmp/evil.geojson", b"{}")]))


def bad_symlink_zip(tmp: Path) -> Path:
    info = zipfile.ZipInfo("link.geojson")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return write_file(tmp / "symlink.zip", _zip_bytes([(info, b"/etc/passwd")]))


def bad_zip_bomb(tmp: Path) -> Path:
    # 3 MB of zeros (a few kB compressed) against a 1 MB limit (monkeypatched below).
    return write_file(tmp / "bomb.zip", _zip_bytes([("survey.geojson", b" " * (3 * 2**20))]))


def bad_shapefile_without_prj(tmp: Path) -> Path:
    frame = gdf([{"park_id": "ningbo-etdz"}], [square_m("ningbo-etdz")], PROJECTED)
    return write_shp_zip(tmp / "noprj.zip", frame, prj=False)


def bad_outside_ningbo(tmp: Path) -> Path:
    far = box(116.3, 39.9, 116.4, 40.0)  # Beijing
    return write_geojson(tmp / "far.geojson", gdf([{"park_id": "ningbo-etdz"}], [far]))


def bad_duplicate_ids(tmp: Path) -> Path:
    rows = [{"park_id": "ningbo-etdz"}, {"park_id": "ningbo-etdz"}]
    geoms = [square_deg("ningbo-etdz"), square_deg("ningbo-etdz", width=500)]
    return write_geojson(tmp / "dupes.geojson", gdf(rows, geoms))


def bad_kml_entities(tmp: Path) -> Path:
    return write_file(
        tmp / "laughs.kml",
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&b;</name></Document></kml>',
    )


def bad_not_a_zip(tmp: Path) -> Path:
    return write_file(tmp / "fake.zip", b"this is not a zip")


def bad_unsupported(tmp: Path) -> Path:
    return write_file(tmp / "survey.dwg", b"AC1032")


def bad_not_polygon(tmp: Path) -> Path:
    lon, lat = LOCATIONS.loc["ningbo-etdz", ["lon", "lat"]]
    point = Point(float(lon), float(lat))
    return write_geojson(tmp / "points.geojson", gdf([{"park_id": "ningbo-etdz"}], [point]))


def bad_mif_without_mid(tmp: Path) -> Path:
    folder = tmp / "mif"
    folder.mkdir()
    frame = gdf([{"park_id": "ningbo-etdz"}], [square_m("ningbo-etdz")], PROJECTED)
    pyogrio.write_dataframe(frame, folder / "survey.mif", driver="MapInfo File", FORMAT="MIF")
    return zip_members(tmp / "nomid.zip", folder, (".mif",))


def bad_not_a_tab(tmp: Path) -> Path:
    folder = tmp / "tab"
    folder.mkdir()
    for suffix in (".tab", ".dat", ".map", ".id"):
        (folder / f"survey{suffix}").write_bytes(b"PK\x03\x04 not MapInfo")
    return zip_members(tmp / "nottab.zip", folder, (".tab", ".dat", ".map", ".id"))


def bad_dwg_named_dxf(tmp: Path) -> Path:
    return write_file(tmp / "redline.dxf", b"AC1032\x00\x00\x00\x00\x00\x00")


def bad_text_named_dxf(tmp: Path) -> Path:
    return write_file(tmp / "notes.dxf", "红线坐标见附件\r\n")


def bad_gdb_tables_without_their_folder(tmp: Path) -> Path:
    gdb = tmp / "survey.gdb"
    frame = gdf([{"park_id": "ningbo-etdz"}], [square_m("ningbo-etdz")], PROJECTED)
    pyogrio.write_dataframe(frame, gdb, layer="survey", driver="OpenFileGDB")
    return zip_members(tmp / "loose.zip", gdb, tuple({p.suffix for p in gdb.iterdir()}))


def bad_gdb_zip_without_gdb(tmp: Path) -> Path:
    return write_file(tmp / "empty.gdb.zip", _zip_bytes([("survey/readme.txt", b"nothing here")]))


def bad_gdb_folder_without_its_tables(tmp: Path) -> Path:
    return write_file(tmp / "hollow.gdb.zip", _zip_bytes([("survey.gdb/gdb", b"\x05\x00\x00\x00")]))


#: name -> (make the file, text every message must contain)
BAD_INPUTS = {
    "malformed JSON": (bad_malformed_json, "broken.geojson:2: not valid JSON"),
    "truncated GeoPackage": (bad_truncated_gpkg, "truncated.gpkg: cannot be read"),
    "zip with ../ entries": (bad_traversal_zip, "traversal.zip: zip entry '../../evil.geojson'"),
    "zip with an absolute path": (bad_absolute_zip, "absolute.zip: zip entry '/tmp/evil.geojson'"),
    "zip with a symlink": (bad_symlink_zip, "symlink.zip: zip entry 'link.geojson' is a link"),
    "zip over the size limit": (bad_zip_bomb, "bomb.zip: unpacks to 3,145,728 bytes"),
    "Shapefile without .prj": (bad_shapefile_without_prj, "noprj.zip/survey.shp [crs]"),
    "far outside Ningbo": (bad_outside_ningbo, "far.geojson:1 [geometry]"),
    "duplicate ids": (bad_duplicate_ids, "features #1, #2 all match park ningbo-etdz"),
    "KML entities": (bad_kml_entities, "laughs.kml: KML with a DOCTYPE"),
    "not a zip": (bad_not_a_zip, "fake.zip: not a zip file"),
    "unsupported type": (bad_unsupported, "survey.dwg: unsupported file type '.dwg'"),
    "points, not polygons": (bad_not_polygon, "points.geojson:1 [geometry]"),
    "MIF without its .mid": (bad_mif_without_mid, "nomid.zip/survey.mif: the .mif has no .mid"),
    "not a MapInfo .tab": (bad_not_a_tab, "nottab.zip/survey.tab: not a MapInfo table"),
    "a DWG named .dxf": (bad_dwg_named_dxf, "redline.dxf: is a DWG drawing, not DXF; save it"),
    "text named .dxf": (bad_text_named_dxf, "notes.dxf: not a DXF drawing (no SECTION"),
    "File Geodatabase tables zipped without their .gdb folder": (
        bad_gdb_tables_without_their_folder,
        "loose.zip: holds the tables of a File Geodatabase (a00000001.gdbtable",
    ),
    "a .gdb.zip without a .gdb folder": (
        bad_gdb_zip_without_gdb,
        "empty.gdb.zip: holds no dataset zones reads (.gdb/; found: survey/readme.txt)",
    ),
    "a .gdb folder without its tables": (
        bad_gdb_folder_without_its_tables,
        "hollow.gdb.zip/survey.gdb: not a File Geodatabase (no a00000001.gdbtable",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_reported_and_nothing_is_written(
    case: str,
    tmp_path: Path,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(import_options, "DEFAULT_LIMITS", Limits(max_unpacked_bytes=2**20))
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    make, expected = BAD_INPUTS[case]
    path = make(inputs)
    revision = store.revision()
    status = cli(["import", str(path), "--store", store.url, "--as", "tester"])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert status == 1, output
    assert expected in output, output
    assert "Traceback" not in output
    assert store.changes() == [] and store.revision() == revision
    assert not (tmp_path / "evil.geojson").exists() and not Path("/tmp/evil.geojson").exists()


def test_a_zip_whose_real_size_exceeds_its_declared_size_is_stopped(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes([("survey.geojson", b" " * (3 * 2**20))]))
    # Lie in the central directory: declare 10 bytes uncompressed.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    with pytest.raises(DataError) as exc:
        preview_upload(
            bytes(data), "liar.zip", PARKS, ImportOptions(limits=Limits(max_unpacked_bytes=2**20))
        )
    assert "liar.zip" in str(exc.value)


def test_self_intersecting_polygons_are_repaired_and_reported(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, c, d = square_deg("ningbo-etdz").exterior.coords[:4]
    bowtie = Polygon([a, c, b, d, a])  # crosses itself
    assert not bowtie.is_valid
    path = write_geojson(tmp_path / "bowtie.geojson", gdf([{"park_id": "ningbo-etdz"}], [bowtie]))
    status = cli(["import", str(path), "--store", store.url, "--as", "tester"])
    out = capsys.readouterr().out
    assert status == 0
    assert "bowtie.geojson:1 [geometry]" in out and "repaired with make_valid" in out
    row = store.dataset().parks.set_index("id").loc["ningbo-etdz"]
    assert row["footprint"] == "surveyed" and row["geometry"].is_valid


def test_good_features_are_imported_next_to_bad_ones(tmp_path: Path) -> None:
    far = box(116.3, 39.9, 116.4, 40.0)
    rows = [{"park_id": "fenghua-edz"}, {"park_id": "ningbo-etdz"}]
    path = write_geojson(tmp_path / "mixed.geojson", gdf(rows, [far, square_deg("ningbo-etdz")]))
    preview = preview_file(path, PARKS)
    assert [m.park_id for m in preview.matched] == ["ningbo-etdz"]
    (error,) = preview.errors
    assert (error.file, error.row) == (str(path), 1)
    assert "outside Ningbo" in error.message


def test_markup_in_attributes_is_plain_text_and_never_run(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    hostile_note = (
        "<script>alert(1)</script><img src=x onerror=alert(2)> "
        f"__import__('os').system('touch {marker}') {{{{7*7}}}} ${{jndi:ldap://x}}"
    )
    rows = [
        {"park_id": "ningbo-etdz", "note": hostile_note + "\x1b[31m\u202e"},
        {"park_id": "", "name": "<b onmouseover=alert(3)>园</b>"},
    ]
    geoms = [square_deg("ningbo-etdz"), square_deg("fenghua-edz", width=400, height=400)]
    path = write_geojson(tmp_path / "<evil>.geojson", gdf(rows, geoms))
    status = cli(["import", str(path), "--store", store.url, "--as", "tester"])
    out = capsys.readouterr().out
    assert status == 0
    assert "<b onmouseover=alert(3)>园</b>" in out  # shown as typed, as plain text
    assert "\x1b" not in out and "\u202e" not in out  # no terminal escapes or bidi overrides
    (change,) = store.changes()
    assert change.source == "<evil>.geojson"
    assert hostile_note in change.note and "\x1b" not in change.note
    ds = store.dataset()
    assert hostile_note in ds.parks.set_index("id").loc["ningbo-etdz", "footprint_note"]
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Uploads and encodings


def test_upload_bytes_with_a_path_in_the_name_use_the_base_name_only(tmp_path: Path) -> None:
    path, park, _ = fixture_file(tmp_path, "shp-gbk")
    preview = preview_upload(path.read_bytes(), "C:\\Users\\gis\\..\\..\\survey.zip", PARKS)
    assert preview.source == "survey.zip"
    assert preview.file == "survey.zip/survey.shp"
    assert [m.park_id for m in preview.matched] == [park]


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_shapefile_text_without_cpg_is_guessed(tmp_path: Path, encoding: str) -> None:
    frame = gdf([{"名称": "余姚经济开发区"}], [square_deg("yuyao-edz")])
    path = write_shp_zip(tmp_path / "nocpg.zip", frame, encoding=encoding, cpg=False)
    preview = preview_file(path, PARKS)
    assert [m.park_id for m in preview.matched] == ["yuyao-edz"]
    if encoding == "GBK":
        assert any("GB18030 (guessed)" in p.message for p in preview.problems)
    forced = preview_file(path, PARKS, ImportOptions(encoding=encoding))
    assert [m.park_id for m in forced.matched] == ["yuyao-edz"]


def test_a_geopackage_with_several_polygon_layers_needs_a_layer(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    for layer, park in (("a", "ningbo-etdz"), ("b", "fenghua-edz")):
        frame = gdf([{"park_id": park}], [square_deg(park)])
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    with pytest.raises(DataError, match="several polygon layers"):
        preview_file(path, PARKS)
    assert [m.park_id for m in preview_file(path, PARKS, ImportOptions(layer="b")).matched] == [
        "fenghua-edz"
    ]


def test_kmz_is_read(tmp_path: Path) -> None:
    kml, park, _ = fixture_file(tmp_path, "kml")
    kmz = tmp_path / "survey.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    assert [m.park_id for m in preview_file(kmz, PARKS).matched] == [park]


def test_plain_text_drops_control_characters() -> None:
    assert plain_text("a\x00b\x1b[31mc\u202ed\n e") == "a b [31mc d e"
    assert plain_text(float("nan")) == ""
    assert plain_text(np.float64(1.5)) == "1.5"


def test_a_zones_bundle_sent_back_imports_only_what_was_surveyed(tmp_path: Path) -> None:
    from zones.build.assemble import build_dataset
    from zones.io.bundle import write_bundle

    ds, _ = build_dataset()
    info = write_bundle(ds, tmp_path / "b.zip", crs="EPSG:4549")
    root = f"/vsizip/{info.path}/b/zones.gpkg"
    parks = pyogrio.read_dataframe(root, layer="parks")
    row = parks.index[parks["id"] == "ningbo-etdz"][0]
    parks.loc[row, "footprint"] = "surveyed"
    parks.loc[row, "geometry"] = square_m("ningbo-etdz")
    back = tmp_path / "edited.gpkg"
    pyogrio.write_dataframe(pyogrio.read_dataframe(root, layer="belts"), back, layer="belts")
    pyogrio.write_dataframe(parks, back, layer="parks", promote_to_multi=True)
    preview = preview_file(back, PARKS)
    assert [(m.park_id, m.how) for m in preview.matched] == [("ningbo-etdz", "id")]
    assert preview.matched[0].area_km2 == pytest.approx(29.6, rel=1e-3)
    skipped = [p for p in preview.errors if p.field == "footprint"]
    assert len(skipped) == len(parks) - 1
    assert "marked footprint = indicative" in skipped[0].message


def test_a_zip_with_gbk_member_names_from_chinese_windows(tmp_path: Path) -> None:
    frame = gdf([{"park_id": "ningbo-etdz"}], [square_deg("ningbo-etdz")])
    path = write_shp_zip(tmp_path / "legacy.zip", frame)
    # Rename the members to 宁波 in GBK without the UTF-8 flag, as Windows zip tools do.
    data = path.read_bytes().replace(b"survey", "宁波园区".encode("gbk")[:6])
    assert len("宁波园区".encode("gbk")[:6]) == len(b"survey")
    preview = preview_upload(data, "legacy.zip", PARKS)
    assert preview.file == "legacy.zip/宁波园.shp"
    assert [m.park_id for m in preview.matched] == ["ningbo-etdz"]


# --------------------------------------------------------------------------------------------
# DXF, MapInfo and File Geodatabase (issue 13 item 4): files made by GDAL's ogr2ogr from a
# GeoJSON in EPSG:4549, imported, and read back from the store to the same geometry

OGR2OGR = shutil.which("ogr2ogr")
needs_ogr2ogr = pytest.mark.skipif(
    OGR2OGR is None,
    reason="GDAL's ogr2ogr is not installed (Debian's gdal-bin: ./dev test installs it)",
)
#: How close an imported footprint must be to what the GIS team drew, in EPSG:4549 metres.
SAME_WITHIN_M = 0.1


def ogr2ogr(*args: str | Path) -> None:
    """Run GDAL's ogr2ogr; its messages in the failure."""
    done = subprocess.run([str(OGR2OGR), *map(str, args)], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")


def geojson_4549(path: Path, features: list[tuple[dict[str, Any], Any]]) -> Path:
    """A GeoJSON in EPSG:4549 metres, its ``crs`` member saying so (what GDAL reads)."""
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def courtyard(park_id: str) -> Polygon:
    """:func:`square_m` of the park with a 200 m courtyard (a hole) at its centre."""
    outer = square_m(park_id)
    centre = outer.centroid
    hole = box(centre.x - 100, centre.y - 100, centre.x + 100, centre.y + 100)
    return Polygon(outer.exterior.coords, [hole.exterior.coords])


def zip_members(path: Path, folder: Path, suffixes: tuple[str, ...], under: str = "") -> Path:
    """Zip the files of ``folder`` ending in ``suffixes`` (as ``under/NAME`` when given)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(folder.iterdir()):
            if member.suffix.lower() in suffixes:
                zf.write(member, f"{under}/{member.name}" if under else member.name)
    return path


def same_geometry(imported: Any, drawn: Any) -> float:
    """How far apart (metres, EPSG:4549) an imported WGS84 footprint and what was drawn in
    EPSG:4549 are: the Hausdorff distance of their outlines, holes included."""
    return float(shapely.hausdorff_distance(to_metres(imported), drawn))


def parts(geom: Any) -> list[Polygon]:
    return list(getattr(geom, "geoms", [geom]))


#: format -> (park, attributes, how it matches)
GDAL_FORMATS = {
    "mapinfo-tab": ("yuyao-edz", {"name": "余姚经济开发区", "note": "2024 测绘"}, "name"),
    "mapinfo-mif": ("fenghua-edz", {"park_id": "fenghua-edz", "name": "奉化经济开发区"}, "id"),
    "filegdb": ("meishan-bonded-zone", {"park_id": "meishan-bonded-zone"}, "id"),
    "dxf": ("ningbo-etdz", {"Layer": "ningbo-etdz"}, "id"),
}


def gdal_file(tmp_path: Path, fmt: str) -> tuple[Path, str, Polygon, list[str]]:
    """The survey of ``fmt`` written by ogr2ogr from a GeoJSON in EPSG:4549 (and zipped as a GIS
    team sends it): (file, park, polygon drawn in EPSG:4549, the options it needs)."""
    park, attrs, _ = GDAL_FORMATS[fmt]
    polygon = courtyard(park)
    work = tmp_path / fmt
    work.mkdir()
    if fmt == "dxf":  # CAD draws closed polylines: the outline and the courtyard's
        rings = [shapely.LineString(r.coords) for r in (polygon.exterior, *polygon.interiors)]
        source = geojson_4549(work / "survey.geojson", [(attrs, r) for r in rings])
        ogr2ogr("-f", "DXF", tmp_path / "survey.dxf", source)
        return tmp_path / "survey.dxf", park, polygon, ["--crs", "EPSG:4549"]
    source = geojson_4549(work / "survey.geojson", [(attrs, polygon)])
    gbk = ("-lco", "ENCODING=CP936")  # as Chinese MapInfo writes it: WindowsSimpChinese
    if fmt == "mapinfo-tab":
        ogr2ogr("-f", "MapInfo File", *gbk, work / "survey.tab", source)
        path = zip_members(tmp_path / "survey-tab.zip", work, (".tab", ".dat", ".map", ".id"))
    elif fmt == "mapinfo-mif":
        ogr2ogr("-f", "MapInfo File", "-dsco", "FORMAT=MIF", *gbk, work / "survey.mif", source)
        path = zip_members(tmp_path / "survey-mif.zip", work, (".mif", ".mid"))
    else:
        gdb = work / "survey.gdb"
        ogr2ogr("-f", "OpenFileGDB", "-nln", "survey", gdb, source)
        suffixes = tuple({p.suffix for p in gdb.iterdir()})
        path = zip_members(tmp_path / "survey.gdb.zip", gdb, suffixes, under="survey.gdb")
    return path, park, polygon, []


@needs_ogr2ogr
@pytest.mark.parametrize("fmt", list(GDAL_FORMATS))
def test_gis_formats_made_by_ogr2ogr_import_to_the_same_geometry(
    tmp_path: Path, store: Store, fmt: str
) -> None:
    path, park, polygon, options = gdal_file(tmp_path, fmt)
    crs = dict(zip(options[::2], options[1::2], strict=True)).get("--crs")
    preview = preview_file(path, store, ImportOptions(source_crs=crs))
    assert [(m.park_id, m.how) for m in preview.matched] == [(park, GDAL_FORMATS[fmt][2])], (
        preview.text("en")
    )
    assert not preview.errors and not preview.mismatches
    assert cli(["import", str(path), *options, "--store", store.url, "--as", "gis-team"]) == 0
    # Read back from the store's dataset (what every reader sees), measured in EPSG:4549.
    row = store.dataset().parks.set_index("id").loc[park]
    assert row["footprint"] == "surveyed" and row["footprint_source"] == path.name
    (got,) = parts(row["geometry"])
    assert len(got.interiors) == 1  # the courtyard is still a hole
    assert same_geometry(got, polygon) < SAME_WITHIN_M
    assert row["area_km2"] == pytest.approx(polygon.area / 1e6, rel=1e-4)
    if fmt == "mapinfo-tab":  # GBK text (WindowsSimpChinese) read right, the note kept
        (change,) = store.changes()
        assert change.note.endswith("Note in the file: 2024 测绘")


@needs_ogr2ogr
def test_a_dxf_drawing_its_layers_texts_parcels_and_hatches(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """A red-line drawing as a CAD team sends it (ogr2ogr writes Chinese layer names as
    UTF-8 in a drawing declaring ANSI_1252): layers named after parks, a text inside a shape,
    a park in two parcels, a hatch, an open road, a shape on layer 0."""
    fenghua = courtyard("fenghua-edz")
    yuyao = square_m("yuyao-edz")
    meishan = square_m("meishan-bonded-zone")
    x0, y0, x1, y1 = meishan.bounds
    middle = (x0 + x1) / 2
    parcels = [box(x0, y0, middle - 50, y1), box(middle + 50, y0, x1, y1)]  # a 100 m canal
    etdz = square_m("ningbo-etdz")
    wangchun = square_m("wangchun-industrial-park")

    def ring(geom: Any) -> Any:
        return shapely.LineString(geom.coords)

    features: list[tuple[dict[str, Any], Any]] = [
        ({"Layer": "fenghua-edz"}, ring(fenghua.exterior)),
        ({"Layer": "fenghua-edz"}, ring(fenghua.interiors[0])),
        ({"Layer": "红线"}, ring(yuyao.exterior)),
        ({"Layer": "文字", "label": "余姚经济开发区"}, yuyao.centroid),
        *[({"Layer": "宁波梅山综合保税区"}, ring(p.exterior)) for p in parcels],
        ({"Layer": "ningbo-etdz"}, etdz),  # a polygon: ogr2ogr writes a HATCH
        ({"Layer": "道路"}, shapely.LineString([(x0, y0 - 500), (x1, y0 - 500)])),
        ({"Layer": "0"}, ring(wangchun.exterior)),
    ]
    source = geojson_4549(tmp_path / "redline.geojson", features)
    path = tmp_path / "红线图.dxf"
    style = "CONCAT('LABEL(f:\"SimSun\",t:\"', label, '\")') AS OGR_STYLE"  # texts as MTEXT
    ogr2ogr("-f", "DXF", path, source, "-sql", f"SELECT *, {style} FROM redline")

    preview = preview_file(path, store, ImportOptions(source_crs="EPSG:4549"))
    assert preview.features == 6  # fenghua, 红线, two parcels, the hatch, layer 0
    assert {m.park_id: m.how for m in preview.matched} == {
        "fenghua-edz": "id",  # its layer's name
        "yuyao-edz": "name",  # the text inside it
        "meishan-bonded-zone": "name",  # its layer's name, its two parcels merged
        "ningbo-etdz": "id",
    }
    assert [n.label for n in preview.new] == ["0"]
    messages = "\n".join(p.message for p in preview.problems)
    assert "features #3, #4 (layer “宁波梅山综合保税区”) are parts of park meishan-bonded-zone" in (
        messages
    )
    assert "1 open line(s) ignored (layers “道路”)" in messages
    assert "read as UTF-8" in messages
    assert not preview.errors and not preview.mismatches

    # The shape on layer 0 is taken with --match, by its label (the layer) or its number.
    common = ["--crs", "EPSG:4549", "--lang", "en", "--store", store.url, "--as", "cad"]
    assert cli(["import", str(path), "--match", "0=wangchun-industrial-park", *common]) == 0
    out = capsys.readouterr().out
    assert "“0” -> wangchun-industrial-park" in out
    parks = store.dataset().parks.set_index("id")
    drawn = {
        "fenghua-edz": fenghua,
        "yuyao-edz": yuyao,
        "meishan-bonded-zone": shapely.MultiPolygon(parcels),
        "ningbo-etdz": etdz,
        "wangchun-industrial-park": wangchun,
    }
    for park, polygon in drawn.items():
        row = parks.loc[park]
        assert row["footprint"] == "surveyed" and row["footprint_source"] == "红线图.dxf"
        assert same_geometry(row["geometry"], polygon) < SAME_WITHIN_M, park
        assert len(parts(row["geometry"])) == len(parts(polygon)), park
    assert len(parts(parks.loc["fenghua-edz", "geometry"])[0].interiors) == 1
    notes = {c.park_id: c.note for c in store.changes()}
    assert "红线图.dxf (features 3, 4)" in notes["meishan-bonded-zone"]
    assert "红线图.dxf (feature 1)" in notes["fenghua-edz"]


def test_the_gis_formats_are_read_from_the_registry_and_their_checks(tmp_path: Path) -> None:
    from zones.io.formats import FORMATS, upload_extensions

    assert FORMATS["filegdb"].contains == ("gdb",) and FORMATS["gdb"].folder
    assert {"mapinfo", "dxf", "gdb"} <= set(FORMATS["zip"].contains)
    uploads = upload_extensions()
    assert "dxf" in uploads and "gdb.zip" in uploads  # one file each
    assert not {"tab", "mif", "gdb"} & set(uploads)  # sidecars or a folder: zip them
    # A .gdb folder given as it is: zip it.
    folder = tmp_path / "survey.gdb"
    folder.mkdir()
    with pytest.raises(DataError, match=r"survey\.gdb: is a folder \(a File Geodatabase\); zip"):
        preview_file(folder, PARKS)


@pytest.mark.parametrize("kind", ["gpkg", "gdb"])
def test_one_zipped_dataset_of_several_layers_offers_them_as_member_and_layer(
    tmp_path: Path, kind: str
) -> None:
    from zones.importing import upload_layers

    dataset = tmp_path / f"survey.{kind}"
    driver = "GPKG" if kind == "gpkg" else "OpenFileGDB"
    for layer, park in (("a", "ningbo-etdz"), ("b", "fenghua-edz")):
        frame = gdf([{"park_id": park}], [square_m(park)], PROJECTED)
        pyogrio.write_dataframe(frame, dataset, layer=layer, driver=driver)
    path = tmp_path / "survey.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for member in [dataset] if kind == "gpkg" else sorted(dataset.iterdir()):
            zf.write(member, member.relative_to(tmp_path).as_posix())
    data = path.read_bytes()
    choices = upload_layers(data, path.name)
    assert choices == [f"survey.{kind}:a", f"survey.{kind}:b"]
    for choice, park in zip(choices, ["ningbo-etdz", "fenghua-edz"], strict=True):
        preview = preview_upload(data, path.name, PARKS, ImportOptions(layer=choice))
        assert [m.park_id for m in preview.matched] == [park]


def r12_dxf(path: Path, layer: str, ring: Any, encoding: str) -> Path:
    """A minimal R12 DXF as older Chinese CAD tools write it: no header (no code page), one
    closed POLYLINE on ``layer``, CRLF lines, text in ``encoding``."""
    lines = ["0", "SECTION", "2", "ENTITIES", "0", "POLYLINE", "8", layer, "66", "1", "70", "1"]
    for x, y in list(ring.coords)[:-1]:
        lines += ["0", "VERTEX", "8", layer, "10", f"{x:.3f}", "20", f"{y:.3f}"]
    lines += ["0", "SEQEND", "0", "ENDSEC", "0", "EOF"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize("encoding", [None, "GBK"])
def test_a_gbk_dxf_without_a_code_page_is_read_in_chinese(
    tmp_path: Path, encoding: str | None
) -> None:
    meishan = square_m("meishan-bonded-zone")
    path = r12_dxf(tmp_path / "梅山.dxf", "宁波梅山综合保税区", meishan.exterior, "gbk")
    preview = preview_file(path, PARKS, ImportOptions(source_crs="EPSG:4549", encoding=encoding))
    assert [(m.park_id, m.how, m.label) for m in preview.matched] == [
        ("meishan-bonded-zone", "name", "宁波梅山综合保税区")
    ]
    said = "GBK" if encoding else "GB18030"
    assert any(f"layer names and texts read as {said}" in p.message for p in preview.problems)
    assert preview.matched[0].area_km2 == pytest.approx(meishan.area / 1e6, rel=1e-5)
