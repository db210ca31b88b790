"""Sign-in, corrections drawn on the map, the review queue and a park's history in the app
(AppTest), on a real store.

AppTest cannot run the map's JavaScript: what Leaflet.draw would report is simulated by
patching ``streamlit_folium.st_folium`` to return it (``all_drawings``), as a browser would.
The real drawing, in Chromium, is tests/test_browser_edit.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from shapely.geometry import box, mapping, shape
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from tests.test_app import APP, map_args, map_parks, map_proposed, open_tab
from tests.test_mapping import embedded_collections
from zones.io.export import export_bytes
from zones.map import assets
from zones.store import NewChange, auth, open_store
from zones.text.i18n import md_text
from zones_app.signin import BOX_KEY


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.01)
    path = tmp_path / "zones.gpkg"
    store = open_store(path)
    store.write_base(make_dataset(5), digest="review")
    auth.add_user(store, "wang", "editor-password", "editor")
    auth.add_user(store, "li", "reviewer-password", "reviewer")
    monkeypatch.setenv("ZONES_GPKG", str(path))
    monkeypatch.delenv("ZONES_STORE", raising=False)
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return path


def _app(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    if not any(w.key == "signin_name" for w in at.text_input):
        at.session_state[BOX_KEY] = True  # the sign-in expander opened: its form is made
        at.run()
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    submit = next(b for b in at.button if b.label in ("登录", "Sign in"))
    submit.click()
    return at.run()


def _footprint(note: str = "from the district bureau", source: str = "survey 2026") -> NewChange:
    return NewChange(
        "p3", "footprint", {"geometry": mapping(box(121.6, 30.05, 121.62, 30.07))}, source, note
    )


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_viewer_sees_no_edit_control_and_no_queue(store_path: Path) -> None:
    open_store(store_path).propose([_footprint()], author="wang")
    at = open_tab(_app(), "gis")
    assert not at.exception
    assert "待审核的更正" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.key and b.key.startswith(("accept_", "fix_"))]


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(store_path: Path) -> None:
    at = _sign_in(_app(), "li", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    at = _sign_in(at, "nobody", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert "已登录" not in _markdown(at)


def test_a_reviewer_accepts_a_proposed_change_and_the_map_shows_it(store_path: Path) -> None:
    store = open_store(store_path)
    (cid,) = store.propose([_footprint()], author="wang")
    at = _sign_in(_app(), "li", "reviewer-password")
    assert "已登录：**li**（审核）" in _markdown(at)
    at = open_tab(at, "gis")
    assert "待审核的更正" in [s.value for s in at.subheader]
    assert f"#{cid}" in _markdown(at) and "面积：" in _markdown(at)
    at.text_input(key=f"review_comment_{cid}").input("checked on site")
    at.button(key=f"accept_{cid}").click()
    at = at.run()
    assert not at.exception
    assert store.change(cid).status == "accepted"
    assert store.change(cid).events[-1].by == "li"
    assert [s.value for s in at.success] == [f"更正 #{cid}：已通过。"]
    at = open_tab(at, "map")
    assert {f["id"]: f["properties"]["ind"] for f in map_parks(at)}["p3"] == 0


def test_an_editor_cannot_review(store_path: Path) -> None:
    open_store(store_path).propose([_footprint()], author="wang")
    at = open_tab(_sign_in(_app(), "wang", "editor-password"), "gis")
    assert "已登录：**wang**（编辑）" in _markdown(at)
    assert "待审核的更正" not in [s.value for s in at.subheader]


def test_hostile_text_in_the_queue_shows_as_text(store_path: Path) -> None:
    store = open_store(store_path)
    store.propose([_footprint(note=HOSTILE, source="[click](javascript:alert(1))")], author="wang")
    at = open_tab(_sign_in(_app(), "li", "reviewer-password"), "gis")
    text = _markdown(at)
    assert md_text(HOSTILE) in text and HOSTILE not in text
    assert "[click](javascript" not in text


@pytest.mark.parametrize(
    ("lang", "says"), [("zh", "在这条更正预览之后已被更改"), ("en", "changed since")]
)
def test_a_stale_review_is_refused_with_who_and_when(
    store_path: Path, lang: str, says: str
) -> None:
    """The store's refusal in the app's language (it was English in the Chinese app)."""
    store = open_store(store_path)
    first, second = store.propose([_footprint(), _footprint(note="another")], author="wang")
    at = open_tab(_sign_in(_app(lang=lang), "li", "reviewer-password"), "gis")
    store.accept(first, by="zhao")  # meanwhile, on another app server
    at.button(key=f"accept_{second}").click()
    at = at.run()
    assert store.change(second).status == "proposed"
    (error,) = [e.value for e in at.error]
    assert says in error and "zhao" in error and md_text(f"#{first}") in error


# --- correcting on the map ----------------------------------------------------------------------

#: A boundary drawn around park p3 (121.56-121.568, 29.95-29.958), and a point placed in it, as
#: Leaflet.draw reports them (GeoJSON features, WGS84 on a WGS84 basemap).
DRAWN = {
    "type": "Feature",
    "properties": {},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[121.559, 29.949], [121.569, 29.949], [121.569, 29.959], [121.559, 29.959],
             [121.559, 29.949]]
        ],
    },
}  # fmt: skip
POINT = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Point", "coordinates": [121.5651, 29.9532]},
}
DRAWN_NOTE = "地图上已绘制新的边界"


def _drawn(*features: dict[str, Any]) -> dict[str, Any]:
    """What the map returns once ``features`` are drawn (the last one drawn last)."""
    return {
        "last_active_drawing": features[-1] if features else None,
        "last_object_clicked": None,
        "all_drawings": list(features),
    }


def _run_with(at: AppTest, returned: dict[str, Any]) -> AppTest:
    """Rerun as if the map returned ``returned``."""
    with mock.patch("streamlit_folium.st_folium", return_value=returned):
        return at.run()


def _infos(at: AppTest) -> str:
    return "\n".join(i.value for i in at.info)


def test_only_an_editors_map_has_the_drawing_tools_all_served_by_the_app(
    store_path: Path,
) -> None:
    at = _app(park="p3")
    viewer = map_args(at)
    assert viewer["returned_objects"] == ["last_active_drawing", "last_object_clicked"]
    assert viewer["js_links"] == [url for _, url in assets.js_links()]
    assert "L.Control.Draw" not in viewer["script"] and "leaflet-draw" not in json.dumps(viewer)
    assert "fix_submit" not in [b.key for b in at.button]
    assert len(embedded_collections(viewer["feature_group"])) == 4  # parks by class, the selection
    assert (
        "zones-proposed" not in viewer["feature_group"] and '"edit"' not in viewer["feature_group"]
    )

    at = _sign_in(at, "wang", "editor-password")
    editor = map_args(at)
    # The drawing comes back to the app (only for editors: a viewer's pans never rerun it).
    assert editor["returned_objects"] == [
        "last_active_drawing",
        "last_object_clicked",
        "all_drawings",
    ]
    # Leaflet.draw is served by the app, like Leaflet; nothing from a CDN.
    assert editor["js_links"] == [url for _, url in assets.js_links(editing=True)]
    assert editor["css_links"] == [url for _, url in assets.css_links(editing=True)]
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.js" in editor["js_links"]
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.css" in editor["css_links"]
    assert not assets.off_host_links(editor["header"]) and "cdnjs" not in json.dumps(editor)
    script = editor["script"]
    assert "new L.Control.Draw(" in script
    # The map tools get the control and the layer streamlit-folium reads the drawings from.
    assert re.search(r"ZonesMap\.edit\(map_div, draw_control_div_\d+,\s*drawnItems\)", script)
    assert map_proposed(at) == []
    assert "fix_submit" in [b.key for b in at.button]


def test_a_boundary_drawn_on_the_map_is_proposed_and_drawn_apart(store_path: Path) -> None:
    at = _sign_in(_app(park="p3"), "wang", "editor-password")
    assert DRAWN_NOTE not in _infos(at)
    at = _run_with(at, _drawn(DRAWN))
    # The form has taken up the drawing.
    assert DRAWN_NOTE in _infos(at)
    assert at.radio(key="fix_kind").value == "footprint"
    assert at.checkbox(key="fix_use_drawing").value is True
    at.text_input(key="fix_source").input("测绘院 2026")
    at.text_area(key="fix_note").input("实地测量的边界")
    at.button(key="fix_submit").click()
    at = _run_with(at, _drawn(DRAWN))  # the map reports it until it has cleared it
    assert not at.exception
    (change,) = open_store(store_path).changes(park_id="p3")
    assert (change.kind, change.status, change.author) == ("footprint", "proposed", "wang")
    assert shape(change.new_value["geometry"]).bounds == pytest.approx(
        (121.559, 29.949, 121.569, 29.959)
    )
    assert [s.value for s in at.success] == [
        f"已提交更正 #{change.id}，等待审核；在地图上以红色虚线显示。"
    ]
    # Used: not offered again (the map clears it: the key of what is drawn moved on).
    assert DRAWN_NOTE not in _infos(at)
    at = at.run()
    (proposed,) = map_proposed(at)
    assert proposed["properties"] == {"change": change.id, "park": "p3", "kind": "footprint"}
    assert shape(proposed["geometry"]).bounds == pytest.approx((121.559, 29.949, 121.569, 29.959))
    assert '"className": "zones-proposed"' in map_args(at)["feature_group"]
    assert '"key": "p3|1"' in map_args(at)["feature_group"]
    # The park itself is unchanged until a reviewer accepts it.
    assert {f["id"]: f["properties"]["ind"] for f in map_parks(at)}["p3"] == 1


@pytest.mark.parametrize(("basemap", "datum"), [("none", "wgs84"), ("amap", "gcj02")])
def test_a_point_placed_on_the_map_fills_the_coordinates_in_the_maps_datum(
    store_path: Path, basemap: str, datum: str
) -> None:
    at = _sign_in(_app(park="p3", basemap=basemap), "wang", "editor-password")
    at = _run_with(at, _drawn(POINT))
    assert at.radio(key="fix_kind").value == "location"
    assert at.text_input(key="fix_lon").value == "121.565100"
    assert at.text_input(key="fix_lat").value == "29.953200"
    assert at.selectbox(key="fix_datum").value == datum  # AMap tiles are GCJ-02
    at.text_input(key="fix_source").input("GPS")
    at.text_area(key="fix_note").input("大门")
    at.button(key="fix_submit").click()
    at = _run_with(at, _drawn(POINT))
    (change,) = open_store(store_path).changes(park_id="p3")
    lon, lat = change.new_value["lon"], change.new_value["lat"]
    if datum == "wgs84":
        assert (lon, lat) == (121.5651, 29.9532)
    else:  # stored in WGS84: GCJ-02 is shifted a few hundred metres near Ningbo
        assert 0.002 < abs(lon - 121.5651) + abs(lat - 29.9532) < 0.02
    at = at.run()
    (proposed,) = map_proposed(at)
    assert proposed["geometry"]["type"] == "Point"


def test_a_drawing_made_for_one_park_is_not_offered_for_another(store_path: Path) -> None:
    at = _sign_in(_app(park="p3"), "wang", "editor-password")
    at = _run_with(at, _drawn(DRAWN, POINT))
    assert DRAWN_NOTE in _infos(at) and "地图上点选的位置" in _infos(at)
    assert at.text_input(key="fix_lon").value == "121.565100"
    at.selectbox(key="park_pick").set_value("p1")
    at = _run_with(at, _drawn(DRAWN, POINT))  # the map still reports them, until cleared
    assert at.session_state["park"] == "p1"
    assert DRAWN_NOTE not in _infos(at) and "地图上点选的位置" not in _infos(at)
    assert at.text_input(key="fix_lon").value == ""  # nothing typed for p3 carries over
    at.radio(key="fix_kind").set_value("footprint")
    at = _run_with(at, _drawn(DRAWN, POINT))
    assert at.checkbox(key="fix_use_drawing").value is False
    at.checkbox(key="fix_use_drawing").check()
    at.text_input(key="fix_source").input("测绘院")
    at.text_area(key="fix_note").input("边界")
    at.button(key="fix_submit").click()
    at = _run_with(at, _drawn(DRAWN, POINT))
    assert open_store(store_path).changes() == []
    assert any("地图上还没有绘制的范围" in e.value for e in at.error)


def test_hostile_text_in_the_history_and_the_export_shows_as_text(store_path: Path) -> None:
    source = "[click](javascript:alert(1))"
    store = open_store(store_path)
    (cid,) = store.propose([_footprint(note=HOSTILE, source=source)], author="wang")
    at = _app(park="p3")  # a viewer: the park's history, read-only
    (table,) = at.table
    cells = [str(c) for c in table.value.to_numpy().ravel()]
    assert md_text(HOSTILE) in cells and md_text(source) in cells
    assert HOSTILE not in cells and source not in cells
    assert "待审核" in cells and md_text(f"#{cid}") in cells
    assert not [b for b in at.button if b.key and b.key.startswith("revert_")]
    store.accept(cid, by="li")
    at = at.run()
    (table,) = at.table
    assert "已通过" in [str(c) for c in table.value.to_numpy().ravel()]
    assert "**范围**：实测范围" in _markdown(at) and HOSTILE not in _markdown(at)
    # A reviewer may revert it from the history.
    at = _sign_in(at, "li", "reviewer-password")
    assert f"revert_{cid}" in [b.key for b in at.button]
    # The export keeps the text as typed: GeoJSON is data, never rendered as markup.
    exported = json.loads(export_bytes(store.dataset(), layer="parks", fmt="geojson"))
    p3 = next(f for f in exported["features"] if f["properties"]["id"] == "p3")
    assert p3["properties"]["footprint"] == "surveyed"
    assert p3["properties"]["footprint_source"] == source
    assert HOSTILE in p3["properties"]["footprint_note"]
