"""The Streamlit app without a browser (streamlit.testing.v1.AppTest).

The map is the st_folium component: its JSON args hold the park GeoJSON (``feature_group``).
AppTest cannot run the map's JavaScript, so a click is simulated by patching
``streamlit_folium.st_folium`` to return what the browser would: the clicked feature.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pyogrio
import pytest
import streamlit as st
from shapely.geometry import box, mapping
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.elements.widgets.button import ButtonMixin
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE, app_maker
from tests.factories import add_footprint_dimension, make_dataset, pseudo_language
from tests.test_mapping import embedded_collections
from zones.build.assemble import build
from zones.importing import load_parks
from zones.model.dataset import save_dataset
from zones.present import views
from zones.store import open_store
from zones.text.i18n import md_text

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
N_PARKS = 7
EVEN = {f"p{i}" for i in range(N_PARKS) if i % 2 == 0}  # belt "north", district 330281
ODD = {f"p{i}" for i in range(N_PARKS) if i % 2}  # belt "east", district 330206
ALL = EVEN | ODD


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("apptest")
    return save_dataset(make_dataset(N_PARKS, hostile_name=HOSTILE), folder / "zones.gpkg")


@pytest.fixture
def app(gpkg: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """A fresh AppTest on the test dataset; call it with query parameters to open a link."""
    monkeypatch.setenv("ZONES_GPKG", str(gpkg))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)

    return app_maker()


# --- helpers ---------------------------------------------------------------------------------


def map_args(at: AppTest) -> dict[str, Any]:
    components = [
        c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")
    ]
    assert len(components) == 1
    return json.loads(components[0].proto.json_args)


def map_parks(at: AppTest) -> list[dict]:
    """The park features the map draws (every class; not the selection outline, nor, on an
    editor's map, the corrections waiting for review drawn between them)."""
    found = embedded_collections(map_args(at)["feature_group"])
    assert len(found) in (4, 5)  # 3 park classes, [proposed corrections,] the selection
    return [f for fc in found[:3] for f in fc["features"]]


def map_proposed(at: AppTest) -> list[dict]:
    """The corrections waiting for review the map draws (an editor's or reviewer's map)."""
    found = embedded_collections(map_args(at)["feature_group"])
    assert len(found) == 5, "only an editor's map draws the proposed corrections"
    return found[3]["features"]


def map_ids(at: AppTest) -> set[str]:
    ids = [f["id"] for f in map_parks(at)]
    assert len(ids) == len(set(ids))
    return set(ids)


def count(at: AppTest) -> int:
    return int(at.metric[0].value)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def query(at: AppTest) -> dict[str, str]:
    return {k: v if isinstance(v, str) else ",".join(v) for k, v in at.query_params.items()}


def click(at: AppTest, park_id: str) -> AppTest:
    """Rerun as if the user clicked park ``park_id`` on the map."""
    feature = next(f for f in map_parks(at) if f["id"] == park_id)
    value = {"last_active_drawing": feature, "last_object_clicked": {"lat": 30.0, "lng": 121.0}}
    with mock.patch("streamlit_folium.st_folium", return_value=value):
        return at.run()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, dict[str, Any]]]:
    """The keyword arguments of every download button, by key (data is a callable)."""
    seen: dict[str, dict[str, Any]] = {}
    original = ButtonMixin.download_button

    def spy(self: Any, label: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen[kwargs.get("key") or label] = {"label": label, "data": data, **kwargs}
        return original(self, label, data, *args, **kwargs)

    def module_spy(label: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen[kwargs.get("key") or label] = {"label": label, "data": data, **kwargs}
        return module_level(label, data, *args, **kwargs)

    module_level = st.download_button  # bound to the main container when streamlit loads
    monkeypatch.setattr(ButtonMixin, "download_button", spy)
    monkeypatch.setattr(st, "download_button", module_spy)
    yield seen


# --- tests -----------------------------------------------------------------------------------


def test_default_view_draws_every_park(app: Callable[..., AppTest]) -> None:
    at = app()
    assert not at.exception
    assert count(at) == N_PARKS
    assert map_ids(at) == ALL
    assert f"全部园区 {N_PARKS} 个" in markdown(at)
    assert at.title[0].value == "宁波市制造业空间布局：一圈三带多园"
    assert query(at) == {}
    assert not at.error and not at.warning


def test_tianditu_is_offered_only_with_a_token(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app().selectbox(key="basemap").options == [
        "无底图（离线）",
        "OpenStreetMap",
        "高德地图（GCJ-02）",
    ]
    monkeypatch.setenv("TIANDITU_TOKEN", "abc123")
    at = app(basemap="tianditu")
    assert "天地图" in at.selectbox(key="basemap").options
    assert not at.warning and at.selectbox(key="basemap").value == "tianditu"
    script = map_args(at)["script"]
    assert "vec_w" in script and "cva_w" in script and "tk=abc123" in script
    assert map_ids(at) == ALL  # no GCJ-02 shift: CGCS2000 is WGS84 to within centimetres


def test_map_loads_leaflet_from_the_app_only(app: Callable[..., AppTest]) -> None:
    from zones.map import assets

    args = map_args(app())
    # Leaflet, its vendored plugins and the map tools (zones.map.assets.PLUGINS), all from the app.
    assert args["js_links"] == [url for _, url in assets.js_links()]
    assert args["css_links"] == [url for _, url in assets.css_links()]
    assert args["js_links"][0] == "/app/static/vendor/leaflet/leaflet.js"
    assert "<script src" not in args["header"] and "https://" not in args["header"]
    assert args["returned_objects"] == ["last_active_drawing", "last_object_clicked"]


def test_the_map_draws_where_the_cache_folder_cannot_be_written(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from zones.map import assets
    from zones_app import loaders

    def outline_sources(at: AppTest) -> list[str]:
        return re.findall(r'fetch\("([^"]{0,40})', map_args(at)["script"])

    loaders.outline_urls.clear()
    served = outline_sources(app())
    assert served and all(u.startswith("/app/static/cache/outlines-") for u in served)
    blocker = tmp_path / "checkout"
    blocker.write_text("")  # a file where the folder should be: not writable, even for root
    monkeypatch.setattr(assets, "CACHE_DIR", blocker / "static" / "cache")
    loaders.outline_urls.clear()
    try:
        at = app()
        assert not at.exception and not at.error
        inline = outline_sources(at)
        assert len(inline) == len(served)
        assert all(u.startswith("data:application/json;base64,") for u in inline)
        assert map_ids(at) == ALL
    finally:
        loaders.outline_urls.clear()  # the next tests' map fetches served files again


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        ("f_belts", ["north"], EVEN),
        ("f_belts", ["east"], ODD),
        ("f_districts", ["330206"], ODD),
        ("f_levels", ["national"], {"p0"}),
        ("f_industries", ["automotive"], EVEN),  # parent: includes new-energy-vehicles
        ("f_industries", ["new-materials"], ODD),
        ("f_tiers", ["emerging"], set()),
    ],
)
def test_filters_change_the_count_and_the_map(
    app: Callable[..., AppTest], widget: str, value: list[str], expected: set[str]
) -> None:
    at = app()
    at.multiselect(key=widget).set_value(value)
    at.run()
    assert not at.exception
    assert count(at) == len(expected)
    assert map_ids(at) == expected


def test_designated_only_and_name_search(app: Callable[..., AppTest]) -> None:
    at = app()
    at.multiselect(key="f_industries").set_value(["automotive"])
    at.checkbox(key="f_designated").check()
    at.run()
    assert map_ids(at) == {"p0"}
    assert query(at) == {"industry": "automotive", "designated": "1"}
    at.checkbox(key="f_designated").uncheck()
    at.multiselect(key="f_industries").set_value([])
    at.text_input(key="f_text").input("Test Park 3")
    at.run()
    assert map_ids(at) == {"p3"}
    assert query(at) == {"q": "Test Park 3"}


def test_filter_sentence_and_url_follow_the_filter(app: Callable[..., AppTest]) -> None:
    at = app()
    at.multiselect(key="f_belts").set_value(["north"])
    at.run()
    assert md_text(f"北部湾区产业带中的园区 {len(EVEN)} 个") in markdown(at)
    assert query(at) == {"belt": "north"}
    at.button(key="reset_btn").click()
    at.run()
    assert count(at) == N_PARKS and query(at) == {}


#: Park types of the typed dataset: park i has TYPES[i % 3].
TYPES = ("综合保税区", "新区", "经济技术开发区")


@pytest.fixture
def typed_app(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AppTest]:
    """As ``app``, on a dataset whose parks have three types."""
    ds = make_dataset(N_PARKS)
    parks = ds.parks.copy()
    parks["type"] = [TYPES[i % 3] for i in range(N_PARKS)]
    gpkg = save_dataset(replace(ds, parks=parks), tmp_path_factory.mktemp("typed") / "z.gpkg")
    monkeypatch.setenv("ZONES_GPKG", str(gpkg))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)

    return app_maker()


def test_park_type_filter_in_the_sidebar_the_sentence_and_the_link(
    typed_app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]]
) -> None:
    at = typed_app()
    types = at.multiselect(key="f_types")
    assert types.label == "园区类型"
    assert types.options == ["经济技术开发区", "综合保税区", "新区"]  # i18n.PARK_TYPES order
    types.set_value(["综合保税区"])
    at.run()
    assert not at.exception
    assert count(at) == 3 and map_ids(at) == {"p0", "p3", "p6"}
    assert md_text("类型为综合保税区的园区 3 个") in markdown(at)
    assert query(at) == {"type": "综合保税区"}
    assert "_type-comprehensive-bonded-zone_" in downloads["dl_parks"]["file_name"]


