"""`zones import` tried as a new user would (issue 8): the hostile inputs of
tests/fixtures/bad_input/, concurrent imports, stale previews, the bounded history, multi-layer
files, messages in both languages, and surveyed footprints checked against their park.

Everything writes into copies of geo/ and data/ in tmp_path, never into the repository's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box

from tests.test_importer import PARKS, cli, gdf, write_geojson
from zones import importer
from zones.analysis import AIRPORT, RAIL, SEAPORT, nearest
from zones.build import SURVEYED_FILE, build
from zones.errors import DataError, Problem
from zones.geometry import area_km2, to_degrees, to_metres
from zones.importer import (
    HISTORY_DIR,
    HISTORY_KEEP,
    ImportPreview,
    ImportRefused,
    apply_import,
    error_message,
    import_history,
    import_lock,
    preview_file,
    preview_upload,
    problem_text,
    undo_import,
    upload_layers,
)
from zones.settings import DATA_DIR, GEO_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A ZONES_ROOT: copies of the repository's geo/ (without imports) and data/."""
    shutil.copytree(
        GEO_DIR, tmp_path / "geo", ignore=shutil.ignore_patterns(SURVEYED_FILE, HISTORY_DIR)
    )
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path


def run_cli(root: Path, *args: str) -> int:
    return cli(["import", *args, "--geo", str(root / "geo"), "--data", str(root / "data")])


def surveyed_ids(root: Path) -> set[str]:
    doc = json.loads((root / "geo" / SURVEYED_FILE).read_text(encoding="utf-8"))
    return {f["properties"]["park_id"] for f in doc["features"]}


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
    case: str, lang: str, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, options, status, whole_file, feature = MIXED[case]
    code = run_cli(root, str(FIXTURES / name), *options, "--lang", lang)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == status, output
    assert "Traceback" not in output and "TypeError" not in output and "not supported" not in output
    # Both are listed, the file-level one first.
    assert whole_file in output and feature in output, output
    assert output.index(whole_file) < output.index(feature)
    if status == 0:
        assert surveyed_ids(root)  # and the good feature was imported


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
# Item 2: concurrent imports keep every park; a stale preview is refused

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


def park_survey(folder: Path, park_id: str) -> Path:
    """A GeoJSON survey of ``park_id``: a square of its recorded area (or 4 km²)."""
    row = PARKS.set_index("id").loc[park_id]
    km2 = float(row["area_km2"]) if row["area_km2"] == row["area_km2"] else 4.0
    geom = square_at(float(row["lon"]), float(row["lat"]), km2)
    return write_geojson(folder / f"{park_id}.geojson", gdf([{"park_id": park_id}], [geom]))


def zones_command() -> list[str]:
    script = Path(sys.executable).with_name("zones")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from zones.cli import main; sys.exit(main())"]


