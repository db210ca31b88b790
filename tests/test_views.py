"""The app's planner views and GIS round trip as plain data (zones.present.views), on
hand-computed cases.

make_dataset(7): parks p0..p6; even parks lie in belt "north" (focus 汽车及零部件 and its
sub-industry 新能源汽车), odd parks in belt "east" (focus 新材料, cultivates 生物医药). Park p0 is
designated for 汽车及零部件, p1 for 新材料; every park is linked to its belt's focus industries
("belt" basis); no "source" links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Polygon, box, mapping

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from tests.inputs import write_inputs
from zones.errors import ZonesError
from zones.model.dataset import Dataset
from zones.present import views
from zones.store import open_store
from zones.text.i18n import md_text

N = 7


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return make_dataset(N)


def with_focus(ds: Dataset, north: list[str], east: list[str]) -> Dataset:
    belts = ds.belts.copy()
    belts["focus_industry_ids"] = [north, east]
    return dataclasses.replace(ds, belts=belts)


# --- tabs and labels ---------------------------------------------------------------------------


def test_tab_labels_follow_the_language() -> None:
    assert views.tab_labels("zh") == ["地图", "规划分析", "GIS 数据交换"]
    assert views.tab_labels("en") == ["Map", "Plan analysis", "GIS exchange"]
    assert views.tab_in("规划分析", "en") == "Plan analysis"
    assert views.tab_in("GIS exchange", "zh") == "GIS 数据交换"
    assert views.tab_in("地图", "zh") == "地图"
    assert views.tab_in("nowhere", "zh") is None and views.tab_in(None, "en") is None


def test_industry_labels_put_sub_industries_under_their_parent(ds: Dataset) -> None:
    assert views.industry_labels(ds, "zh") == {
        "automotive": "汽车及零部件",
        "new-energy-vehicles": "└ 新能源汽车",
        "new-materials": "新材料",
        "biomedicine": "生物医药",
    }
    # A sub-industry listed last still comes right after its parent.
    late = ds.industries.iloc[[0, 2, 3, 1]].reset_index(drop=True)
    reordered = views.industry_labels(dataclasses.replace(ds, industries=late), "en")
    assert list(reordered) == ["automotive", "new-energy-vehicles", "new-materials", "biomedicine"]
    assert reordered["new-energy-vehicles"] == "└ New-energy vehicles"


def test_belt_and_park_labels_are_ordered_and_unique(ds: Dataset) -> None:
    assert views.belt_labels(ds, "zh") == {"north": "北部湾区产业带", "east": "东部临港产业带"}
    parks = ds.parks.copy()
    parks.loc[parks["id"] == "p2", "name_en"] = "Test Park 1"  # two parks, one name
    labels = views.park_labels(dataclasses.replace(ds, parks=parks), "en")
    assert labels["p0"] == "Test Park 0"
    assert labels["p1"] == "Test Park 1 (p1)" and labels["p2"] == "Test Park 1 (p2)"


# --- belt × industry matrix ----------------------------------------------------------------------

# (industry, belt) -> parks, by basis; every other cell of the 3 × 2 grid is 0.
EXPECTED = {
    # designated only: p0 for 汽车及零部件 (north), p1 for 新材料 (east)
    "park": {("automotive", "north"): 1, ("new-materials", "east"): 1},
    # + belt focus: the 4 even parks for both north focus industries, the 3 odd ones for 新材料
    "belt": {
        ("automotive", "north"): 4,
        ("new-energy-vehicles", "north"): 4,
        ("new-materials", "east"): 3,
    },
}
EXPECTED["source"] = EXPECTED["belt"]  # no "source" links in make_dataset
FOCUS = {("automotive", "north"), ("new-energy-vehicles", "north"), ("new-materials", "east")}


@pytest.mark.parametrize("basis", ["park", "belt", "source"])
def test_matrix_long_counts_parks_per_industry_per_belt(ds: Dataset, basis: str) -> None:
    long = views.matrix_long(ds, basis, "zh")
    assert list(long.columns) == [
        "industry_id", "industry", "belt_id", "belt", "parks", "focus", "cell",
    ]  # fmt: skip
    # The focus 新能源汽车 stays in the grid under "designated only" (0 ★: no park takes it up);
    # 生物医药 is only cultivated by east and linked to no park, so it is left out.
    assert [(r.industry_id, r.belt_id) for r in long.itertuples()] == [
        ("automotive", "north"),
        ("automotive", "east"),
        ("new-energy-vehicles", "north"),
        ("new-energy-vehicles", "east"),
        ("new-materials", "north"),
        ("new-materials", "east"),
    ]
    for r in long.itertuples():
        parks = EXPECTED[basis].get((r.industry_id, r.belt_id), 0)
        assert r.parks == parks
        assert r.focus == ((r.industry_id, r.belt_id) in FOCUS)
        assert r.cell == (f"{parks} ★" if r.focus else (str(parks) if parks else ""))
    assert long.loc[0, "industry"] == "汽车及零部件" and long.loc[2, "industry"] == "└ 新能源汽车"
    assert long.loc[0, "belt"] == "北部湾区产业带"


def test_matrix_wide_reads_like_the_grid(ds: Dataset) -> None:
    wide = views.matrix_wide(views.matrix_long(ds, "park", "en"), "en")
    assert wide.index.name == "Industry"
    assert list(wide.columns) == [
        "Northern Bay Area Industrial Belt",
        "Eastern Port Industrial Belt",
    ]
    assert wide.values.tolist() == [["1 ★", ""], ["0 ★", ""], ["", "1 ★"]]
    assert list(wide.index) == ["Automobiles and parts", "└ New-energy vehicles", "New materials"]


def test_matrix_of_nothing_is_empty(ds: Dataset) -> None:
    bare = with_focus(ds, [], [])
    links = ds.park_industries[ds.park_industries["basis"] == "belt"]
    bare = dataclasses.replace(bare, park_industries=links)
    long = views.matrix_long(bare, "park", "zh")
    assert long.empty and list(long.columns)[:2] == ["industry_id", "industry"]
    assert views.matrix_wide(long, "zh").empty


def test_matrix_chart_is_a_heatmap_with_a_text_layer(ds: Dataset) -> None:
    long = views.matrix_long(ds, "belt", "zh")
    spec = views.matrix_chart(long, "zh").to_dict()
    rect, text = spec["layer"]
    assert rect["mark"]["type"] == "rect" and text["mark"]["type"] == "text"
    assert text["encoding"]["text"]["field"] == "cell"
    assert rect["encoding"]["color"]["condition"]["field"] == "parks"
    assert rect["encoding"]["color"]["condition"]["scale"]["domain"] == [0, 4]  # the peak
    for layer in (rect, text):
        assert layer["encoding"]["y"]["sort"] == ["汽车及零部件", "└ 新能源汽车", "新材料"]
        assert layer["encoding"]["x"]["sort"] == ["北部湾区产业带", "东部临港产业带"]
    (values,) = spec["datasets"].values()
    cells = {(v["industry_id"], v["belt_id"]): (v["parks"], v["cell"]) for v in values}
    assert cells[("automotive", "north")] == (4, "4 ★")
    assert cells[("new-materials", "east")] == (3, "3 ★")
    assert cells[("new-materials", "north")] == (0, "")


# --- overlap --------------------------------------------------------------------------------------


def test_overlap_of_disjoint_belts(ds: Dataset) -> None:
    table = views.overlap_table(ds, "zh")
    assert list(table.columns) == ["产业带组合", "共同重点产业", "共同数", "相似度（Jaccard）"]
    assert table.values.tolist() == [["北部湾区产业带 × 东部临港产业带", "—", "0", "0.00"]]


def test_overlap_counts_shared_focus_and_jaccard(ds: Dataset) -> None:
    # north {汽车, 新能源汽车, 新材料}, east {新材料}: 1 shared of 3 in the union -> 0.33
    shared = with_focus(
        ds, ["automotive", "new-energy-vehicles", "new-materials"], ["new-materials"]
    )
    table = views.overlap_table(shared, "en")
    assert table.values.tolist() == [
        [
            "Northern Bay Area Industrial Belt × Eastern Port Industrial Belt",
            "New materials",
            "1",
            "0.33",
        ]
    ]
    # Both belts share both of their focus industries: identical, 1.00.
    same = with_focus(ds, ["automotive", "new-materials"], ["new-materials", "automotive"])
    assert views.overlap_table(same, "zh").values.tolist()[0][1:] == [
        "汽车及零部件、新材料",
        "2",
        "1.00",
    ]


def test_crowded_industries_are_flagged(ds: Dataset) -> None:
    empty = views.crowded_table(ds, "zh")  # two belts cannot make three
    assert empty.empty and list(empty.columns) == ["产业", "产业带", "产业带数"]
    shared = with_focus(ds, ["automotive", "new-materials"], ["new-materials"])
    table = views.crowded_table(shared, "zh", at_least=2)
    assert table.values.tolist() == [["新材料", "北部湾区产业带、东部临港产业带", "2"]]


# --- comparing parks ------------------------------------------------------------------------------


def test_compare_two_parks_side_by_side(ds: Dataset) -> None:
    table = views.compare_table(ds, ["p0", "p3"], "zh")
    assert list(table.columns) == ["测试园区0", "测试园区3"]
    assert table.to_dict("index") == {
        "级别": {"测试园区0": "国家级", "测试园区3": "省级"},
        "所在区县（市）": {"测试园区0": "余姚市", "测试园区3": "北仑区"},
        "所在产业圈 / 产业带": {"测试园区0": "北部湾区产业带", "测试园区3": "东部临港产业带"},
        "园区指定产业": {"测试园区0": "汽车及零部件", "测试园区3": "—"},
        "所在产业带重点产业": {
            "测试园区0": "新能源汽车",
            "测试园区3": "新材料",
        },
        "其他来源的产业": {"测试园区0": "—", "测试园区3": "—"},
        "产业层级": {"测试园区0": "优势产业", "测试园区3": "优势产业"},
        "面积": {"测试园区0": "0.64 平方公里", "测试园区3": "未知（无可靠来源）"},
        "范围": {"测试园区0": "实测范围", "测试园区3": "示意范围（估计）"},
        "位置": {"测试园区0": "有出处，精度约 ±500 米", "测试园区3": "估计，精度约 ±5,000 米"},
        # factories: nearest_port_km = 10 + i, airport_km = 20 + i, nearest_rail_km = 5 + i
        "最近港区": {"测试园区0": "10 公里（测试港区）", "测试园区3": "13 公里（测试港区）"},
        "机场": {"测试园区0": "20 公里", "测试园区3": "23 公里"},
        "最近铁路站": {"测试园区0": "5.0 公里（station-a）", "测试园区3": "8.0 公里（station-a）"},
    }


def test_compare_in_english_and_with_four_parks(ds: Dataset) -> None:
    table = views.compare_table(ds, ["p1", "p2", "p4", "p6"], "en")
    assert list(table.columns) == ["Test Park 1", "Test Park 2", "Test Park 4", "Test Park 6"]
    assert table.loc["Designated industries", "Test Park 1"] == "New materials"
    assert table.loc["Focus of its belt(s)", "Test Park 2"] == (
        "Automobiles and parts, New-energy vehicles"
    )
    assert table.loc["Nearest port area", "Test Park 6"] == "16 km (Test port)"


@pytest.mark.parametrize("ids", [["p0"], ["p0", "p1", "p2", "p3", "p4"], ["p0", "p99"]])
def test_compare_needs_two_to_four_known_parks(ds: Dataset, ids: list[str]) -> None:
    with pytest.raises(ValueError):
        views.compare_table(ds, ids, "zh")


def test_distances_between_parks(ds: Dataset) -> None:
    # p0 (121.054, 29.954) and p1 (121.554, 29.954) lie on one parallel, 0.5° apart: on the WGS84
    # ellipsoid that is N·cos φ·Δλ = 6,383,474 m · 0.86643 · 0.0087266 ≈ 48.26 km (the geodesic
    # is shorter by centimetres). p3 (121.564, 29.954) is 0.01° east of p1: ≈ 0.97 km.
    table = views.distance_table(ds, ["p0", "p1", "p3"], "zh")
    assert list(table.columns) == list(table.index) == ["测试园区0", "测试园区1", "测试园区3"]
    assert table.values.tolist() == [
        ["—", "48.3", "49.2"],
        ["48.3", "—", "1.0"],
        ["49.2", "1.0", "—"],
    ]


# --- targets, citations, downloads ----------------------------------------------------------------


def test_targets_cite_the_plan_line_with_the_quote(ds: Dataset) -> None:
    assert views.targets_table(ds, "zh").to_dict("records") == [
        {
            "指标": "规上工业增加值",
            "目标值": "6,800 亿元",
            "年份": "2025",
            "出处": "规划原文第12行",
            "规划原文": "规上工业增加值达到6800亿元",
        }
    ]
    (row,) = views.targets_table(ds, "en").to_dict("records")
    assert row["Target"] == "6,800 100 million yuan" and row["Source"] == "plan text, line 12"
    assert set(row) == {"Indicator", "Target", "Year", "Source", "Plan text"}  # no actual values


@pytest.mark.parametrize(
    ("source", "zh", "en"),
    [
        ("plan:L12", "规划原文第12行", "plan text, line 12"),
        ("plan:L58-L60", "规划原文第58–60行", "plan text, line 58–60"),
        ("https://example.org/x", "https://example.org/x", "https://example.org/x"),
        (None, "", ""),
    ],
)
def test_cite(source: str | None, zh: str, en: str) -> None:
    assert views.cite(source, "zh") == zh and views.cite(source, "en") == en


def test_report_and_file_names(ds: Dataset) -> None:
    day = dt.date(2025, 1, 2)
    html = views.report_bytes(ds, "zh", day).decode("utf-8")
    assert "<title>宁波市制造业空间布局简报</title>" in html and "2025-01-02" in html
    assert "Briefing: Ningbo" in views.report_bytes(ds, "en").decode("utf-8")
    assert views.report_file_name("en", day) == "ningbo-briefing_en_2025-01-02.html"
    assert (
        views.bundle_file_name("belt-east", "EPSG:4549", day)
        == "ningbo-zones_belt-east_epsg4549_2025-01-02.zip"
    )


def test_crs_labels() -> None:
    assert views.crs_label("", "zh") == "采用文件自带的坐标系"
    # The CRS names are zones.geo.crs's (the text catalogs' crs.<code>), as in the export's choices.
    assert views.crs_label("EPSG:4549", "en") == (
        "EPSG:4549 · CGCS2000 / 3-degree Gauss-Kruger CM 120E (metres, for areas)"
    )
    assert views.crs_label("EPSG:9999", "en") == "EPSG:9999"


def test_md_table_keeps_data_text_inert() -> None:
    frame = pd.DataFrame({HOSTILE: ["**bold** | x"]}, index=pd.Index(["[a](b)"], name="<i>"))
    safe = views.md_table(frame)
    assert list(safe.columns) == [md_text(HOSTILE)]
    assert safe.iloc[0, 0] == md_text("**bold** | x") and "<" not in "".join(safe.columns)
    assert list(safe.index) == [md_text("[a](b)")] and safe.index.name == md_text("<i>")


def test_footprint_counts(ds: Dataset) -> None:
    assert views.footprint_counts(ds) == {"surveyed": 1, "indicative": N - 1}


# --- import of surveyed boundaries ----------------------------------------------------------------

#: yuyao-edz of tests/inputs.py sits at (121.15, 29.95): a box of 0.02° around it.
YUYAO_EDZ = box(121.14, 29.94, 121.16, 29.96)


def geojson_upload(park_id: str = "yuyao-edz", geom: Polygon = YUYAO_EDZ) -> bytes:
    feature = {"type": "Feature", "properties": {"park_id": park_id}, "geometry": mapping(geom)}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def built_store(tmp_path: Path) -> str:
    """The store of tests/inputs.py's tree, built: its path."""
    from zones.build.assemble import build

    tree = write_inputs(tmp_path)
    out = tmp_path / "build" / "zones.gpkg"
    build(out, tree.geo, tree.data)
    return str(out)


