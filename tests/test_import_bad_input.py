"""`zones import` tried as a new user would (issue 8): the hostile inputs of
tests/fixtures/bad_input/, concurrent imports, stale previews, multi-layer files, messages in
both languages, and surveyed footprints checked against their park.

Everything is recorded in a store of the test's own (tests/conftest.py's ``repo_store``: the
repository's geo/ and data/ built into tmp_path), never in the repository's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box

from tests.test_importer import PARKS, cli, gdf, surveyed, write_geojson
from zones import importing
from zones.errors import DataError, Problem
from zones.geo.geometry import area_km2, to_degrees, to_metres
from zones.importing import (
    ImportOptions,
    ImportPreview,
    ImportRefused,
    apply_import,
    error_message,
    import_batches,
    preview_file,
    preview_upload,
    problem_text,
    undo_import,
    upload_layers,
)
from zones.present.analysis import AIRPORT, RAIL, SEAPORT, nearest
from zones.settings import GEO_DIR
from zones.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"


@pytest.fixture()
def store(repo_store: Store) -> Store:
    """A store of the repository's data, its log empty (tests/conftest.py)."""
    return repo_store


def run_cli(store: Store, *args: str) -> int:
    return cli(["import", *args, "--store", store.url, "--as", "tester"])


def square_at(lon: float, lat: float, km2: float) -> shapely.Polygon:
    """A square of ``km2`` (measured in EPSG:4549) centred on (lon, lat), in WGS84."""
    centre = to_metres(Point(lon, lat))
    half = km2**0.5 * 500
    return to_degrees(box(centre.x - half, centre.y - half, centre.x + half, centre.y + half))


# --------------------------------------------------------------------------------------------
# Item 1: a file-level note next to a feature-level problem


#: fixture, options, exit status, the file-level problem, the feature-level one
MIXED = {
    "Shapefile without .prj, wrong CRS picked": (
        "import_shp_no_prj.zip",
        ["--crs", "EPSG:4326"],
        1,
        "survey.shp [crs]: no CRS in the file: read as EPSG:4326",
        "survey.shp:1 [geometry]: “ningbo-etdz”: lies outside Ningbo",
    ),
    "GeoJSON in EPSG:4549 picked": (
        "import_4549_no_crs.geojson",
        ["--crs", "EPSG:4549"],
        0,
        "import_4549_no_crs.geojson [crs]: no crs member: coordinates read as EPSG:4549",
        "import_4549_no_crs.geojson:2 [geometry]: “fenghua-edz”: is a Point",
    ),
    "--gcj02 on a self-intersecting polygon": (
        "import_self_intersecting.geojson",
        ["--gcj02"],
        0,
        "import_self_intersecting.geojson [crs]: coordinates converted from GCJ-02",
        "import_self_intersecting.geojson:1 [geometry]: “宁波经济技术开发区”: was invalid",
    ),
    "GBK Shapefile without .cpg, self-intersecting": (
        "import_gbk_no_cpg_self_intersecting.zip",
        [],
        0,
        "survey.shp: no .cpg file: attribute text read as GB18030 (guessed)",
        "survey.shp:1 [geometry]: “奉化经济开发区”: was invalid",
    ),
}