def test_concurrent_imports_keep_every_park(root: Path, tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    files = [park_survey(surveys, park) for park in CONCURRENT]
    env = {**os.environ, "ZONES_ROOT": str(root)}
    for name in ("ZONES_GEO_DIR", "ZONES_DATA_DIR", "ZONES_GPKG"):
        env.pop(name, None)
    procs = [
        subprocess.Popen(
            [*zones_command(), "import", str(path), "--lang", "en"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for path in files
    ]
    outputs = [p.communicate(timeout=300)[0].decode("utf-8", "replace") for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), "\n\n".join(outputs)
    assert all("1 park(s) imported" in out for out in outputs), "\n\n".join(outputs)
    # Every import that said so is in the file, and each left one version to undo.
    assert surveyed_ids(root) == set(CONCURRENT)
    assert len(import_history(root / "geo")) == len(CONCURRENT)
    ds, _ = build(tmp_path / "out.gpkg", root / "geo", root / "data")
    assert set(ds.parks.loc[ds.parks["footprint"] == "surveyed", "id"]) == set(CONCURRENT)


def test_a_preview_made_before_another_import_is_refused_at_apply(
    root: Path, tmp_path: Path
) -> None:
    geo_dir = root / "geo"
    early = preview_file(park_survey(tmp_path, "fenghua-edz"), PARKS, geo_dir=geo_dir)
    assert early.surveyed_sha256 == ""  # no file yet
    apply_import(preview_file(park_survey(tmp_path, "yuyao-edz"), PARKS, geo_dir=geo_dir), geo_dir)
    before = (geo_dir / SURVEYED_FILE).read_bytes()
    history = import_history(geo_dir)
    with pytest.raises(ImportRefused, match="changed since the preview") as exc:
        apply_import(early, geo_dir)
    assert "预览之后" in exc.value.zh and "未写入任何内容" in exc.value.zh
    assert (geo_dir / SURVEYED_FILE).read_bytes() == before
    assert import_history(geo_dir) == history
    # Previewed again, it goes through and keeps the other import.
    fresh = preview_file(park_survey(tmp_path, "fenghua-edz"), PARKS, geo_dir=geo_dir)
    apply_import(fresh, geo_dir)
    assert surveyed_ids(root) == {"fenghua-edz", "yuyao-edz"}
    # An undo in between makes a preview stale too.
    stale = preview_file(park_survey(tmp_path, "meishan-bonded-zone"), PARKS, geo_dir=geo_dir)
    undo_import(geo_dir)
    with pytest.raises(ImportRefused, match="changed since the preview"):
        apply_import(stale, geo_dir)


def test_an_import_waits_for_the_lock_and_gives_up_with_a_message(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    geo_dir = root / "geo"
    preview = preview_file(park_survey(tmp_path, "fenghua-edz"), PARKS, geo_dir=geo_dir)
    held, release = threading.Event(), threading.Event()

    def other_import() -> None:
        with import_lock(geo_dir):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_import)
    thread.start()
    try:
        assert held.wait(10)
        monkeypatch.setattr(importer, "LOCK_TIMEOUT_S", 0.3)
        with pytest.raises(ImportRefused, match="another import is writing"):
            apply_import(preview, geo_dir)
        assert not (geo_dir / SURVEYED_FILE).exists()
    finally:
        release.set()
        thread.join()
    assert apply_import(preview, geo_dir).imported == ("fenghua-edz",)


# --------------------------------------------------------------------------------------------
# Item 10 (part): the history is bounded


def test_history_keeps_the_last_versions_only(root: Path, tmp_path: Path) -> None:
    geo_dir = root / "geo"
    history = geo_dir / HISTORY_DIR
    survey = park_survey(tmp_path, "fenghua-edz")
    for _ in range(HISTORY_KEEP + 5):
        apply_import(preview_file(survey, PARKS, geo_dir=geo_dir), geo_dir)
    kept = import_history(geo_dir)
    assert len(kept) == HISTORY_KEEP == 20
    assert not [p for p in kept if p.name.endswith(".absent")]  # the oldest went first
    assert len(list(history.iterdir())) == HISTORY_KEEP

    # Undone versions (never restored) are bounded the same way: 24 undos keep the last 20.
    for _ in range(3):
        for _ in range(8):
            undo_import(geo_dir)
        for _ in range(8):
            apply_import(preview_file(survey, PARKS, geo_dir=geo_dir), geo_dir)
    undone = sorted(p.name for p in history.iterdir() if ".undone." in p.name)
    assert len(undone) == HISTORY_KEEP
    assert len(import_history(geo_dir)) == HISTORY_KEEP
    assert len(list(history.iterdir())) == 2 * HISTORY_KEEP


# --------------------------------------------------------------------------------------------
# Item 6: multi-layer files


def test_a_multi_layer_geopackage_lists_its_polygon_layers(root: Path) -> None:
    path = FIXTURES / "import_multi_layer.gpkg"
    data = path.read_bytes()
    assert upload_layers(data, path.name) == ["survey_2024", "survey_2025"]
    chosen = preview_upload(data, path.name, PARKS, layer="survey_2025")
    assert [m.park_id for m in chosen.matched] == ["meishan-bonded-zone"]
    with pytest.raises(DataError) as exc:
        preview_upload(data, path.name, PARKS)
    assert "several polygon layers" in str(exc.value) and "layer list in the app" in str(exc.value)
    assert "有多个面图层" in error_message(exc.value, "zh")


def test_a_zones_bundle_zip_offers_its_geopackage_layers(tmp_path: Path) -> None:
    from zones.build import build_dataset
    from zones.bundle import write_bundle

    ds, _ = build_dataset()
    info = write_bundle(ds, tmp_path / "b.zip")
    data = info.path.read_bytes()
    choices = upload_layers(data, "b.zip")
    assert "b/zones.gpkg:parks" in choices and "b/zones.gpkg:belts" in choices
    assert importer.preferred_layer(choices) == "b/zones.gpkg:parks"
    preview = preview_upload(data, "b.zip", PARKS, layer="b/zones.gpkg:parks")
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
        preview = preview_file(FIXTURES / name, PARKS, source_crs=None)
        problems = preview.problems
    except DataError as exc:
        problems = [exc.problem]
    for problem in problems:
        assert getattr(problem, "zh", ""), problem
        assert problem_text(problem, "zh").split("：", 1)[0] in ("错误", "说明", "需确认")


# --------------------------------------------------------------------------------------------
# Item 5: surveyed footprints checked against Ningbo and against their park


def test_a_square_out_at_sea_is_refused(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "import_at_sea_square.geojson"
    preview = preview_file(path, PARKS, geo_dir=root / "geo")
    assert not preview.can_apply
    (error,) = preview.errors
    assert (error.row, error.field) == (1, "geometry")
    assert "km from the nearest Ningbo district" in error.message
    assert "距最近的宁波区县" in problem_text(error, "zh")
    assert run_cli(root, str(path), "--confirm-mismatch") == 1  # no confirmation takes it
    out = capsys.readouterr()
    assert "nearest Ningbo district" in out.out and "nothing written" in out.err
    assert not (root / "geo" / SURVEYED_FILE).exists()


def test_footprints_near_the_coast_are_accepted(root: Path) -> None:
    # 3 km off Beilun's coast (reclaimed land and tidal flats) is within the 5 km allowed.
    districts = json.loads((root / "geo" / "districts.geojson").read_text(encoding="utf-8"))
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
        PARKS,
        geo_dir=root / "geo",
    )
    assert not [p for p in preview.errors if "nearest Ningbo district" in p.message]


def test_a_much_smaller_survey_needs_confirmation(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "import_1km2_survey.geojson"
    preview = preview_file(path, PARKS, geo_dir=root / "geo")
    (mismatch,) = preview.mismatches
    assert "its area, 1.00 km², is 0.034 times the 29.6 km² recorded for ningbo-etdz" in str(
        mismatch
    )
    assert "面积 1.00 平方公里，是 ningbo-etdz 记录面积 29.6 平方公里的 0.034 倍" in (
        problem_text(mismatch, "zh")
    )
    with pytest.raises(ImportRefused, match="confirm the mismatch"):
        apply_import(preview, root / "geo")

    assert run_cli(root, str(path)) == 1
    out = capsys.readouterr()
    assert "0.034 times the 29.6 km²" in out.err and "--confirm-mismatch" in out.err
    assert not (root / "geo" / SURVEYED_FILE).exists()

    assert run_cli(root, str(path), "--confirm-mismatch") == 0
    (feature,) = json.loads((root / "geo" / SURVEYED_FILE).read_text())["features"]
    assert "as confirmed: " in feature["properties"]["note"]
    assert "0.034 times" in feature["properties"]["note"]


def test_after_build_a_surveyed_park_follows_its_polygon(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    geo_dir, data_dir = root / "geo", root / "data"
    ds0, _ = build(tmp_path / "before.gpkg", geo_dir, data_dir)
    old = ds0.parks.set_index("id").loc["ningbo-etdz"]
    assert list(old["district_adcodes"]) == ["330206"]  # 北仑区
    # A 20 km² survey some 22 km west of the recorded location (precision 10 km): in
    # Zhenhai/Jiangbei, not in Beilun.
    polygon = square_at(121.60, 29.95, 20.0)
    survey = write_geojson(tmp_path / "moved.geojson", gdf([{"park_id": "ningbo-etdz"}], [polygon]))
    assert run_cli(root, str(survey)) == 1
    assert "recorded location" in capsys.readouterr().err
    assert run_cli(root, str(survey), "--confirm-mismatch") == 0

    ds, _ = build(tmp_path / "after.gpkg", geo_dir, data_dir)
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


def test_the_fixture_readme_lists_every_import_fixture() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in FIXTURES.glob("import_*"):
        assert path.name in readme, path.name
    with zipfile.ZipFile(FIXTURES / "import_shp_no_prj.zip") as zf:
        assert not [n for n in zf.namelist() if n.endswith(".prj")]
    with zipfile.ZipFile(FIXTURES / "import_gbk_no_cpg_self_intersecting.zip") as zf:
        assert not [n for n in zf.namelist() if n.endswith(".cpg")]
    assert [n for n, _ in pyogrio.list_layers(FIXTURES / "import_multi_layer.gpkg")] == [
        "survey_2024",
        "survey_2025",
        "control_points",
    ]