def test_preview_import_matches_and_tabulates(tmp_path: Path) -> None:
    store = built_store(tmp_path)
    preview, error = views.preview_import(geojson_upload(), "survey.geojson", store=store)
    assert error is None and preview is not None
    assert views.preview_counts(preview) == {"matched": 1, "unmatched": 0, "new": 0, "problems": 0}
    assert preview.store == store and preview.versions == {"yuyao-edz": 0}
    table = views.preview_table(preview, "zh")
    assert list(table.columns) == [
        "状态", "要素", "文件中的名称", "园区", "匹配方式", "面积（平方公里）", "替换", "相近园区",
    ]  # fmt: skip
    row = table.iloc[0]
    assert row["状态"] == "已匹配" and row["要素"] == 1 and row["替换"] == "示意范围（估计）"
    assert row["匹配方式"] == "按标识"
    assert row["园区"].startswith("yuyao-edz ")
    # 0.02° of longitude at 29.95°N ≈ 1.93 km, 0.02° of latitude ≈ 2.22 km: ≈ 4.28 km²
    assert math.isclose(float(row["面积（平方公里）"]), 4.28, rel_tol=0.01)
    assert views.preview_table(preview, "en").iloc[0]["Status"] == "matched"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"{not json", "broken.geojson"),
        (b"PK\x03\x04 truncated", "survey.zip"),
        (b"whatever", "survey.exe"),
    ],
)
def test_preview_import_returns_errors_as_text(tmp_path: Path, data: bytes, name: str) -> None:
    store = built_store(tmp_path)
    preview, error = views.preview_import(data, name, store=store)
    assert preview is None and error and "Traceback" not in error