def test_park_type_link_reopens_in_english(typed_app: Callable[..., AppTest]) -> None:
    at = typed_app(type="新区", lang="en")
    assert not at.exception and not at.warning
    types = at.multiselect(key="f_types")
    assert types.label == "Park type" and types.value == ["新区"]
    assert types.options == [
        "economic and technological development zone",
        "comprehensive bonded zone",
        "new area",
    ]
    assert count(at) == 2 and map_ids(at) == {"p1", "p4"}
    assert md_text("2 parks of type new area") in markdown(at)
    assert query(at) == {"type": "新区", "lang": "en"}
    at = typed_app(type="保税区")  # a type no park has
    assert [w.value for w in at.warning] == [
        f"链接中的园区类型“{md_text('保税区')}”无法识别，已忽略。"
    ]
    assert count(at) == N_PARKS


def test_a_registered_dimension_gets_its_widget_and_link_key(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registering a dimension in zones.model.filters.DIMENSIONS (and its i18n strings) is all the
    app needs: a widget in the sidebar, its key in the link, the map and the sentence."""
    add_footprint_dimension(monkeypatch)
    at = app(footprint="surveyed")
    assert not at.exception and not at.warning
    widget = at.multiselect(key="f_footprints")
    assert widget.label == "园区范围" and widget.value == ["surveyed"]
    assert count(at) == 1 and map_ids(at) == {"p0"}
    assert md_text("范围为实测范围的园区 1 个") in markdown(at)
    widget.set_value(["indicative"])
    at.run()
    assert map_ids(at) == ALL - {"p0"} and query(at) == {"footprint": "indicative"}
    at.button(key="reset_btn").click()
    at.run()
    assert count(at) == N_PARKS and query(at) == {}
    assert [w.value for w in app(footprint="lunar").warning] == [
        f"链接中的园区范围“{md_text('lunar')}”无法识别，已忽略。"
    ]


def test_click_on_a_park_shows_its_details(app: Callable[..., AppTest]) -> None:
    at = click(app(), "p3")
    assert not at.exception
    text = markdown(at)
    assert "### 测试园区3" in text
    assert "示意范围（估计）" in text and "未知（无可靠来源）" in text
    assert "*园区指定产业*" not in text and "*所在产业带重点产业*" in text
    assert query(at) == {"park": "p3"}
    # The map outlines the selected park.
    selected = embedded_collections(map_args(at.run())["feature_group"])[-1]
    assert [f["id"] for f in selected["features"]] == ["p3"]


def test_details_show_connectivity_with_its_caveats(app: Callable[..., AppTest]) -> None:
    # factories: park i is 10 + i km from port-a (测试港区), 20 + i from the airport, 5 + i from
    # station-a; station-b has no sourced coordinate, so it is left out (and counted as such).
    at = click(app(), "p3")
    assert md_text(
        "最近港区（测试港区） 13 公里；机场 23 公里；最近铁路站（station-a） 8.0 公里"
        "（直线距离，从园区位置量起，误差同该位置：±5,000 米）"
        "没有可靠坐标的 1 个港区、机场或车站未计入。"
    ) in markdown(at)
    at = click(app(lang="en"), "p0")
    assert md_text("nearest port (Test port) 10 km; airport 20 km;") in markdown(at)
    assert md_text("so as rough as it: ±500 m) 1 port area(s)") in markdown(at)


def test_deselect_then_click_another_park(app: Callable[..., AppTest]) -> None:
    at = click(app(), "p1")
    at.button(key="clear_btn").click()
    at.run()
    assert "### " not in markdown(at) and query(at) == {}
    at = click(at, "p2")
    assert "### 测试园区2" in markdown(at)


def test_a_selected_park_that_the_filter_hides_is_deselected(app: Callable[..., AppTest]) -> None:
    at = click(app(), "p1")
    at.multiselect(key="f_belts").set_value(["north"])  # p1 is in "east"
    at.run()
    assert "### " not in markdown(at)
    assert query(at) == {"belt": "north"}
    assert at.info and "取消选择" in at.info[0].value


def test_choosing_a_park_from_the_list(app: Callable[..., AppTest]) -> None:
    at = app()
    at.selectbox(key="park_pick").set_value("p4")
    at.run()
    assert "### 测试园区4" in markdown(at)
    assert query(at) == {"park": "p4"}
    assert map_args(at)["zoom"] is not None  # zoomed to it


def test_a_link_reopens_the_same_view(app: Callable[..., AppTest]) -> None:
    at = app(belt="east", park="p3", lang="en", basemap="osm")
    assert not at.exception and not at.warning
    assert count(at) == len(ODD) and map_ids(at) == ODD
    assert "### Test Park 3" in markdown(at)
    assert at.title[0].value.startswith("Ningbo manufacturing layout")
    assert at.radio(key="lang").value == "en"
    assert at.selectbox(key="basemap").value == "osm"
    assert "tile.openstreetmap.org" in map_args(at)["script"]
    assert query(at) == {"belt": "east", "park": "p3", "lang": "en", "basemap": "osm"}
    args = map_args(at)
    assert args["center"] is not None and args["zoom"] >= 12  # zoomed to the park


def test_unknown_values_in_a_link_are_ignored_with_a_notice(app: Callable[..., AppTest]) -> None:
    at = app(belt="north,atlantis", park="p99", basemap="tianditu", lang="xx")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 4
    assert any("atlantis" in w for w in warnings) and any("p99" in w for w in warnings)
    assert any("tianditu" in w for w in warnings) and any("xx" in w for w in warnings)
    assert map_ids(at) == EVEN  # the known part of the link still applies
    assert query(at) == {"belt": "north"}
    at.button(key="dismiss_btn").click()
    at.run()
    assert not at.warning


def test_hostile_link_values_are_shown_as_text(app: Callable[..., AppTest]) -> None:
    at = app(belt="<img src=x onerror=alert(1)>")
    assert [w.value for w in at.warning] == [
        f"链接中的产业带“{md_text(HOSTILE)}”无法识别，已忽略。"
    ]


def test_hostile_park_name_is_escaped_everywhere(app: Callable[..., AppTest]) -> None:
    at = click(app(), "p0")
    bodies = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert all("<img" not in b for b in bodies)
    assert f"### {md_text(HOSTILE)}" in markdown(at)
    # The raw name goes to the map only as data for textContent (JSON-escaped in the script).
    script = map_args(at.run())["feature_group"]
    assert "<img" not in script and "\\u003cimg src=x onerror=alert(1)\\u003e" in script


def test_a_name_in_jinja_syntax_is_shown_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "{% if %}{{ 7*7 }}"
    gpkg = save_dataset(make_dataset(3, hostile_name=name), tmp_path / "zones.gpkg")
    monkeypatch.setenv("ZONES_GPKG", str(gpkg))
    at = click(app_maker()(), "p0")
    assert not at.exception
    assert f"### {md_text(name)}" in markdown(at)
    assert json.dumps(name)[1:-1] in map_args(at.run())["feature_group"]


def test_field_descriptions_are_built_only_while_open(app: Callable[..., AppTest]) -> None:
    at = app()
    assert not [d for d in at.dataframe if "字段" in d.value.columns]
    at.session_state["fields_box"] = True  # the expander opened
    table = next(d.value for d in at.run().dataframe if "字段" in d.value.columns)
    assert {"id", "name_zh", "area_km2"} <= set(table["字段"])
    assert table.loc[table["字段"] == "id", "说明"].str.len().iloc[0] > 0


def test_export_builds_the_filtered_parks_on_demand(
    app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]]
) -> None:
    at = app(belt="east")
    parks = downloads["dl_parks"]
    assert callable(parks["data"])  # bytes are built only when the button is clicked
    assert re.fullmatch(r"ningbo-parks_belt-east_\d{4}-\d{2}-\d{2}\.geojson", parks["file_name"])
    assert parks["mime"] == "application/geo+json"
    payload = json.loads(parks["data"]())
    assert payload["type"] == "FeatureCollection"
    assert {f["properties"]["id"] for f in payload["features"]} == ODD
    belts = json.loads(downloads["dl_belts"]["data"]())
    assert [f["properties"]["id"] for f in belts["features"]] == ["east"]
    assert re.fullmatch(r"ningbo-belts_belt-east_\d{4}-\d{2}-\d{2}\.geojson",
                        downloads["dl_belts"]["file_name"])  # fmt: skip
    assert any("估计" in c.value for c in at.caption)  # the estimates note


@pytest.mark.parametrize(("fmt", "ext"), [("gpkg", ".gpkg"), ("csv", ".csv"), ("kml", ".kml")])
def test_export_other_formats(
    app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]], fmt: str, ext: str
) -> None:
    at = app()
    at.radio(key="export_fmt").set_value(fmt)
    at.run()
    parks = downloads["dl_parks"]
    assert parks["file_name"].endswith(ext) and parks["file_name"].startswith("ningbo-parks_all_")
    assert len(parks["data"]()) > 100


def test_english_switch(app: Callable[..., AppTest]) -> None:
    at = app()
    at.radio(key="lang").set_value("en")
    at.run()
    assert at.title[0].value.startswith("Ningbo")
    assert f"All {N_PARKS} parks" in markdown(at)
    assert query(at) == {"lang": "en"}
    names = {f["properties"]["name"] for f in map_parks(at)}
    assert "Test Park 1" in names


def test_a_third_language_from_its_catalog_alone_renders_the_app(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A throwaway catalog ``xx`` (Chinese, each text prefixed) and its code in the language
    list: the link opens the app in it, its texts everywhere, on every tab, in the switch."""
    prefix = pseudo_language(monkeypatch, tmp_path)
    at = app(lang="xx")
    assert not at.exception and not at.warning
    assert at.session_state["lang"] == "xx" and query(at) == {"lang": "xx"}
    assert at.title[0].value == prefix + "宁波市制造业空间布局：一圈三带多园"
    assert at.caption[0].value.startswith(prefix + "依据《")
    assert at.radio(key="lang").options == ["中文", "English", "Pseudo (xx)"]
    assert at.metric[0].label == prefix + "符合条件的园区"
    assert f"{prefix}全部园区 {N_PARKS} 个" in markdown(at)
    assert at.sidebar.header[0].value == prefix + "筛选园区"
    assert at.multiselect(key="f_belts").label == prefix + "产业圈 / 产业带"
    assert at.session_state["view_tab"] == prefix + "地图"
    assert {f["properties"]["name"] for f in map_parks(at)} >= {"测试园区1"}  # data: Chinese
    assert at.subheader and all(h.value.startswith(prefix) for h in at.subheader)
    for tab in ("analysis", "gis"):
        at = open_tab(at, tab)
        assert not at.exception, tab
        assert all(h.value.startswith(prefix) for h in at.subheader), tab
    at.radio(key="lang").set_value("en")
    at.run()
    assert at.title[0].value.startswith("Ningbo") and at.session_state["view_tab"] == "GIS exchange"


def test_amap_basemap_shifts_the_drawing_and_says_so(app: Callable[..., AppTest]) -> None:
    plain = {f["id"]: f["geometry"] for f in map_parks(app())}
    at = app(basemap="amap")
    shifted = {f["id"]: f["geometry"] for f in map_parks(at)}
    assert plain["p1"] != shifted["p1"]
    assert any("GCJ-02" in c.value for c in at.caption)


def test_missing_dataset_is_a_clear_error(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ZONES_GPKG", str(tmp_path / "nowhere.gpkg"))
    at = app()
    assert not at.exception
    assert len(at.error) == 1 and md_text("nowhere.gpkg") in at.error[0].value
    assert md_text("built dataset not found") in at.error[0].value
    assert any("zones build" in c.value for c in at.code)
    assert not at.get("component_instance")


def test_corrupt_dataset_is_a_clear_error(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "zones.gpkg"
    bad.write_bytes(b"this is not a GeoPackage")
    monkeypatch.setenv("ZONES_GPKG", str(bad))
    at = app(lang="en")
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("Cannot read the built dataset")
    # Issue 8.8: the command shown rebuilds this very file (`./dev app` rebuilt another one).
    assert [c.value for c in at.code] == [f"zones build --out {bad}"]


# --- the plan analysis tab ---------------------------------------------------------------------


def open_tab(at: AppTest, name: str) -> AppTest:
    """Switch to the tab ``name`` (map / analysis / gis) in the app's language, and rerun."""
    lang = at.session_state["lang"]
    at.session_state["view_tab"] = views.tab_labels(lang)[views.TABS.index(name)]
    return at.run()


def chart_data(at: AppTest) -> pd.DataFrame:
    """The data of the one Vega-Lite chart on the page (Streamlit sends it as Arrow)."""
    (chart,) = at.get("vega_lite_chart")
    (dataset,) = chart.proto.datasets
    return convert_arrow_bytes_to_pandas_df(dataset.data.data)


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [t.value for t in at.table]


def test_the_map_tab_is_the_default_and_the_other_tabs_do_not_run(
    app: Callable[..., AppTest],
) -> None:
    at = app()
    assert at.session_state["view_tab"] == "地图"
    assert not at.get("vega_lite_chart") and not at.table and not at.get("file_uploader")
    assert len(map_ids(at)) == N_PARKS


def test_analysis_tab_draws_the_belt_industry_heatmap(app: Callable[..., AppTest]) -> None:
    at = open_tab(app(), "analysis")
    assert not at.exception
    data = chart_data(at)
    cells = {(r.industry_id, r.belt_id): (r.parks, r.cell) for r in data.itertuples()}
    # Every link counted (the default): the 4 even parks of "north" for both of its focus
    # industries, the 3 odd parks of "east" for 新材料.
    assert cells == {
        ("automotive", "north"): (4, "4 ★"),
        ("automotive", "east"): (0, ""),
        ("new-energy-vehicles", "north"): (4, "4 ★"),
        ("new-energy-vehicles", "east"): (0, ""),
        ("new-materials", "north"): (0, ""),
        ("new-materials", "east"): (3, "3 ★"),
    }
    # Designated only: p0 for 汽车及零部件, p1 for 新材料; the focus 新能源汽车 has no park.
    at.radio(key="an_basis").set_value("park")
    at.run()
    data = chart_data(at)
    assert dict(zip(data["industry_id"] + "/" + data["belt_id"], data["cell"], strict=True)) == {
        "automotive/north": "1 ★",
        "automotive/east": "",
        "new-energy-vehicles/north": "0 ★",
        "new-energy-vehicles/east": "",
        "new-materials/north": "",
        "new-materials/east": "1 ★",
    }
    assert any("★" in c.value for c in at.caption)  # the note explains the mark


def test_analysis_tab_overlap_targets_and_compare(app: Callable[..., AppTest]) -> None:
    at = open_tab(app(), "analysis")
    matrix, overlap, targets = tables(at)
    assert matrix.values.tolist() == [
        [md_text("4 ★"), ""],
        [md_text("4 ★"), ""],
        ["", md_text("3 ★")],
    ]
    assert overlap.values.tolist() == [
        [md_text("北部湾区产业带 × 东部临港产业带"), md_text("—"), "0", md_text("0.00")]
    ]
    assert any("3 个及以上产业带" in c.value for c in at.caption)  # nothing crowded
    assert targets.values.tolist()[0] == [
        "规上工业增加值",
        md_text("6,800 亿元"),
        "2025",
        "规划原文第12行",
        "规上工业增加值达到6800亿元",
    ]
    assert [i.value for i in at.info] == ["请至少选择 2 个园区进行对比（最多 4 个）。"]
    at.multiselect(key="cmp_parks").set_value(["p0"])
    at.run()
    assert len(at.info) == 1 and len(at.table) == 3  # still fewer than 2
    at.multiselect(key="cmp_parks").set_value(["p1", "p4"])
    at.run()
    assert not at.exception and not at.info
    compare, distances = tables(at)[2:4]
    assert list(compare.columns) == ["测试园区1", "测试园区4"]
    assert compare.loc["园区指定产业"].tolist() == [md_text("新材料"), md_text("—")]
    assert compare.loc["最近港区"].tolist() == [
        md_text("11 公里（测试港区）"),
        md_text("14 公里（测试港区）"),
    ]
    # p1 (121.554, 29.954) to p4 (121.074, 29.954): 0.48° of one parallel ≈ 46.3 km
    assert distances.values.tolist() == [
        [md_text("—"), md_text("46.3")],
        [md_text("46.3"), md_text("—")],
    ]


def test_analysis_tab_in_english_keeps_the_tab(app: Callable[..., AppTest]) -> None:
    at = open_tab(app(), "analysis")
    at.radio(key="lang").set_value("en")
    at.run()
    assert at.session_state["view_tab"] == "Plan analysis"
    assert not at.exception and at.get("vega_lite_chart")
    assert set(chart_data(at)["belt"]) == {
        "Northern Bay Area Industrial Belt",
        "Eastern Port Industrial Belt",
    }
    assert any(md_text("plan text, line 12") in row for row in tables(at)[-1].values.tolist())


def test_hostile_park_name_stays_text_in_the_comparison(app: Callable[..., AppTest]) -> None:
    at = open_tab(app(), "analysis")
    at.multiselect(key="cmp_parks").set_value(["p0", "p1"])
    at.run()
    compare, distances = tables(at)[2:4]
    assert compare.columns[0] == md_text(HOSTILE) and "<img" not in "".join(compare.columns)
    assert distances.index[0] == md_text(HOSTILE)


def test_briefing_download_is_built_on_click(
    app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]]
) -> None:
    open_tab(app(), "analysis")
    report = downloads["dl_report"]
    assert callable(report["data"]) and report["mime"] == "text/html"
    assert re.fullmatch(r"ningbo-briefing_zh_\d{4}-\d{2}-\d{2}\.html", report["file_name"])
    html = report["data"]().decode("utf-8")
    assert "宁波市制造业空间布局简报" in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and HOSTILE not in html


# --- the GIS exchange tab ----------------------------------------------------------------------


def writable_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's geo/ and data/ with its own build, for the app to write to:
    ZONES_GEO_DIR, ZONES_DATA_DIR and ZONES_GPKG point at it."""
    root = tmp_path / "root"
    for name in ("geo", "data"):
        shutil.copytree(REPO / name, root / name)
    build(root / "build" / "zones.gpkg", root / "geo", root / "data")
    monkeypatch.setenv("ZONES_GEO_DIR", str(root / "geo"))
    monkeypatch.setenv("ZONES_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("ZONES_GPKG", str(root / "build" / "zones.gpkg"))
    return root


@pytest.fixture
def gis_root(app: Callable[..., AppTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """:func:`writable_root`, set up after ``app``, whose ZONES_GPKG it replaces."""
    return writable_root(tmp_path, monkeypatch)


def survey(park_id: str, half_deg: float = 0.01) -> bytes:
    """A GeoJSON upload: one square of 2 × ``half_deg`` degrees on a sourced park location."""
    parks = load_parks(REPO / "data").set_index("id")
    lon, lat = float(parks.loc[park_id, "lon"]), float(parks.loc[park_id, "lat"])
    square = box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)
    feature = {"type": "Feature", "properties": {"park_id": park_id}, "geometry": mapping(square)}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def footprint(root: Path, park_id: str) -> str:
    """The park's footprint as readers of ``root``'s store see it (with accepted changes)."""
    parks = open_store(root / "build" / "zones.gpkg").dataset().parks.set_index("id")
    return str(parks.loc[park_id, "footprint"])


def previews(at: AppTest) -> list[pd.DataFrame]:
    """The import preview tables (the map tab's field list is a dataframe too)."""
    return [d.value for d in at.dataframe if "状态" in d.value.columns]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_upload_preview_apply_and_undo(gis_root: Path, app: Callable[..., AppTest]) -> None:
    parks = load_parks(REPO / "data")
    park = str(parks.loc[parks["location_basis"] == "sourced", "id"].iloc[0])
    assert footprint(gis_root, park) == "indicative"
    at = open_tab(app(), "gis")
    assert not at.exception and len(at.file_uploader) == 1
    at.file_uploader[0].set_value(("survey.geojson", survey(park), "application/geo+json"))
    at.run()
    assert not at.exception and not at.error
    found = metrics(at)
    assert found["符合条件的园区"] == "26"  # the map tab runs too (it keeps the map)
    assert {k: found[k] for k in ("已匹配", "未匹配", "新园区", "错误")} == {
        "已匹配": "1",
        "未匹配": "0",
        "新园区": "0",
        "错误": "0",
    }
    (preview,) = previews(at)
    assert preview["园区"].tolist()[0].startswith(f"{park} ")
    assert any(f"→ {park}" in c.value for c in at.code)  # the plain-text preview
    store = open_store(gis_root / "build" / "zones.gpkg")
    assert store.changes() == []  # nothing recorded yet

    at.button(key="imp_apply").click()
    at.run()
    assert not at.exception and not at.error
    assert footprint(gis_root, park) == "surveyed"  # at once: no rebuild
    (change,) = store.changes()
    assert (change.park_id, change.status, change.author) == (park, "accepted", views.APP_AUTHOR)
    assert at.success and "已导入 1 个园区" in at.success[0].value
    assert not previews(at)  # a fresh, empty uploader
    assert any("当前 1 个园区为实测范围" in m.value for m in at.markdown)

    at.button(key="imp_undo").click()
    at.run()
    assert not at.exception and not at.error
    assert footprint(gis_root, park) == "indicative"
    assert at.success and "已撤销" in at.success[0].value
    assert not [b for b in at.button if b.key == "imp_undo"]  # nothing more to undo


def test_undo_reverts_only_the_apps_own_imports(
    gis_root: Path, app: Callable[..., AppTest]
) -> None:
    from zones.cli.main import main

    parks = load_parks(REPO / "data")
    park, other = parks.loc[parks["location_basis"] == "sourced", "id"].iloc[:2].astype(str)
    store = gis_root / "build" / "zones.gpkg"
    at = open_tab(app(), "gis")
    assert not [b for b in at.button if b.key == "imp_undo"]  # nothing of the app's yet
    # Somebody imports another park on the command line, against the same store.
    path = gis_root / "other.geojson"
    path.write_bytes(survey(other))
    assert main(["import", str(path), "--store", str(store), "--as", "gis-team"]) == 0
    at.run()
    assert not [b for b in at.button if b.key == "imp_undo"]  # not the app's to undo
    at.file_uploader[0].set_value(("survey.geojson", survey(park), "application/geo+json"))
    at.run()
    at.button(key="imp_apply").click()
    at.run()
    at.button(key="imp_undo").click()
    at.run()
    assert not at.exception and not at.error
    assert footprint(gis_root, park) == "indicative" and footprint(gis_root, other) == "surveyed"
    assert not [b for b in at.button if b.key == "imp_undo"]
    assert metrics(at)["符合条件的园区"] == "26"


def test_a_malformed_upload_shows_an_error(gis_root: Path, app: Callable[..., AppTest]) -> None:
    at = open_tab(app(lang="en"), "gis")
    at.file_uploader[0].set_value(("survey.geojson", b'{"type": "Feature', "application/json"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("Import failed:")
    assert "Traceback" not in at.error[0].value
    assert not [b for b in at.button if b.key == "imp_apply"]
    # The app keeps working: the map tab still draws every park.
    at = open_tab(at, "map")
    assert not at.exception and metrics(at)["Matching parks"] == "26"


def test_an_upload_matching_nothing_cannot_be_applied(
    gis_root: Path, app: Callable[..., AppTest]
) -> None:
    at = open_tab(app(), "gis")
    upload = survey(str(load_parks(REPO / "data")["id"].iloc[0])).replace(b'"park_id"', b'"x"')
    at.file_uploader[0].set_value(("nameless.geojson", upload, "application/geo+json"))
    at.run()
    assert not at.exception and metrics(at)["已匹配"] == "0"
    assert not [b for b in at.button if b.key == "imp_apply"]
    assert at.warning and "没有可导入的要素" in at.warning[0].value


def test_bundle_download_is_a_zip_with_a_geopackage(
    app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    at = open_tab(app(belt="east"), "gis")
    at.selectbox(key="bundle_crs").set_value("EPSG:4549")
    at.run()
    bundle = downloads["dl_bundle"]
    assert callable(bundle["data"]) and bundle["mime"] == "application/zip"
    name = bundle["file_name"]
    assert re.fullmatch(r"ningbo-zones_belt-east_epsg4549_\d{4}-\d{2}-\d{2}\.zip", name)
    data = bundle["data"]()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        (gpkg,) = [n for n in z.namelist() if n.endswith(".gpkg")]
        assert gpkg == f"{name.removesuffix('.zip')}/zones.gpkg"
        (tmp_path / "b.gpkg").write_bytes(z.read(gpkg))
    assert pyogrio.read_info(tmp_path / "b.gpkg", layer="parks")["crs"] == "EPSG:4549"
    parks = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="parks", read_geometry=False)
    assert set(parks["id"]) == ODD


# --- formats: one registry, one export rule (issue 9, items 3 and 4) -------------------------


@pytest.mark.parametrize("query", [{"belt": "east"}, {"belt": "north", "district": "330206"}, {}])
def test_the_app_and_the_cli_export_the_same_belts_for_a_filter(
    app: Callable[..., AppTest],
    downloads: dict[str, dict[str, Any]],
    gpkg: Path,
    tmp_path: Path,
    query: dict[str, str],
) -> None:
    from zones.cli.main import main

    app(**query)
    from_app = downloads["dl_belts"]["data"]()
    out = tmp_path / "belts.geojson"
    options = [f"--{key}={value}" for key, value in query.items()]  # link keys = CLI options
    args = ["export", "--dataset", str(gpkg), "--layer", "belts", "--out", str(out), *options]
    assert main(args) == 0
    assert out.read_bytes() == from_app
    belts = [f["properties"]["id"] for f in json.loads(from_app)["features"]]
    assert belts == ([query["belt"]] if "belt" in query else ["north", "east"])


def test_a_registered_format_shows_up_in_the_cli_the_paths_and_the_app(
    app: Callable[..., AppTest],
    downloads: dict[str, dict[str, Any]],
    gpkg: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zones.cli.main import main, parser
    from zones.io.formats import FORMATS, ExportRequest, Format, format_for_path
    from zones.io.layers import export_selection

    def write(ds: Any, path: Path, request: ExportRequest) -> None:
        rows = export_selection(ds, request.park_filter).layer(request.layer)
        path.write_text(f"{request.layer}:{len(rows)}", encoding="utf-8")

    count = Format("count", (".count",), "text/plain", None, ("parks", "belts"), write)
    monkeypatch.setitem(FORMATS, "count", count)

    export = parser()._subparsers._group_actions[0].choices["export"]  # type: ignore[union-attr]
    (fmt_option,) = [a for a in export._actions if "--format" in a.option_strings]
    assert "count" in fmt_option.choices and "count (.count)" in fmt_option.help
    assert format_for_path("parks.COUNT") == "count"
    out = tmp_path / "parks.count"
    assert main(["export", "--dataset", str(gpkg), "--out", str(out), "--belt", "east"]) == 0
    assert out.read_text(encoding="utf-8") == f"parks:{len(ODD)}"

    at = app(belt="east")
    assert "count" in at.radio(key="export_fmt").options
    at.radio(key="export_fmt").set_value("count")
    at.run()
    parks, belts = downloads["dl_parks"], downloads["dl_belts"]
    assert parks["file_name"].endswith(".count") and parks["mime"] == "text/plain"
    assert parks["data"]() == f"parks:{len(ODD)}".encode()
    assert belts["data"]() == b"belts:1"
