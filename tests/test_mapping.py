"""Folium maps, inspected as rendered HTML/JS: what is drawn, how, and from where."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

import pytest
import shapely

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones.geo import crs
from zones.map import assets, mapping, styles
from zones.map.coloring import park_coloring
from zones.model.dataset import Dataset
from zones.model.filters import ParkFilter, apply_filter
from zones.store.log import Change, Event


def fcs(ds: Dataset, lang: str = "zh", basemap: str = "none") -> tuple[dict, dict]:
    return (
        mapping.district_features(ds.districts, lang=lang, basemap=basemap),
        mapping.belt_features(ds.belts, lang=lang, basemap=basemap),
    )


def render(
    ds: Dataset,
    f: ParkFilter | None = None,
    *,
    lang: str = "zh",
    basemap: str = "none",
    selected: str | None = None,
    token: str | None = None,
) -> str:
    parks = apply_filter(ds, f or ParkFilter())
    parks_fc = mapping.park_features(parks, lang=lang, basemap=basemap)
    base = mapping.base_map(*fcs(ds, lang, basemap), lang=lang, basemap=basemap,
                            tianditu_token=token)  # fmt: skip
    groups = mapping.park_groups(parks_fc, lang=lang, selected_id=selected)
    return mapping.map_html(mapping.full_map(base, groups))


def embedded_collections(html: str) -> list[dict]:
    """Every GeoJSON collection the page adds to a layer, in order."""
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"_add\(", html):
        try:
            value, _ = decoder.raw_decode(html, match.end())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and value.get("type") == "FeatureCollection":
            out.append(value)
    return out


def park_collections(html: str) -> list[dict]:
    """The park collections (surveyed, indicative, estimated): last but the selection."""
    return embedded_collections(html)[-1 - len(styles.PARK_CLASSES) : -1]


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return make_dataset(9, hostile_name=HOSTILE)


def test_every_filtered_park_is_one_polygon(ds: Dataset) -> None:
    for f in (ParkFilter(), ParkFilter(belts=("north",)), ParkFilter(levels=("national",))):
        html = render(ds, f)
        parks = park_collections(html)
        ids = [feat["id"] for fc in parks for feat in fc["features"]]
        assert sorted(ids) == sorted(apply_filter(ds, f)["id"])


def test_park_features_are_trimmed_and_rounded(ds: Dataset) -> None:
    fc = mapping.park_features(ds.parks, lang="en")
    first = fc["features"][0]
    assert first["id"] == "p0"
    assert set(first["properties"]) == {"name", "ind", "est", "pt", "q"}
    assert {k: first["properties"][k] for k in ("name", "ind", "est")} == {
        "name": "Test Park 0", "ind": 0, "est": 0
    }  # fmt: skip
    second = fc["features"][1]["properties"]
    assert {k: second[k] for k in ("name", "ind", "est")} == {
        "name": "Test Park 1", "ind": 1, "est": 5000
    }  # fmt: skip
    # A point inside the park (its marker and label), and what the search box finds it by.
    lat, lon = second["pt"]
    assert shapely.geometry.shape(fc["features"][1]["geometry"]).contains(shapely.Point(lon, lat))
    assert second["q"] == ["测试园区1", "ceshiyuanqu1", "csyq1", "testpark1"]
    coords = re.findall(r"\d+\.\d+", json.dumps(fc))
    assert max(len(c.split(".")[1]) for c in coords) <= crs.DISPLAY_DECIMALS


def test_indicative_footprints_and_estimated_locations_are_drawn_differently(ds: Dataset) -> None:
    surveyed, indicative, estimated = (
        styles.SURVEYED_STYLE, styles.INDICATIVE_STYLE, styles.ESTIMATED_STYLE
    )  # fmt: skip
    assert not surveyed.get("dashArray")
    assert indicative["dashArray"] and estimated["dashArray"]
    assert indicative["dashArray"] != estimated["dashArray"]
    assert estimated["fillOpacity"] < surveyed["fillOpacity"]
    assert indicative["fillOpacity"] < surveyed["fillOpacity"]
    # One sourced park with an indicative footprint, to fill every class.
    parks = ds.parks.copy()
    parks.loc[parks["id"] == "p2", "location_basis"] = "sourced"
    html = render(dataclasses.replace(ds, parks=parks))
    classes = [[f["id"] for f in fc["features"]] for fc in park_collections(html)]
    assert classes == [["p0"], ["p2"], ["p1", "p3", "p4", "p5", "p6", "p7", "p8"]]
    for style in (indicative, estimated):
        assert f'"dashArray": "{style["dashArray"]}"' in html


def test_legend_names_belts_and_says_indicative_is_estimated(ds: Dataset) -> None:
    html = mapping.legend_html(fcs(ds)[1], "zh")
    assert "北部湾区产业带" in html and "东部临港产业带" in html
    assert "#1f77b4" in html and "#d62728" in html
    assert "示意范围（估计）" in html and "dashed" in html and "dotted" in html
    assert "位置亦为估计" in html
    assert "indicative footprint (estimated)" in mapping.legend_html(fcs(ds, "en")[1], "en")


def test_map_loads_no_script_or_stylesheet_from_another_host(ds: Dataset) -> None:
    for basemap in ("none", "osm", "tianditu", "amap"):
        html = render(ds, basemap=basemap, token="abc123")
        assert assets.off_host_links(html) == [], basemap
        assert "/app/static/vendor/leaflet/leaflet.js" in html
        assert "/app/static/vendor/leaflet/leaflet.css" in html
        for cdn in ("jsdelivr", "cdnjs", "jquery", "bootstrap", "unpkg"):
            assert cdn not in html.lower(), (basemap, cdn)


def test_off_host_links_finds_cdn_references() -> None:
    html = (
        '<script src="https://cdn.example/x.js"></script><script src="/app/static/a.js">'
        '</script><link rel="stylesheet" href="//cdn.example/y.css"/>'
        "<style>@import url('https://fonts.example/z.css');</style>"
    )
    assert assets.off_host_links(html) == [
        "https://cdn.example/x.js",
        "//cdn.example/y.css",
        "https://fonts.example/z.css",
    ]


def test_vendored_assets_are_present_and_follow_the_base_path() -> None:
    assert assets.missing_assets() == []
    assert assets.js_links("zones") == [
        ("leaflet", "/zones/app/static/vendor/leaflet/leaflet.js"),
        ("leaflet.fullscreen",
         "/zones/app/static/vendor/leaflet.fullscreen/Control.FullScreen.umd.js"),
        ("zones", "/zones/app/static/zones/map-tools.js"),
        ("zones1", "/zones/app/static/zones/many-parks.js"),
    ]  # fmt: skip
    assert assets.css_links("")[0] == ("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")
    sources = (assets.STATIC_DIR / "vendor" / "SOURCES.md").read_text()
    assert f"| leaflet | {assets.LEAFLET_VERSION} | BSD-2-Clause |" in sources
    assert "| leaflet.fullscreen | 5.3.3 | MIT |" in sources


def test_every_vendored_file_is_the_one_pinned_in_sources() -> None:
    """Each vendored plugin is a package of scripts/vendor_assets.sh, and each file the map loads
    from static/vendor/ has the sha256 that SOURCES.md pins (nothing edited by hand)."""
    script = (assets.ROOT / "scripts" / "vendor_assets.sh").read_text()
    packages = re.findall(r'^\s+"([\w.@/-]+) (\S+) ([0-9a-f]{64}) ', script, re.MULTILINE)
    vendored = [p for p in assets.PLUGINS if p.vendored]
    assert {name for name, _, _ in packages} == {p.name for p in vendored}
    sources = (assets.STATIC_DIR / "vendor" / "SOURCES.md").read_text()
    pinned = dict(re.findall(r"^\| `([^`]+)` \| ([0-9a-f]{64}) \|$", sources, re.MULTILINE))
    for plugin in vendored:
        for path in plugin.js + plugin.css:
            file = assets.STATIC_DIR / path
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            assert pinned.get(path.removeprefix("vendor/")) == digest, path
    for name, version, tarball_sha in packages:
        assert f"| {name} | {version} |" in sources and tarball_sha in sources


def test_own_map_tools_load_nothing_from_another_host() -> None:
    own = [p for p in assets.PLUGINS if not p.vendored]
    assert own, "the map tools are listed"
    for plugin in own:
        for path in plugin.js + plugin.css:
            text = (assets.STATIC_DIR / path).read_text()
            # No URL to fetch (the SVG namespace in inline icons is a name, not a request).
            urls = re.findall(r"https?://[^\s'\")]+", text)
            assert all(u.startswith("http://www.w3.org/2000/svg") for u in urls), (path, urls)
            assert "innerHTML" not in text, "data text reaches the page as text only"


def test_without_cdn_drops_a_plugins_own_links() -> None:
    from folium.plugins import Fullscreen

    plugin = assets.without_cdn(Fullscreen())
    assert plugin.default_js == [] and plugin.default_css == []
    assert Fullscreen.default_js, "the class keeps its own (only this element is changed)"


def test_hostile_names_never_reach_html_unescaped(ds: Dataset) -> None:
    belts = ds.belts.copy()
    belts.loc[0, "name_zh"] = "<b onmouseover=alert(2)>belt</b>"
    belts.loc[0, "color"] = "red;background:url(javascript:alert(3))"
    hostile = dataclasses.replace(ds, belts=belts)
    html = render(hostile, selected="p0")
    assert "<img" not in html and "<b onmouseover" not in html
    assert "javascript:alert(3)" not in html
    legend = mapping.legend_html(fcs(hostile)[1], "zh")
    assert "&lt;b onmouseover=alert(2)&gt;" in legend
    # Layer-control names are HTML in Leaflet: escaped (and JSON-encoded in the script).
    assert "\\u0026lt;b onmouseover=alert(2)\\u0026gt;belt\\u0026lt;/b\\u0026gt;" in html


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% if %}", "{# note", "{{ lipsum.__globals__ }}"])
def test_names_are_never_read_as_jinja_templates(name: str) -> None:
    """A park or belt named with Jinja's delimiters is text on the map: branca compiled what
    each element rendered as a template again, so such a name stopped the map (a syntax
    error) or ran on the server (``{{ 7*7 }}`` showed 49)."""
    ds = make_dataset(3, hostile_name=name)
    belts = ds.belts.copy()
    belts.loc[0, "name_zh"] = name
    html = render(dataclasses.replace(ds, belts=belts), selected="p0")
    names = [f["properties"]["name"] for fc in park_collections(html) for f in fc["features"]]
    assert name in names
    assert json.dumps(name)[1:-1] in html  # the belt's layer-control entry, as typed


def test_park_tooltips_are_built_as_text_not_html(ds: Dataset) -> None:
    html = render(ds)
    assert "title.textContent" in html and "layer.bindTooltip(box" in html
    # The park names stay raw in the data (textContent shows them as typed) ...
    names = [f["properties"]["name"] for fc in park_collections(html) for f in fc["features"]]
    assert HOSTILE in names
    # ... and no tooltip or popup is bound to an HTML string.
    assert "GeoJsonTooltip" not in html and "bindPopup" not in html


def test_clicks_do_not_scroll_the_page(ds: Dataset) -> None:
    assert "focus({preventScroll: true})" in render(ds)


def test_only_parks_are_interactive(ds: Dataset) -> None:
    html = render(ds, selected="p1")
    # Districts, belts and the selection outline: non-interactive; park layers: interactive.
    assert html.count('"interactive": false') == 1 + len(ds.belts) + 1
    assert html.count("layer.bindTooltip(box") == len(styles.PARK_CLASSES)
    selected = embedded_collections(html)[-1]
    assert [f["id"] for f in selected["features"]] == ["p1"]


def test_selection_outline_is_empty_without_a_selection(ds: Dataset) -> None:
    assert embedded_collections(render(ds))[-1]["features"] == []
    assert embedded_collections(render(ds, selected="p999"))[-1]["features"] == []


def test_amap_shifts_geometry_to_gcj02_for_display_only(ds: Dataset) -> None:
    wgs = mapping.park_features(ds.parks, lang="zh", basemap="none")
    gcj = mapping.park_features(ds.parks, lang="zh", basemap="amap")
    a = shapely.geometry.shape(wgs["features"][0]["geometry"]).centroid
    b = shapely.geometry.shape(gcj["features"][0]["geometry"]).centroid
    # GCJ-02 moves Ningbo by a few hundred metres (about 0.005 degrees).
    assert 0.001 < abs(b.x - a.x) + abs(b.y - a.y) < 0.02
    # The dataset itself is untouched.
    assert ds.parks.geometry.iloc[0].bounds == pytest.approx((121.05, 29.95, 121.058, 29.958))


def test_basemaps_offered_and_their_tiles() -> None:
    assert mapping.available_basemaps(None) == ("none", "osm", "amap")
    assert mapping.available_basemaps("tok") == ("none", "osm", "tianditu", "amap")
    assert mapping.basemap_tiles("none") == []
    tianditu = mapping.basemap_tiles("tianditu", tianditu_token="ab c<1>")
    assert ["vec_w" in tianditu[0].url, "cva_w" in tianditu[1].url] == [True, True]
    assert all(t.url.endswith("tk=abc1") for t in tianditu)
    assert tianditu[1].overlay
    assert "GCJ-02" in mapping.basemap_tiles("amap")[0].attribution
    assert all(t.attribution for b in ("osm", "amap") for t in mapping.basemap_tiles(b))
    with pytest.raises(ValueError):
        mapping.basemap_tiles("tianditu")


def test_tiles_carry_attribution_in_the_page(ds: Dataset) -> None:
    osm = json.loads(f'"{_attribution(render(ds, basemap="osm"))}"')
    assert "OpenStreetMap</a> contributors" in osm
    assert "tile.openstreetmap.org" not in render(ds, basemap="none")


def _attribution(html: str) -> str:
    match = re.search(r'"attribution": "((?:[^"\\]|\\.)*)"', html)
    assert match, "no attribution"
    return match.group(1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("#1f77b4", "#1f77b4"), ("#abc", "#abc"), ("red", "#777777"), (None, "#777777"),
     ("#12345g", "#777777"), ("#1f77b4;x", "#777777")],
)  # fmt: skip
def test_safe_color(value: object, expected: str) -> None:
    assert styles.safe_color(value) == expected


def test_view_for_a_park_zooms_in_and_centres() -> None:
    (lat, lon), zoom = mapping.view_for((121.05, 29.95, 121.058, 29.958), height_px=620)
    assert (lat, lon) == pytest.approx((29.954, 121.054))
    assert 12 <= zoom <= 16
    _, city = mapping.view_for((120.9, 28.9, 122.3, 30.4), height_px=620)
    assert 6 <= city <= 9


def test_park_view() -> None:
    fc = mapping.park_features(make_dataset(3).parks, lang="zh")
    view = mapping.park_view(fc, "p1", height_px=620)
    assert view is not None
    (lat, lon), zoom = view
    assert (lat, lon) == pytest.approx((29.954, 121.554)) and zoom == 14
    assert mapping.park_view(fc, "nope") is None
    fc["features"][0]["geometry"] = None
    assert mapping.park_view(fc, "p0") is None


def test_bounds_of() -> None:
    ds = make_dataset(3)
    assert mapping.bounds_of(fcs(ds)[0]) == pytest.approx((121.0, 29.9, 122.0, 30.3))
    assert mapping.bounds_of({"type": "FeatureCollection", "features": []}) is None


def test_empty_selection_still_renders(ds: Dataset) -> None:
    html = render(ds, ParkFilter(text="no such park"))
    assert [fc["features"] for fc in park_collections(html)] == [[], [], []]


def test_map_building_does_not_modify_the_cached_geojson(ds: Dataset) -> None:
    """The app caches these collections as shared resources: nothing may change them."""
    districts, belts = fcs(ds)
    parks = mapping.park_features(ds.parks, lang="zh")
    before = json.dumps([districts, belts, parks], sort_keys=True)
    base = mapping.base_map(districts, belts, lang="zh")
    html = mapping.map_html(
        mapping.full_map(base, mapping.park_groups(parks, lang="zh", selected_id="p1"))
    )
    assert html
    assert json.dumps([districts, belts, parks], sort_keys=True) == before


# --- the map tools and colours --------------------------------------------------------------


def test_the_map_sets_up_its_tools_with_texts_and_settings(ds: Dataset) -> None:
    html = render(ds)
    match = re.search(r"ZonesMap\.init\([^,]+, (\{.*?\})\);\n", html)
    assert match, "the map tools are set up"
    config = json.loads(match.group(1))
    assert config["labelZoom"] == mapping.LABEL_ZOOM and config["minParkPx"] == mapping.MIN_PARK_PX
    assert config["png"]["sizes"][0] == [1600, 1000]
    assert config["text"]["search_placeholder"] == "查找园区：名称、拼音首字母"
    assert config["text"]["north"] == "北"
    assert "北部湾区产业带" in [row["label"] for row in config["png"]["rows"]]
    english = json.loads(
        re.search(r"ZonesMap\.init\([^,]+, (\{.*?\})\);\n", render(ds, lang="en"))[1]
    )
    assert english["text"]["north"] == "N"
    # A metric scale bar comes with the tools (not folium's metric + imperial one).
    assert "L.control.scale" not in html


def test_parks_are_filled_by_the_colouring_and_the_legend_follows(ds: Dataset) -> None:
    parks_fc = mapping.park_features(ds.parks, lang="zh")
    coloring = park_coloring(ds, ds.parks, "level", lang="zh")
    groups = mapping.park_groups(
        parks_fc, lang="zh", coloring=coloring, sentence="全部园区 9 个", selected_id="p2"
    )
    html = mapping.map_html(mapping.full_map(mapping.base_map(*fcs(ds), lang="zh"), groups))
    fills = {
        f["id"]: f["properties"]["fill"] for fc in park_collections(html) for f in fc["features"]
    }
    assert fills["p0"] == styles.LEVEL_COLORS["national"]
    assert fills["p1"] == styles.LEVEL_COLORS["provincial"]
    assert '"className":"zones-park"' in html and "s.fillColor = p.fill" in html
    view = json.loads(re.search(r"ZonesMap\.update\([^,]+, (\{.*?\})\);\n", html)[1])
    assert view["legend"]["title"] == "园区着色：园区级别"
    assert [r["label"] for r in view["legend"]["rows"]] == ["国家级", "省级"]
    assert view["selected"] == "p2"
    assert view["sentence"] == "全部园区 9 个" and "全部园区 9 个" in view["description"]
    # The cached collection is not changed by the colouring.
    assert "fill" not in parks_fc["features"][0]["properties"]


def test_hostile_names_reach_the_map_tools_only_as_json_text(ds: Dataset) -> None:
    belts = ds.belts.copy()
    belts.loc[0, "name_zh"] = "<script>alert(5)</script>"
    html = render(dataclasses.replace(ds, belts=belts))
    assert "<script>alert(5)" not in html
    assert "\\u003cscript\\u003ealert(5)" in html  # JSON-escaped in the tools' settings


def test_legend_shows_park_lines_without_a_fill_and_a_box_for_the_colours(ds: Dataset) -> None:
    html = mapping.legend_html(fcs(ds)[1], "zh")
    assert '<div class="zones-legend-parks"></div>' in html
    rows = mapping.legend_rows(fcs(ds)[1], "zh")
    lines = {text: style for style, text in rows}
    assert lines["示意范围（估计）"]["fill"] is False and lines["示意范围（估计）"]["dashArray"]
    assert lines["北部湾区产业带"]["fillOpacity"] == styles.BELT_FILL_OPACITY


# --- the map of a signed-in editor or reviewer ----------------------------------------------


def _change(change_id: int, park_id: str, kind: str, value: dict) -> Change:
    event = Event(change_id, "proposed", "wang", "2026-01-01T00:00:00+00:00", "")
    return Change(change_id, "b", park_id, kind, {}, value, "src", "note", "wang",
                  "2026-01-01T00:00:00+00:00", 0, (event,))  # fmt: skip


PROPOSED = [
    _change(1, "p1", "footprint", {"geometry": shapely.geometry.mapping(
        shapely.box(121.56, 29.95, 121.57, 29.96))}),
    _change(2, "p2", "location", {"lon": 121.1, "lat": 30.0, "precision_m": 50}),
    _change(3, "p3", "area", {"area_km2": 2.0}),
]  # fmt: skip


def render_editing(ds: Dataset, *, lang: str = "zh", basemap: str = "none") -> str:
    parks_fc = mapping.park_features(ds.parks, lang=lang, basemap=basemap)
    base = mapping.base_map(*fcs(ds, lang, basemap), lang=lang, basemap=basemap, editing=True)
    groups = mapping.park_groups(
        parks_fc, lang=lang, selected_id="p1", edit={"park": "p1", "key": "p1|0"}
    )
    proposed = mapping.proposed_features(PROPOSED, basemap=basemap)
    groups.insert(-1, mapping.proposed_group(proposed, lang=lang))
    return mapping.map_html(mapping.full_map(base, groups))


def test_only_an_editors_map_has_the_drawing_tools_all_served_by_the_app(ds: Dataset) -> None:
    viewer = render(ds, selected="p1")
    for editor_only in ("leaflet-draw", "L.Control.Draw", "ZonesMap.edit", "drawLocal",
                        "zones-proposed", '"edit":'):  # fmt: skip
        assert editor_only not in viewer, editor_only
    html = render_editing(ds)
    assert assets.off_host_links(html) == []
    assert "cdnjs" not in html and "leaflet.draw/1.0" not in html
    assert '<script src="/app/static/vendor/leaflet-draw/leaflet.draw.js">' in html
    assert 'href="/app/static/vendor/leaflet-draw/leaflet.draw.css"' in html
    assert html.index("leaflet.draw.js") < html.index("zones/map-tools.js")
    assert "new L.Control.Draw(" in html and "ZonesMap.edit(" in html
    # A boundary (polygon, rectangle) or a point, nothing else; never a crossing boundary.
    draw = json.loads(re.search(r"draw: (\{.*?\}),\n", html)[1])  # type: ignore[index]
    assert {k for k, v in draw.items() if v is not False} == {"polygon", "rectangle", "marker"}
    assert draw["polygon"]["allowIntersection"] is False
    assert "alert(coords)" not in html  # folium's geometry pop-up is off
    # The map tools learn the park being corrected, and when to clear what was drawn.
    view = json.loads(re.search(r"ZonesMap\.update\([^,]+, (\{.*?\})\);\n", html)[1])  # type: ignore[index]
    assert view["edit"] == {"park": "p1", "key": "p1|0"}


def test_the_drawing_tools_speak_the_apps_language_escaped() -> None:
    zh, en = mapping.draw_local("zh"), mapping.draw_local("en")
    assert zh["draw"]["toolbar"]["buttons"]["polygon"] == "绘制园区边界（多边形）"
    assert zh["draw"]["handlers"]["polygon"]["tooltip"]["end"] == "单击第一个点闭合边界。"
    assert zh["edit"]["toolbar"]["actions"]["save"]["text"] == "保存"
    # Leaflet.draw puts some of its texts into the page as HTML: each is escaped.
    assert en["draw"]["toolbar"]["buttons"]["marker"] == "Place the park&#x27;s point"
    leaves = []

    def walk(node: dict) -> None:
        for value in node.values():
            walk(value) if isinstance(value, dict) else leaves.append(value)

    walk(zh)
    assert len(leaves) == len(mapping.DRAW_TEXTS) and all(leaves)
    assert mapping.tools_config(*fcs(make_dataset(2)), lang="zh", editing=True)["drawLocal"] == zh
    assert "drawLocal" not in mapping.tools_config(*fcs(make_dataset(2)), lang="zh")


def test_proposed_corrections_are_drawn_apart_dashed_red_and_not_interactive(
    ds: Dataset,
) -> None:
    fc = mapping.proposed_features(PROPOSED)
    # A footprint and a point; a corrected area has nothing to draw.
    assert [f["id"] for f in fc["features"]] == ["change-1", "change-2"]
    assert fc["features"][0]["properties"] == {"change": 1, "park": "p1", "kind": "footprint"}
    assert fc["features"][1]["geometry"] == {"type": "Point", "coordinates": [121.1, 30.0]}
    # Shifted like the parks on GCJ-02 tiles (a few hundred metres near Ningbo).
    shifted = mapping.proposed_features(PROPOSED, basemap="amap")["features"][1]["geometry"]
    lon, lat = shifted["coordinates"]
    assert 0.002 < abs(lon - 121.1) + abs(lat - 30.0) < 0.02
    html = render_editing(ds)
    collections = embedded_collections(html)
    assert collections[-2] == fc  # its own layer, under the selection's outline
    assert park_collections(html) != [] and all(
        not f["id"].startswith("change-") for c in collections[:-2] for f in c["features"]
    )
    styled = re.search(r'(\{[^{}]*"className": "zones-proposed"[^{}]*\})', html)
    assert styled, "the proposals' own style"
    for key, value in styles.PROPOSED_STYLE.items():
        assert f'"{key}": {json.dumps(value)}' in styled[1], key
    assert styles.PROPOSED_STYLE["dashArray"] and styles.PROPOSED_STYLE["color"] == "#d62728"
    # Neither its shapes nor its points take clicks: a click still reaches the park below.
    ring = re.search(r"_pointToLayer\(feature, latlng\) \{\s*var opts = (\{.*?\});", html, re.S)
    assert ring and '"interactive": false' in ring[1]
    # The legend says what they are, on the editor's map only.
    assert "待审核的更正" in mapping.legend_html(fcs(ds)[1], "zh", proposed=True)
    assert "待审核的更正" not in mapping.legend_html(fcs(ds)[1], "zh")
    assert json.dumps("待审核的更正")[1:-1] in html


def test_leaflet_draw_is_vendored_with_its_licence_and_loaded_only_for_editors() -> None:
    sources = (assets.STATIC_DIR / "vendor" / "SOURCES.md").read_text()
    assert "| leaflet-draw | 1.0.4 | MIT |" in sources
    licence = (assets.STATIC_DIR / "vendor" / "leaflet-draw" / "LICENSE").read_text()
    assert "Permission is hereby granted" in licence and "Jacob Toye" in licence
    for image in ("spritesheet.png", "spritesheet-2x.png", "spritesheet.svg"):  # its icons
        assert (assets.STATIC_DIR / "vendor" / "leaflet-draw" / "images" / image).is_file()
    draw = ("leaflet-draw", "/zones/app/static/vendor/leaflet-draw/leaflet.draw.js")
    assert draw in assets.js_links("zones", editing=True)
    assert draw not in assets.js_links("zones")
    css = ("leaflet-draw_css", "/app/static/vendor/leaflet-draw/leaflet.draw.css")
    assert css in assets.css_links(editing=True) and css not in assets.css_links()