def test_a_missing_store_is_an_error_without_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "secret" / "zones.gpkg"
    folders = {missing.parent: "build"}
    preview, error = views.preview_import(
        geojson_upload(), "survey.geojson", store=str(missing), folders=folders
    )
    assert preview is None and error and str(tmp_path) not in error and "build" in error


def test_the_upload_types_come_from_the_format_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from zones.io.formats import FORMATS, Format

    # No bare .shp, .tab or .mif (sidecars: zip them) nor .gdb (a folder: zip it).
    assert views.upload_types() == [
        "geojson",
        "json",
        "gpkg",
        "kml",
        "gdb.zip",
        "dxf",
        "zip",
        "kmz",
    ]
    fake = Format("fgb", (".fgb",), "application/octet-stream", "FlatGeobuf", (), reader=print)
    monkeypatch.setitem(FORMATS, "fgb", fake)
    assert "fgb" in views.upload_types()


def test_apply_and_undo_record_changes_in_the_store(tmp_path: Path) -> None:
    url = built_store(tmp_path)
    store = open_store(url)
    preview, _ = views.preview_import(geojson_upload(), "survey.geojson", store=url)
    assert views.undoable_imports(url) == 0
    assert views.apply_preview(preview, store=url) == 1
    # Readers see it at once: no rebuild.
    parks = store.dataset().parks.set_index("id")
    assert parks.loc["yuyao-edz", "footprint"] == "surveyed"
    assert parks.loc["cixi-park", "footprint"] == "indicative"
    assert views.footprint_counts(store.dataset())["surveyed"] == 1
    (change,) = store.changes()
    assert (change.author, change.status) == (views.APP_AUTHOR, "accepted")
    assert views.undoable_imports(url) == 1 and views.undoable_imports(url, "someone") == 0
    with pytest.raises(ZonesError, match="no import by someone"):
        views.undo_last_import(store=url, author="someone")  # not somebody else's
    views.undo_last_import(store=url)
    assert store.dataset().parks.set_index("id").loc["yuyao-edz", "footprint"] == "indicative"
    assert [c.status for c in store.changes()] == ["reverted"]
    with pytest.raises(ZonesError, match="nothing to undo"):
        views.undo_last_import(store=url)  # nothing left


