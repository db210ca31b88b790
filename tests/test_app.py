"""The Streamlit app without a browser (streamlit.testing.v1.AppTest).

The map is the st_folium component: its JSON args hold the park GeoJSON (``feature_group``).
AppTest cannot run the map's JavaScript, so a click is simulated by patching
``streamlit_folium.st_folium`` to return what the browser would: the clicked feature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.elements.widgets.button import ButtonMixin
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones.dataset import save_dataset
from zones.i18n import md_text

APP = Path(__file__).resolve().parents[1] / "app.py"
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

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()

    return make


# --- helpers ---------------------------------------------------------------------------------


def map_args(at: AppTest) -> dict[str, Any]:
    components = [
        c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")
    ]
    assert len(components) == 1
    return json.loads(components[0].proto.json_args)


def collections(script: str) -> list[dict]:
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"_add\(", script):
        try:
            value, _ = decoder.raw_decode(script, match.end())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and value.get("type") == "FeatureCollection":
            out.append(value)
    return out


def map_parks(at: AppTest) -> list[dict]:
    """The park features the map draws (every class; not the selection outline)."""
    *classes, _selected = collections(map_args(at)["feature_group"])
    assert len(classes) == 3
    return [f for fc in classes for f in fc["features"]]


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

    monkeypatch.setattr(ButtonMixin, "download_button", spy)
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
    args = map_args(app())
    assert args["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"]
    assert args["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    assert "<script src" not in args["header"] and "https://" not in args["header"]
    assert args["returned_objects"] == ["last_active_drawing", "last_object_clicked"]


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


def test_click_on_a_park_shows_its_details(app: Callable[..., AppTest]) -> None:
    at = click(app(), "p3")
    assert not at.exception
    text = markdown(at)
    assert "### 测试园区3" in text
    assert "示意范围（估计）" in text and "未知（无可靠来源）" in text
    assert "*园区指定产业*" not in text and "*所在产业带重点产业*" in text
    assert query(at) == {"park": "p3"}
    # The map outlines the selected park.
    assert [f["id"] for f in collections(map_args(at.run())["feature_group"])[-1]["features"]] == [
        "p3"
    ]


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
    assert any("zones build" in c.value for c in at.code)