@pytest.mark.parametrize("case", list(MIXED))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_preview_with_file_and_feature_problems_does_not_crash(
    case: str, lang: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    name, options, status, whole_file, feature = MIXED[case]
    code = run_cli(store, str(FIXTURES / name), *options, "--lang", lang)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == status, output
    assert "Traceback" not in output and "TypeError" not in output and "not supported" not in output
    # Both are listed, the file-level one first.
    assert whole_file in output and feature in output, output
    assert output.index(whole_file) < output.index(feature)
    if status == 0:
        assert surveyed(store)  # and the good feature was imported


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_preview_text_sorts_file_level_problems_first(lang: str) -> None:
    preview = ImportPreview(
        file="f.geojson",
        source="f.geojson",
        crs="EPSG:4326",
        gcj02=False,
        features=2,
        problems=[
            Problem("f.geojson", 2, "geometry", "b"),
            Problem("f.geojson", None, "crs", "a", "note"),
            Problem("f.geojson", 1, None, "c", "note"),
        ],
    )
    lines = [line.strip() for line in preview.text(lang).splitlines()]
    listed = [line for line in lines if line.startswith(("error", "note", "错误", "说明"))]
    assert [line[-1] for line in listed] == ["a", "c", "b"]


# --------------------------------------------------------------------------------------------
# Item 2: concurrent imports keep every park; a preview of a park that moved on is refused

#: Parks with a recorded location, imported at the same time, each by its own process.
CONCURRENT = [
    "wangchun-industrial-park",
    "fenghua-edz",
    "yuyao-edz",
    "ningbo-petrochemical-etdz",
    "ningbo-etdz",
    "yinzhou-edz",
    "ningbo-airport-economy-zone",
    "meishan-bonded-zone",
]


def park_square(park_id: str) -> shapely.Polygon:
    """A square of ``park_id``'s recorded area (or 4 km²) on its recorded location."""
    row = PARKS.set_index("id").loc[park_id]
    km2 = float(row["area_km2"]) if row["area_km2"] == row["area_km2"] else 4.0
    return square_at(float(row["lon"]), float(row["lat"]), km2)


def park_survey(folder: Path, park_id: str) -> Path:
    """A GeoJSON survey of ``park_id``: :func:`park_square`."""
    path = folder / f"{park_id}.geojson"
    return write_geojson(path, gdf([{"park_id": park_id}], [park_square(park_id)]))


def zones_command() -> list[str]:
    script = Path(sys.executable).with_name("zones")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from zones.cli.main import main; sys.exit(main())"]


def test_concurrent_imports_keep_every_park(store: Store, tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    files = [park_survey(surveys, park) for park in CONCURRENT]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")}
    procs = [
        subprocess.Popen(
            [*zones_command(), "import", str(path), "--store", store.url, "--as", f"w{i}"],
            cwd=tmp_path,
            env={**env, "ZONES_STRICT_TEXT": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for i, path in enumerate(files)
    ]
    outputs = [p.communicate(timeout=300)[0].decode("utf-8", "replace") for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), "\n\n".join(outputs)
    assert all("1 park(s) imported" in out for out in outputs), "\n\n".join(outputs)
    # Every import that said so landed, as a batch of its own that its author can undo.
    assert set(surveyed(store)) == set(CONCURRENT)
    changes = store.changes()
    assert sorted(c.park_id for c in changes) == sorted(CONCURRENT)
    assert len({c.batch for c in changes}) == len(CONCURRENT)
    assert all(len(import_batches(store, f"w{i}")) == 1 for i in range(len(CONCURRENT)))


def test_one_preview_applied_twice_at_once_lands_exactly_once(store: Store, tmp_path: Path) -> None:
    preview = preview_file(park_survey(tmp_path, "fenghua-edz"), store)
    start = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def apply(who: str) -> None:
        start.wait()
        try:
            outcomes[who] = apply_import(preview, store, author=who)
        except ImportRefused as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=apply, args=(who,)) for who in ("ann", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    refusals = {w: o for w, o in outcomes.items() if isinstance(o, ImportRefused)}
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    (refusal,) = refusals.values()
    (winner,) = set(outcomes) - set(refusals)
    assert "park fenghua-edz changed since the preview" in str(refusal)
    assert f"by {winner} at" in str(refusal) and "nothing written" in str(refusal)
    assert "预览之后" in refusal.zh and winner in refusal.zh and "未写入任何内容" in refusal.zh
    (change,) = store.changes()
    assert change.author == winner and change.park_id == "fenghua-edz"


def test_a_stale_preview_is_refused_whole_and_previewed_again_goes_through(
    store: Store, tmp_path: Path
) -> None:
    yuyao = park_survey(tmp_path, "yuyao-edz")
    both = tmp_path / "both.geojson"
    rows = [{"park_id": "fenghua-edz"}, {"park_id": "yuyao-edz"}]
    shapes = [park_square("fenghua-edz"), park_square("yuyao-edz")]
    early = preview_file(write_geojson(both, gdf(rows, shapes)), store)
    assert [m.park_id for m in early.matched] == ["fenghua-edz", "yuyao-edz"]
    # Another park imported meanwhile does not make it stale: each park has its own version.
    meishan = park_survey(tmp_path, "meishan-bonded-zone")
    apply_import(preview_file(meishan, store), store, author="x")
    # One of its parks imported meanwhile does: nothing of it lands, not even the other park.
    apply_import(preview_file(yuyao, store), store, author="other")
    before = store.changes()
    with pytest.raises(ImportRefused, match="park yuyao-edz changed since the preview") as exc:
        apply_import(early, store, author="me")
    assert "by other at" in str(exc.value)
    assert store.changes() == before
    assert surveyed(store) == {"meishan-bonded-zone": meishan.name, "yuyao-edz": yuyao.name}
    # Previewed again, it goes through and keeps the other imports.
    apply_import(preview_file(both, store), store, author="me")
    assert set(surveyed(store)) == {"fenghua-edz", "yuyao-edz", "meishan-bonded-zone"}
    # An undo in between makes a preview stale too.
    stale = preview_file(both, store)
    undo_import(store, author="me")
    with pytest.raises(ImportRefused, match="changed since the preview"):
        apply_import(stale, store, author="me")


# --------------------------------------------------------------------------------------------
# Item 6: multi-layer files


def test_a_multi_layer_geopackage_lists_its_polygon_layers() -> None:
    path = FIXTURES / "import_multi_layer.gpkg"
    data = path.read_bytes()
    assert upload_layers(data, path.name) == ["survey_2024", "survey_2025"]
    chosen = preview_upload(data, path.name, PARKS, ImportOptions(layer="survey_2025"))
    assert [m.park_id for m in chosen.matched] == ["meishan-bonded-zone"]
    with pytest.raises(DataError) as exc:
        preview_upload(data, path.name, PARKS)
    assert "several polygon layers" in str(exc.value) and "layer list in the app" in str(exc.value)
    assert "有多个面图层" in error_message(exc.value, "zh")


def test_a_zones_bundle_zip_offers_its_geopackage_layers(tmp_path: Path) -> None:
    from zones.build.assemble import build_dataset
    from zones.io.bundle import write_bundle

    ds, _ = build_dataset()
    info = write_bundle(ds, tmp_path / "b.zip")
    data = info.path.read_bytes()
    choices = upload_layers(data, "b.zip")
    assert "b/zones.gpkg:parks" in choices and "b/zones.gpkg:belts" in choices
    assert importing.preferred_layer(choices) == "b/zones.gpkg:parks"
    preview = preview_upload(data, "b.zip", PARKS, ImportOptions(layer="b/zones.gpkg:parks"))
    assert preview.file == "b.zip/b/zones.gpkg"
    assert preview.features == len(ds.parks)  # every park read (none surveyed: none imported)
    assert {p.field for p in preview.errors} == {"footprint"}


# --------------------------------------------------------------------------------------------
# Item 13: messages in Chinese and English


def test_import_errors_read_in_the_language_asked() -> None:
    with pytest.raises(DataError) as exc:
        preview_upload(b'{"type": "Feature', "survey.geojson", PARKS)
    zh, en = error_message(exc.value, "zh"), error_message(exc.value, "en")
    assert zh.startswith("错误：survey.geojson:1：不是有效的 JSON") and "error" not in zh
    assert en.startswith("error: survey.geojson:1: not valid JSON")
    unexpected = TypeError("'<' not supported; /srv/zones/geo/secret")
    assert error_message(unexpected, "zh") == "意外错误（TypeError），未写入任何内容"
    assert "/srv" not in error_message(unexpected, "en")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("import_*")))
def test_every_import_problem_has_a_chinese_text(name: str) -> None:
    try:
        preview = preview_file(FIXTURES / name, PARKS, ImportOptions(source_crs=None))
        problems = preview.problems
    except DataError as exc:
        problems = [exc.problem]
    for problem in problems:
        assert getattr(problem, "zh", ""), problem
        assert problem_text(problem, "zh").split("：", 1)[0] in ("错误", "说明", "需确认")


# --------------------------------------------------------------------------------------------
# Item 5: surveyed footprints checked against Ningbo and against their park


def test_a_square_out_at_sea_is_refused(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "import_at_sea_square.geojson"
    preview = preview_file(path, store)
    assert not preview.can_apply
    (error,) = preview.errors
    assert (error.row, error.field) == (1, "geometry")
    assert "km from the nearest Ningbo district" in error.message
    assert "距最近的宁波区县" in problem_text(error, "zh")
    assert run_cli(store, str(path), "--confirm-mismatch") == 1  # no confirmation takes it
    out = capsys.readouterr()
    assert "nearest Ningbo district" in out.out and "nothing written" in out.err
    assert store.changes() == []


def test_footprints_near_the_coast_are_accepted(store: Store) -> None:
    # 3 km off Beilun's coast (reclaimed land and tidal flats) is within the 5 km allowed.
    districts = json.loads((GEO_DIR / "districts.geojson").read_text(encoding="utf-8"))
    land = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in districts["features"]])
    lon, lat = 121.96, 29.86
    while land.contains(Point(lon, lat)) or land.distance(Point(lon, lat)) < 0.025:
        lon += 0.005  # walk east, out to sea
    sea = square_at(lon, lat, 0.25)
    assert not land.intersects(sea)
    preview = preview_upload(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"park_id": "meishan-bonded-zone"},
                        "geometry": shapely.geometry.mapping(sea),
                    }
                ],
            }
        ).encode(),
        "flats.geojson",
        store,
    )
    assert not [p for p in preview.errors if "nearest Ningbo district" in p.message]