def test_a_preview_of_a_park_changed_since_records_nothing(tmp_path: Path) -> None:
    url = built_store(tmp_path)
    store = open_store(url)
    mine, _ = views.preview_import(geojson_upload(), "mine.geojson", store=url)
    theirs, _ = views.preview_import(geojson_upload(), "theirs.geojson", store=url)
    assert views.apply_preview(theirs, store=url, author="gis-team") == 1
    with pytest.raises(ZonesError, match="park yuyao-edz changed since the preview") as exc:
        views.apply_preview(mine, store=url)
    assert "by gis-team at" in str(exc.value)
    said = views.error_text(exc.value, "zh")
    assert "预览之后" in said and "gis-team" in said
    assert [c.source for c in store.changes()] == ["theirs.geojson"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_has_distinct_headers(ds: Dataset, lang: str) -> None:
    # st.table (Arrow) refuses duplicate column names: a translation must not merge two.
    crowded = with_focus(ds, ["new-materials"], ["new-materials"])
    frames = [
        views.overlap_table(ds, lang),
        views.crowded_table(crowded, lang, at_least=2),
        views.compare_table(ds, ["p0", "p1", "p2", "p3"], lang),
        views.distance_table(ds, ["p0", "p1", "p2", "p3"], lang),
        views.targets_table(ds, lang),
        views.matrix_wide(views.matrix_long(ds, "source", lang), lang),
    ]
    for frame in frames:
        assert frame.columns.is_unique and frame.index.is_unique
        assert not views.md_table(frame).empty