def test_a_much_smaller_survey_needs_confirmation(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "import_1km2_survey.geojson"
    preview = preview_file(path, store)
    (mismatch,) = preview.mismatches
    assert "its area, 1.00 km², is 0.034 times the 29.6 km² recorded for ningbo-etdz" in str(
        mismatch
    )
    assert "面积 1.00 平方公里，是 ningbo-etdz 记录面积 29.6 平方公里的 0.034 倍" in (
        problem_text(mismatch, "zh")
    )
    with pytest.raises(ImportRefused, match="confirm the mismatch"):
        apply_import(preview, store, author="tester")

    assert run_cli(store, str(path)) == 1
    out = capsys.readouterr()
    assert "0.034 times the 29.6 km²" in out.err and "--confirm-mismatch" in out.err
    assert store.changes() == []

    assert run_cli(store, str(path), "--confirm-mismatch") == 0
    (change,) = store.changes()  # the confirmation is recorded in the change's note
    assert "as confirmed: " in change.note and "0.034 times" in change.note


def test_after_import_a_surveyed_park_follows_its_polygon(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zones.cli.main import main

    ds0 = store.dataset()
    old = ds0.parks.set_index("id").loc["ningbo-etdz"]
    assert list(old["district_adcodes"]) == ["330206"]  # 北仑区
    # A 20 km² survey some 22 km west of the recorded location (precision 10 km): in
    # Zhenhai/Jiangbei, not in Beilun.
    polygon = square_at(121.60, 29.95, 20.0)
    survey = write_geojson(tmp_path / "moved.geojson", gdf([{"park_id": "ningbo-etdz"}], [polygon]))
    assert run_cli(store, str(survey)) == 1
    assert "recorded location" in capsys.readouterr().err
    assert run_cli(store, str(survey), "--confirm-mismatch") == 0

    ds = store.dataset()  # no rebuild: the store overlays the accepted change
    parks = ds.parks.set_index("id")
    row = parks.loc["ningbo-etdz"]
    districts = ds.districts.set_index("adcode")
    expected = sorted(
        a
        for a, g in districts.geometry.items()
        if area_km2(g.intersection(polygon)) >= 0.01 * area_km2(polygon)
    )
    assert expected and "330206" not in expected
    assert list(row["district_adcodes"]) == expected
    assert list(row["districts"]) == [districts.loc[a, "name_zh"] for a in expected]
    assert row["area_km2"] == pytest.approx(20.0, rel=0.01)
    assert row["footprint"] == "surveyed" and "surveyed footprint" in row["area_source"]
    assert "29.6 km²" in row["area_note"] and "Recorded location before" in row["location_note"]
    point = Point(row["lon"], row["lat"])
    assert polygon.buffer(1e-6).contains(point)
    assert row["location_precision_m"] < 5000
    nodes = ds.transport_nodes
    for column, kinds in (
        ("nearest_port_km", SEAPORT),
        ("airport_km", AIRPORT),
        ("nearest_rail_km", RAIL),
    ):
        (km,), _ = nearest([row["lon"]], [row["lat"]], nodes, kinds)
        assert row[column] == pytest.approx(km)
    assert row["nearest_port_km"] != pytest.approx(old["nearest_port_km"])
    belts = ds.belts.set_index("id")
    for belt_id in row["belt_ids"]:
        inside = area_km2(belts.loc[belt_id, "geometry"].intersection(polygon))
        assert inside >= 0.01 * 20.0 or belt_id in row["platform_belt_ids"]
    # The other parks keep their recorded facts.
    assert parks.loc["fenghua-edz", "area_km2"] == pytest.approx(8.5)

    # `zones export` says the same: surveyed, with the districts and area of the polygon.
    out = tmp_path / "parks.geojson"
    assert main(["export", "--dataset", store.url, "--out", str(out)]) == 0
    (props,) = [
        f["properties"]
        for f in json.loads(out.read_text(encoding="utf-8"))["features"]
        if f["properties"]["id"] == "ningbo-etdz"
    ]
    assert props["footprint"] == "surveyed"
    assert props["district_adcodes"] == expected
    assert props["area_km2"] == pytest.approx(20.0, rel=0.01)


# --------------------------------------------------------------------------------------------
# Issue 13 item 4: hostile DXF, MapInfo and File Geodatabase files

#: fixture -> (options, what the message says: the file, what is wrong, what to do; in Chinese)
GIS_HOSTILE = {
    "import_dxf_open_lines.dxf": (
        ["--crs", "EPSG:4549"],
        [
            "import_dxf_open_lines.dxf: has no closed shapes (found: 5 open line(s));",
            "make each park's boundary one closed polyline in CAD (PEDIT: Join, then Close)",
        ],
        "没有闭合图形（找到：5 条不闭合的线）",
    ),
    "import_dxf_ningbo_etdz.dxf": (
        [],
        [
            "import_dxf_ningbo_etdz.dxf [crs]: CAD files carry no CRS: give --crs EPSG:4549",
            "in the app, choose the source CRS",
        ],
        "CAD 文件不带坐标系：请在命令行用 --crs 指定，例如 EPSG:4549",
    ),
    "import_tab_without_dat.zip": (
        [],
        [
            "import_tab_without_dat.zip/survey.tab: the MapInfo table has no .dat file;",
            "send the .tab with its .dat, .map and .id, zipped together",
        ],
        "MapInfo 表缺少 .dat 文件",
    ),
    "import_gdb_truncated_table.gdb.zip": (
        [],
        [
            "import_gdb_truncated_table.gdb.zip/survey.gdb: is damaged: its table "
            "a00000009.gdbtable is 598 bytes where its header says 1,197 (cut short",
            "Zip the .gdb folder again (ArcGIS closed) and send the whole zip",
        ],
        "已损坏：其数据表 a00000009.gdbtable 只有 598 字节",
    ),
}


@pytest.mark.parametrize("name", list(GIS_HOSTILE))
def test_hostile_gis_files_say_what_is_wrong_and_change_nothing(
    name: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    options, said, chinese = GIS_HOSTILE[name]
    revision = store.revision()
    assert run_cli(store, str(FIXTURES / name), *options) == 1
    output = capsys.readouterr()
    for words in said:
        assert words in output.err, output.err
    assert "Traceback" not in output.err + output.out
    assert store.changes() == [] and store.revision() == revision
    assert "/tmp" not in output.err.replace(str(FIXTURES), "")  # no private folder shown
    # In the app, the same refusal in Chinese.
    crs = options[1] if options else None
    with pytest.raises(DataError) as exc:
        preview_upload((FIXTURES / name).read_bytes(), name, store, ImportOptions(source_crs=crs))
    assert chinese in error_message(exc.value, "zh")


def test_a_dxf_with_its_crs_given_imports() -> None:
    path = FIXTURES / "import_dxf_ningbo_etdz.dxf"
    preview = preview_file(path, PARKS, ImportOptions(source_crs="EPSG:4549"))
    assert [(m.park_id, m.how) for m in preview.matched] == [("ningbo-etdz", "id")]
    assert preview.matched[0].area_km2 == pytest.approx(29.6, rel=1e-4)


def test_gdal_alone_reads_the_truncated_geodatabase_as_empty(tmp_path: Path) -> None:
    """Why the importer checks every table's length: GDAL reads a table cut short as an empty
    layer, which would be a silent "holds no features"."""
    with zipfile.ZipFile(FIXTURES / "import_gdb_truncated_table.gdb.zip") as zf:
        zf.extractall(tmp_path)
    assert pyogrio.read_info(tmp_path / "survey.gdb", layer="survey")["features"] == 0


def test_the_fixture_readme_lists_every_import_fixture() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in FIXTURES.glob("import_*"):
        assert path.name in readme, path.name
    with zipfile.ZipFile(FIXTURES / "import_shp_no_prj.zip") as zf:
        assert not [n for n in zf.namelist() if n.endswith(".prj")]
    with zipfile.ZipFile(FIXTURES / "import_gbk_no_cpg_self_intersecting.zip") as zf:
        assert not [n for n in zf.namelist() if n.endswith(".cpg")]
    with zipfile.ZipFile(FIXTURES / "import_tab_without_dat.zip") as zf:
        assert sorted(zf.namelist()) == ["survey.id", "survey.map", "survey.tab"]
    assert [n for n, _ in pyogrio.list_layers(FIXTURES / "import_multi_layer.gpkg")] == [
        "survey_2024",
        "survey_2025",
        "control_points",
    ]
